//! Activities of party organizations: which carry ranked results, and how ranks are given
//! (岗位技能竞赛、岗位能手评选、技术创新贡献榜 publish ranked lists).
use chrono::NaiveDate;
pub use entity::enums::{ActivityKind, ConcernStatus, InnovationCategory, ResultStatus};

use super::RuleViolation;

/// Competitions, expert evaluations and innovation lists publish ranked results.
pub fn has_results(kind: ActivityKind) -> bool {
    matches!(
        kind,
        ActivityKind::SkillsCompetition
            | ActivityKind::ExpertEvaluation
            | ActivityKind::InnovationContribution
    )
}

/// The ideological-work system with employees: discussions, invitations and face-to-face
/// sessions record the concerns employees raise, each followed to its end.
pub fn is_ideological_work(kind: ActivityKind) -> bool {
    matches!(
        kind,
        ActivityKind::DiscussionSession
            | ActivityKind::EmployeeInvitation
            | ActivityKind::FaceToFace
    )
}

/// A concern moves forward: open → in progress → resolved or declined (with a reason); a
/// resolved or declined concern is closed.
pub fn check_concern_step(
    from: ConcernStatus,
    to: ConcernStatus,
    reason: Option<&str>,
) -> Result<(), super::Refusal> {
    use ConcernStatus::*;
    if from == to {
        return Ok(());
    }
    match (from, to) {
        (Resolved | Declined, _) => super::refuse(
            "closed",
            "The concern is closed (resolved or declined); raise a new one.",
        ),
        (_, Open) => super::refuse("backwards", "A concern in progress does not reopen."),
        (_, Declined) if reason.is_none_or(|r| r.trim().is_empty()) => super::refuse(
            "reason_required",
            "A declined concern says why (decline_reason).",
        ),
        _ => Ok(()),
    }
}

/// A concern still open or in progress past its due date is overdue.
pub fn overdue(status: ConcernStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    matches!(status, ConcernStatus::Open | ConcernStatus::InProgress) && due_on < today
}

/// An activity ends on or after it starts.
pub fn check_period(starts_on: NaiveDate, ends_on: NaiveDate) -> Option<RuleViolation> {
    (ends_on < starts_on).then(|| {
        RuleViolation::new(
            "ends_on",
            "order",
            format!("must not be before starts_on ({starts_on})"),
        )
    })
}

/// Ranks, in the order listed, are 1..n without gaps and ties share a rank, the next one
/// skipping as many as tied ("1, 1, 3" — standard competition ranking).
pub fn check_ranks(ranks: &[u32]) -> Option<RuleViolation> {
    let wrong = ranks.iter().enumerate().find(|(i, rank)| {
        let position = *i as u32 + 1;
        let tied = *i > 0 && **rank == ranks[i - 1];
        !(tied || **rank == position)
    });
    wrong.map(|(i, rank)| {
        RuleViolation::new(
            "entries",
            "ranks",
            format!(
                "entry {} has rank {rank}: ranks run 1..n in order, ties share a rank and the next skips (1, 1, 3)",
                i + 1
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_competition_ranking() {
        assert!(check_ranks(&[1, 2, 3]).is_none());
        assert!(check_ranks(&[1, 1, 3]).is_none());
        assert!(check_ranks(&[1, 2, 2, 4]).is_none());
        assert!(check_ranks(&[]).is_none());
        assert!(check_ranks(&[1, 1, 2]).is_some());
        assert!(check_ranks(&[2]).is_some());
        assert!(check_ranks(&[1, 3]).is_some());
        assert!(has_results(ActivityKind::InnovationContribution));
        assert!(!has_results(ActivityKind::FaceToFace));
    }

    #[test]
    fn concerns_move_forward_to_an_end() {
        use ConcernStatus::*;
        assert!(check_concern_step(Open, InProgress, None).is_ok());
        assert!(check_concern_step(InProgress, Resolved, None).is_ok());
        assert_eq!(
            check_concern_step(Open, Declined, None).unwrap_err().code,
            "reason_required"
        );
        assert!(check_concern_step(Open, Declined, Some("不属企业职责")).is_ok());
        assert_eq!(
            check_concern_step(Resolved, InProgress, None)
                .unwrap_err()
                .code,
            "closed"
        );
        assert_eq!(
            check_concern_step(InProgress, Open, None).unwrap_err().code,
            "backwards"
        );
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(overdue(Open, d("2026-01-01"), d("2026-01-02")));
        assert!(!overdue(Resolved, d("2026-01-01"), d("2026-01-02")));
        assert!(!overdue(Open, d("2026-01-02"), d("2026-01-02")));
    }
}
