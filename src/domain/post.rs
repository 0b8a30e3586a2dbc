//! Responsibility posts (党员责任区、党员示范岗、党员先锋岗): activity carriers through which
//! members of two-new party organizations play a role at work.
use chrono::{Datelike, NaiveDate};
pub use entity::enums::{PostKind, Rating};

use super::{Refusal, RuleViolation, refuse};

/// A post's period: it ends on or after it starts; open-ended when `ends_on` is absent.
pub fn check_period(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> Option<RuleViolation> {
    match ends_on {
        Some(ends) if ends < starts_on => Some(RuleViolation::new(
            "ends_on",
            "order",
            format!("must not be before starts_on ({starts_on})"),
        )),
        _ => None,
    }
}

/// Whether two periods share a day (an absent end is open).
pub fn overlaps(a: (NaiveDate, Option<NaiveDate>), b: (NaiveDate, Option<NaiveDate>)) -> bool {
    let a_end = a.1.unwrap_or(NaiveDate::MAX);
    let b_end = b.1.unwrap_or(NaiveDate::MAX);
    a.0 <= b_end && b.0 <= a_end
}

/// A member holds posts of one kind in one organization one at a time (the post system: each
/// member one post of a kind where they work).
pub fn check_no_overlap(
    kind: PostKind,
    period: (NaiveDate, Option<NaiveDate>),
    held: &[(uuid::Uuid, PostKind, NaiveDate, Option<NaiveDate>)],
) -> Result<(), Refusal> {
    if let Some((id, ..)) = held
        .iter()
        .find(|(_, k, starts, ends)| *k == kind && overlaps(period, (*starts, *ends)))
    {
        return refuse(
            "post_overlaps",
            format!(
                "The member already holds a post of this kind in this organization then ({id})."
            ),
        );
    }
    Ok(())
}

/// A post is evaluated at most once a calendar year, and not before it starts.
pub fn check_evaluation(
    starts_on: NaiveDate,
    evaluated_on: NaiveDate,
    years_evaluated: &[i32],
) -> Result<i32, Refusal> {
    if evaluated_on < starts_on {
        return refuse(
            "before_post",
            format!("The post starts on {starts_on}; it cannot be evaluated before."),
        );
    }
    let year = evaluated_on.year();
    if years_evaluated.contains(&year) {
        return refuse(
            "already_evaluated",
            format!("The post has an evaluation for {year} already."),
        );
    }
    Ok(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_overlap_when_they_share_a_day() {
        assert!(overlaps((d("2026-01-01"), None), (d("2030-01-01"), None)));
        assert!(overlaps(
            (d("2026-01-01"), Some(d("2026-06-30"))),
            (d("2026-06-30"), None)
        ));
        assert!(!overlaps(
            (d("2026-01-01"), Some(d("2026-06-29"))),
            (d("2026-06-30"), None)
        ));
        assert!(check_period(d("2026-02-01"), Some(d("2026-01-01"))).is_some());
    }

    #[test]
    fn evaluations_are_yearly_and_after_the_start() {
        assert_eq!(
            check_evaluation(d("2026-03-01"), d("2026-02-01"), &[])
                .unwrap_err()
                .code,
            "before_post"
        );
        assert_eq!(
            check_evaluation(d("2026-03-01"), d("2026-12-01"), &[2026])
                .unwrap_err()
                .code,
            "already_evaluated"
        );
        assert_eq!(
            check_evaluation(d("2026-03-01"), d("2027-01-05"), &[2026]),
            Ok(2027)
        );
    }
}
