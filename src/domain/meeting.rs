//! Rules of meetings: kinds, states, attendance, and what a general meeting's vote needs.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

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

/// A meeting ends after it starts (DESIGN §5: a meeting is planned for a time).
pub fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), RuleViolation> {
    if ends_at <= starts_at {
        return Err(RuleViolation::new(
            "ends_at",
            "order",
            "must be after starts_at",
        ));
    }
    Ok(())
}

/// A meeting's details are corrected while planned or held; a cancelled meeting stays as it was
/// (DESIGN §5: `planned` → `held` or `cancelled`).
pub fn can_correct(id: Uuid, status: MeetingStatus) -> Result<(), Refusal> {
    if status == MeetingStatus::Cancelled {
        return refuse(
            "cancelled",
            format!("Meeting {id} was cancelled; plan a new one."),
        );
    }
    Ok(())
}

/// Only a planned meeting is held, and not before it starts (DESIGN §5: `planned` → `held`,
/// with minutes and attendance of what took place).
pub fn can_hold(
    id: Uuid,
    status: MeetingStatus,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if status != MeetingStatus::Planned {
        return refuse(
            "not_planned",
            format!("Meeting {id} is {status}; only a planned meeting is held."),
        );
    }
    if starts_at > now {
        return refuse(
            "not_yet",
            format!("Meeting {id} starts at {starts_at}; record it once it has been held."),
        );
    }
    Ok(())
}

/// Only a planned meeting is cancelled (DESIGN §5: `planned` → `cancelled`, with a reason).
pub fn can_cancel(id: Uuid, status: MeetingStatus) -> Result<(), Refusal> {
    if status != MeetingStatus::Planned {
        return refuse(
            "not_planned",
            format!("Meeting {id} is {status}; only a planned meeting is cancelled."),
        );
    }
    Ok(())
}

/// Attendance is recorded for a held meeting only (DESIGN §5: `held` (minutes, attendance)).
pub fn can_record_attendance(id: Uuid, status: MeetingStatus) -> Result<(), Refusal> {
    if status != MeetingStatus::Held {
        return refuse(
            "not_held",
            format!("Meeting {id} is {status}; attendance is recorded for a held meeting."),
        );
    }
    Ok(())
}

/// Only a general meeting (支部党员大会) votes, once held with its attendance
/// (《中国共产党支部工作条例（试行）》: the general meeting decides admissions and elections).
pub fn can_vote(id: Uuid, kind: MeetingKind, status: MeetingStatus) -> Result<(), Refusal> {
    if kind != MeetingKind::GeneralMeeting {
        return refuse(
            "general_meeting_only",
            format!("Meeting {id} is a {kind}; only a general meeting votes."),
        );
    }
    if status != MeetingStatus::Held {
        return refuse(
            "not_held",
            format!("Meeting {id} is {status}; record its holding and attendance first."),
        );
    }
    Ok(())
}

/// A vote to admit or convert names its member, one whose relation the meeting's party
/// organization holds (《中国共产党发展党员工作细则》: the member's own branch votes).
/// `held_here` is whether the named member's relation is held there.
pub fn check_vote_member(
    subject: VoteSubject,
    member_id: Option<Uuid>,
    held_here: bool,
) -> Result<(), RuleViolation> {
    if !matches!(subject, VoteSubject::Admission | VoteSubject::Conversion) {
        return Ok(());
    }
    if member_id.is_none() {
        return Err(RuleViolation::new(
            "member_id",
            "required",
            "an admission or conversion names the member",
        ));
    }
    if !held_here {
        return Err(RuleViolation::new(
            "member_id",
            "not_member_here",
            "the member's relation is not held by this party organization",
        ));
    }
    Ok(())
}

/// What a held meeting records of its topic: a party lecture its lecturer and topic, a theme
/// party day its theme (DESIGN §5: "A party lecture has a lecturer and topic"; 主题党日).
pub fn check_held_details(
    kind: MeetingKind,
    lecturer: Option<&str>,
    topic: Option<&str>,
    theme: Option<&str>,
) -> Vec<RuleViolation> {
    let mut violations = Vec::new();
    let blank = |v: Option<&str>| v.is_none_or(|s| s.trim().is_empty());
    if kind == MeetingKind::PartyLecture {
        for (field, value) in [("lecturer", lecturer), ("topic", topic)] {
            if blank(value) {
                violations.push(RuleViolation::new(
                    field,
                    "required",
                    "a party lecture records its lecturer and topic",
                ));
            }
        }
    }
    if kind == MeetingKind::ThemePartyDay && blank(theme) {
        violations.push(RuleViolation::new(
            "theme",
            "required",
            "a theme party day records its theme",
        ));
    }
    violations
}

/// One member's attendance as recorded.
#[derive(Clone, Debug)]
pub struct AttendanceEntry {
    pub member_id: Uuid,
    pub status: AttendanceStatus,
    pub reason: Option<String>,
}

/// A broken attendance rule: the entry it concerns (`None` for the list as a whole), the rule's
/// code and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttendanceViolation {
    pub entry: Option<usize>,
    pub code: &'static str,
    pub message: String,
}

