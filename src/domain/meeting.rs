//! Rules of meetings: kinds, states, attendance, and what a general meeting's vote needs.

use super::development::Refusal;

pub use entity::enums::{AttendanceStatus, MeetingKind, MeetingStatus, VoteSubject};

/// A vote's counts and the meeting's voters.
#[derive(Clone, Copy, Debug)]
pub struct Ballot {
    pub subject: VoteSubject,
    /// Full members expected at the meeting.
    pub entitled: u32,
    /// Full members present.
    pub present: u32,
    pub yes: u32,
    pub no: u32,
    pub abstentions: u32,
}

fn refuse(code: &'static str, detail: String) -> Result<(), Refusal> {
    Err(Refusal { code, detail })
}

/// A general meeting votes with more than half of its entitled full members present (more than
/// four fifths for an election); an admission or conversion needs yes votes from more than half
/// of the entitled full members.
pub fn check_ballot(b: &Ballot) -> Result<(), Refusal> {
    if b.yes + b.no + b.abstentions > b.present {
        return refuse(
            "more_votes_than_voters",
            format!(
                "{} votes were cast but {} full members were present.",
                b.yes + b.no + b.abstentions,
                b.present
            ),
        );
    }
    if b.subject == VoteSubject::Election {
        if b.present * 5 <= b.entitled * 4 {
            return refuse(
                "election_quorum",
                format!(
                    "{} of {} full members present; an election needs more than four fifths.",
                    b.present, b.entitled
                ),
            );
        }
    } else if b.present * 2 <= b.entitled {
        return refuse(
            "quorum",
            format!(
                "{} of {} full members present; a vote needs more than half.",
                b.present, b.entitled
            ),
        );
    }
    if matches!(b.subject, VoteSubject::Admission | VoteSubject::Conversion)
        && b.yes * 2 <= b.entitled
    {
        return refuse(
            "vote_majority",
            format!(
                "{} yes votes of {} full members entitled to vote: more than half is needed, at least {}.",
                b.yes,
                b.entitled,
                b.entitled / 2 + 1
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ballot(subject: VoteSubject, entitled: u32, present: u32, yes: u32) -> Ballot {
        Ballot {
            subject,
            entitled,
            present,
            yes,
            no: 0,
            abstentions: 0,
        }
    }

    fn code(b: Ballot) -> Option<&'static str> {
        check_ballot(&b).err().map(|r| r.code)
    }

    #[test]
    fn quorum_majority_and_election_thresholds() {
        assert_eq!(code(ballot(VoteSubject::Other, 10, 5, 5)), Some("quorum"));
        assert_eq!(code(ballot(VoteSubject::Other, 10, 6, 1)), None);
        assert_eq!(
            code(ballot(VoteSubject::Admission, 10, 10, 5)),
            Some("vote_majority")
        );
        assert_eq!(code(ballot(VoteSubject::Admission, 10, 6, 6)), None);
        assert_eq!(
            code(ballot(VoteSubject::Election, 10, 8, 8)),
            Some("election_quorum")
        );
        assert_eq!(code(ballot(VoteSubject::Election, 10, 9, 5)), None);
        assert_eq!(
            code(ballot(VoteSubject::Other, 10, 6, 7)),
            Some("more_votes_than_voters")
        );
    }
}
