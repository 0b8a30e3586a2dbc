//! Party workers and the branch committee (《中国共产党支部工作条例（试行）》, 2018: a branch with
//! 7 or more full members sets up a committee — a secretary, possibly a deputy, and committee
//! members with portfolios; one with fewer elects a secretary).
use chrono::NaiveDate;
pub use entity::enums::{Employment, GivenBy, PartyWorkerPosition, Portfolio};

use super::RuleViolation;

/// Whether a position sits on the branch committee.
pub fn on_committee(position: PartyWorkerPosition) -> bool {
    matches!(
        position,
        PartyWorkerPosition::Secretary
            | PartyWorkerPosition::DeputySecretary
            | PartyWorkerPosition::CommitteeMember
    )
}

/// A party organization "has a committee" when at least 3 of its committee seats are filled now
/// (a committee has 3 to 5 members, or up to 7): committee meetings are then required monthly.
pub fn has_committee(current_seats: usize) -> bool {
    current_seats >= 3
}

/// A committee member has a portfolio; no one else has one.
pub fn check_portfolio(
    position: PartyWorkerPosition,
    portfolio: Option<Portfolio>,
) -> Option<RuleViolation> {
    match (position, portfolio) {
        (PartyWorkerPosition::CommitteeMember, None) => Some(RuleViolation::new(
            "portfolio",
            "required",
            "a committee member has a portfolio",
        )),
        (PartyWorkerPosition::CommitteeMember, Some(_)) | (_, None) => None,
        (_, Some(_)) => Some(RuleViolation::new(
            "portfolio",
            "not_allowed",
            "only a committee member has a portfolio",
        )),
    }
}

/// A position ends on or after the day it began.
pub fn check_end(appointed_on: NaiveDate, ended_on: NaiveDate) -> Option<RuleViolation> {
    (ended_on < appointed_on).then(|| {
        RuleViolation::new(
            "ended_on",
            "order",
            format!("must not be before appointed_on ({appointed_on})"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartyWorkerPosition::*;

    #[test]
    fn the_committee_and_its_portfolios() {
        assert!(on_committee(Secretary) && on_committee(CommitteeMember));
        assert!(!on_committee(Liaison));
        assert!(!has_committee(2) && has_committee(3));
        assert_eq!(
            check_portfolio(CommitteeMember, None).unwrap().code,
            "required"
        );
        assert_eq!(
            check_portfolio(Secretary, Some(Portfolio::Youth))
                .unwrap()
                .code,
            "not_allowed"
        );
        assert!(check_portfolio(CommitteeMember, Some(Portfolio::Discipline)).is_none());
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(check_end(d("2026-01-02"), d("2026-01-01")).is_some());
        assert!(check_end(d("2026-01-02"), d("2026-01-02")).is_none());
    }
}