/// Attendance names every expected member once, and only them; an excused absence gives its
/// reason (DESIGN §5: attendance per member, `excused` (reason)). `expected` maps the members
/// expected to whether they vote.
pub fn check_attendance(
    expected: &HashMap<Uuid, bool>,
    entries: &[AttendanceEntry],
) -> Vec<AttendanceViolation> {
    let mut violations = Vec::new();
    let mut violation = |entry, code, message: String| {
        violations.push(AttendanceViolation {
            entry,
            code,
            message,
        })
    };
    let mut seen = HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        if !seen.insert(entry.member_id) {
            violation(
                Some(i),
                "duplicate",
                format!("{} is listed twice", entry.member_id),
            );
        } else if !expected.contains_key(&entry.member_id) {
            violation(
                Some(i),
                "not_expected",
                format!("{} is not expected at this meeting", entry.member_id),
            );
        }
        if entry.status == AttendanceStatus::Excused
            && entry.reason.as_deref().is_none_or(|r| r.trim().is_empty())
        {
            violation(
                Some(i),
                "reason_required",
                "an excused absence needs its reason".into(),
            );
        }
    }
    let mut missing: Vec<String> = expected
        .keys()
        .filter(|id| !seen.contains(*id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        missing.sort();
        violation(
            None,
            "missing_member",
            format!("expected members not listed: {}", missing.join(", ")),
        );
    }
    violations
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

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 6, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_meeting_ends_after_it_starts() {
        assert!(check_times(at(9), at(10)).is_ok());
        assert_eq!(check_times(at(9), at(9)).unwrap_err().code, "order");
        assert_eq!(check_times(at(10), at(9)).unwrap_err().field, "ends_at");
    }

    #[test]
    fn a_planned_meeting_is_held_once_started_or_cancelled() {
        use MeetingStatus::*;
        let id = Uuid::from_u128(1);
        let code = |r: Result<(), Refusal>| r.map_or_else(|r| r.code, |_| "ok");
        assert_eq!(code(can_hold(id, Planned, at(9), at(9))), "ok");
        assert_eq!(code(can_hold(id, Planned, at(10), at(9))), "not_yet");
        assert_eq!(code(can_hold(id, Held, at(9), at(10))), "not_planned");
        assert_eq!(code(can_hold(id, Cancelled, at(9), at(10))), "not_planned");
        assert_eq!(code(can_cancel(id, Planned)), "ok");
        assert_eq!(code(can_cancel(id, Held)), "not_planned");
        assert_eq!(code(can_cancel(id, Cancelled)), "not_planned");
        assert_eq!(code(can_correct(id, Planned)), "ok");
        assert_eq!(code(can_correct(id, Held)), "ok");
        assert_eq!(code(can_correct(id, Cancelled)), "cancelled");
        assert_eq!(code(can_record_attendance(id, Held)), "ok");
        assert_eq!(code(can_record_attendance(id, Planned)), "not_held");
    }

    #[test]
    fn only_a_held_general_meeting_votes_on_a_member_held_there() {
        use MeetingKind::*;
        use MeetingStatus::*;
        let id = Uuid::from_u128(1);
        let code = |r: Result<(), Refusal>| r.map_or_else(|r| r.code, |_| "ok");
        assert_eq!(code(can_vote(id, GeneralMeeting, Held)), "ok");
        assert_eq!(code(can_vote(id, GeneralMeeting, Planned)), "not_held");
        assert_eq!(
            code(can_vote(id, CommitteeMeeting, Held)),
            "general_meeting_only"
        );
        let member = Some(Uuid::from_u128(2));
        let code = |subject, member, here| {
            check_vote_member(subject, member, here).map_or_else(|v| v.code, |_| "ok")
        };
        assert_eq!(code(VoteSubject::Admission, member, true), "ok");
        assert_eq!(code(VoteSubject::Conversion, None, false), "required");
        assert_eq!(
            code(VoteSubject::Admission, member, false),
            "not_member_here"
        );
        assert_eq!(code(VoteSubject::Other, None, false), "ok");
        assert_eq!(code(VoteSubject::Election, member, false), "ok");
    }

    #[test]
    fn lectures_and_theme_days_record_what_they_were_about() {
        let fields = |kind, lecturer, topic, theme| -> Vec<&'static str> {
            check_held_details(kind, lecturer, topic, theme)
                .into_iter()
                .map(|v| v.field)
                .collect()
        };
        assert_eq!(
            fields(MeetingKind::PartyLecture, None, Some(" "), None),
            ["lecturer", "topic"]
        );
        assert!(fields(MeetingKind::PartyLecture, Some("王"), Some("党章"), None).is_empty());
        assert_eq!(
            fields(MeetingKind::ThemePartyDay, None, None, Some("")),
            ["theme"]
        );
        assert!(fields(MeetingKind::GeneralMeeting, None, None, None).is_empty());
    }

    #[test]
    fn attendance_names_each_expected_member_once_and_excuses_give_a_reason() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let expected = HashMap::from([(a, true), (b, false)]);
        let entry = |member_id, status, reason: Option<&str>| AttendanceEntry {
            member_id,
            status,
            reason: reason.map(str::to_owned),
        };
        let problems = |entries: &[AttendanceEntry]| -> Vec<(Option<usize>, &'static str)> {
            check_attendance(&expected, entries)
                .into_iter()
                .map(|v| (v.entry, v.code))
                .collect()
        };
        assert!(
            problems(&[
                entry(a, AttendanceStatus::Present, None),
                entry(b, AttendanceStatus::Excused, Some("出差")),
            ])
            .is_empty()
        );
        assert_eq!(
            problems(&[
                entry(a, AttendanceStatus::Present, None),
                entry(a, AttendanceStatus::Absent, None),
                entry(c, AttendanceStatus::Excused, Some(" ")),
            ]),
            [
                (Some(1), "duplicate"),
                (Some(2), "not_expected"),
                (Some(2), "reason_required"),
                (None, "missing_member"),
            ]
        );
    }
}
