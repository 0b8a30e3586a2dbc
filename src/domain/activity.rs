//! Activities of party organizations: which carry ranked results, and how ranks are given
//! (岗位技能竞赛、岗位能手评选、技术创新贡献榜 publish ranked lists).
use chrono::NaiveDate;
pub use entity::enums::{ActivityKind, InnovationCategory, ResultStatus};

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
}
