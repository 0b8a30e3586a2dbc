//! Rules of meetings: kinds, states, attendance, and what a general meeting's vote needs.

use super::{Refusal, RuleViolation, refuse};

pub use entity::enums::{AttendanceStatus, MeetingKind, MeetingStatus, VoteSubject};

/// A group meeting (党小组会) belongs to a party group, and only a group meeting does
/// (《中国共产党支部工作条例（试行）》 art. 9: party groups hold their own meetings). Meetings and
/// schedules alike.
pub fn check_group(kind: MeetingKind, has_group: bool) -> Result<(), RuleViolation> {
    match (kind == MeetingKind::GroupMeeting, has_group) {
        (true, false) => Err(RuleViolation::new(
            "party_group_id",
            "required",
            "a group meeting belongs to a party group",
        )),
        (false, true) => Err(RuleViolation::new(
            "party_group_id",
            "group_meeting_only",
            "only a group meeting belongs to a party group",
        )),
        _ => Ok(()),
    }
}

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

/// Admission and conversion (《中国共产党发展党员工作细则》 arts. 25, 32): yes votes from more than
/// half of the full members entitled to vote — the one majority rule, used by meeting votes and
/// by the development pipeline.
pub fn admission_majority(yes: u32, entitled: u32) -> Result<(), Refusal> {
    if yes * 2 <= entitled {
        return refuse(
            "vote_majority",
            format!(
                "{yes} yes votes of {entitled} full members entitled to vote: more than half is needed, at least {}.",
                entitled / 2 + 1
            ),
        );
    }
    Ok(())
}

/// A vote needs more than half of the entitled full members present (《中国共产党支部工作条例（试行）》
/// art. 13), an election more than four fifths (《中国共产党基层组织选举工作条例》 art. 13).
pub fn quorum(subject: VoteSubject, present: u32, entitled: u32) -> Result<(), Refusal> {
    if subject == VoteSubject::Election {
        if present * 5 <= entitled * 4 {
            return refuse(
                "election_quorum",
                format!(
                    "{present} of {entitled} full members present; an election needs more than four fifths."
                ),
            );
        }
    } else if present * 2 <= entitled {
        return refuse(
            "quorum",
            format!("{present} of {entitled} full members present; a vote needs more than half."),
        );
    }
    Ok(())
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
    quorum(b.subject, b.present, b.entitled)?;
    if matches!(b.subject, VoteSubject::Admission | VoteSubject::Conversion) {
        admission_majority(b.yes, b.entitled)?;
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
    fn only_group_meetings_have_a_group() {
        assert!(check_group(MeetingKind::GroupMeeting, true).is_ok());
        assert!(check_group(MeetingKind::PartyLecture, false).is_ok());
        assert_eq!(
            check_group(MeetingKind::GroupMeeting, false)
                .unwrap_err()
                .code,
            "required"
        );
        assert_eq!(
            check_group(MeetingKind::ThemePartyDay, true)
                .unwrap_err()
                .code,
            "group_meeting_only"
        );
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
