//! The special party-building fund (党建工作经费): what an entry does to the balance, which
//! expenditures need approval and by whom, how mistakes are corrected, and the annual report.
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
pub use entity::enums::{FundCategory, FundEntryKind, FundEntryStatus, FundSource};

use super::{Refusal, refuse};

/// An entry as the rules see it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub kind: FundEntryKind,
    pub source: Option<FundSource>,
    pub category: Option<FundCategory>,
    pub amount_fen: i64,
    pub occurred_on: NaiveDate,
    pub status: FundEntryStatus,
    /// For a reversal: the kind of the entry it reverses.
    pub reverses: Option<FundEntryKind>,
}

/// The balance change of a counted entry: allocations add, expenditures take, a reversal undoes
/// its entry in full (fund management system: entries are immutable, corrected by reversal).
pub fn effect(kind: FundEntryKind, reverses: Option<FundEntryKind>, amount_fen: i64) -> i64 {
    match (kind, reverses) {
        (FundEntryKind::Allocation, _) => amount_fen,
        (FundEntryKind::Expenditure, _) => -amount_fen,
        (FundEntryKind::Reversal, Some(FundEntryKind::Allocation)) => -amount_fen,
        (FundEntryKind::Reversal, _) => amount_fen,
    }
}

/// An expenditure above `LIANGXIN_FUND_APPROVAL_THRESHOLD_FEN` waits for approval (fund
/// management system: larger outlays are approved collectively or by the higher organization).
pub fn needs_approval(kind: FundEntryKind, amount_fen: i64, threshold_fen: i64) -> bool {
    kind == FundEntryKind::Expenditure && amount_fen > threshold_fen
}

/// What may be reversed: an entry that counts (an approved expenditure or an allocation), not a
/// reversal itself, and only once (the last is kept by a unique index).
pub fn check_reversible(target: FundEntryKind, status: FundEntryStatus) -> Result<(), Refusal> {
    if target == FundEntryKind::Reversal {
        return refuse(
            "reversal_of_reversal",
            "A reversal cannot itself be reversed; record the entry again instead.",
        );
    }
    if status != FundEntryStatus::Approved {
        return refuse(
            "not_counted",
            "Only an entry that counts can be reversed; reject a pending expenditure instead.",
        );
    }
    Ok(())
}

/// Four eyes: an expenditure is approved or rejected by someone other than who recorded it.
pub fn check_decider(
    recorded_by: &str,
    decider: &str,
    status: FundEntryStatus,
) -> Result<(), Refusal> {
    if status != FundEntryStatus::Pending {
        return refuse(
            "already_decided",
            "This entry is not pending approval; it was decided already or never needed it.",
        );
    }
    if recorded_by == decider {
        return refuse(
            "same_person",
            "An expenditure is approved or rejected by someone other than who recorded it.",
        );
    }
    Ok(())
}

/// The management-fee allocation is usually about 1% of the enterprise's previous-year payroll
/// (中组部 2014 notice on work funds of party organizations in non-public enterprises): a
/// warning when the year's allocations are below half of that.
pub fn management_fee_warning(
    allocated_fen: i64,
    previous_payroll_fen: Option<i64>,
) -> Option<String> {
    let payroll = previous_payroll_fen?;
    let usual = payroll / 100;
    (allocated_fen * 2 < usual).then(|| {
        format!(
            "Management-fee allocations this year are {} fen, less than half of the usual 1% of \
             the previous year's payroll ({} fen of {} fen).",
            allocated_fen, usual, payroll
        )
    })
}

/// A year's books.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearReport {
    pub opening_fen: i64,
    pub allocations_by_source: BTreeMap<FundSource, i64>,
    pub allocations_fen: i64,
    pub expenditures_by_category: BTreeMap<FundCategory, i64>,
    pub expenditures_fen: i64,
    /// Allocations reversed in the year (taken back out).
    pub allocations_reversed_fen: i64,
    /// Expenditures reversed in the year (put back).
    pub expenditures_reversed_fen: i64,
    pub closing_fen: i64,
    /// Expenditures of the year waiting for approval (not counted).
    pub pending_fen: i64,
}

/// The report of `year` from every entry of the ledger: the opening balance counts what was
/// counted before the year; rejected and pending entries never count.
pub fn year_report(year: i32, entries: &[Entry]) -> YearReport {
    let mut report = YearReport::default();
    for entry in entries {
        let entry_year = entry.occurred_on.year();
        if entry_year > year {
            continue;
        }
        if entry.status == FundEntryStatus::Pending && entry_year == year {
            report.pending_fen += entry.amount_fen;
        }
        if entry.status != FundEntryStatus::Approved {
            continue;
        }
        let change = effect(entry.kind, entry.reverses, entry.amount_fen);
        if entry_year < year {
            report.opening_fen += change;
            continue;
        }
        match (entry.kind, entry.reverses) {
            (FundEntryKind::Allocation, _) => {
                let source = entry.source.unwrap_or(FundSource::Other);
                *report.allocations_by_source.entry(source).or_default() += entry.amount_fen;
                report.allocations_fen += entry.amount_fen;
            }
            (FundEntryKind::Expenditure, _) => {
                let category = entry.category.unwrap_or(FundCategory::Other);
                *report.expenditures_by_category.entry(category).or_default() += entry.amount_fen;
                report.expenditures_fen += entry.amount_fen;
            }
            (FundEntryKind::Reversal, Some(FundEntryKind::Allocation)) => {
                report.allocations_reversed_fen += entry.amount_fen
            }
            (FundEntryKind::Reversal, _) => report.expenditures_reversed_fen += entry.amount_fen,
        }
    }
    report.closing_fen = report.opening_fen + report.allocations_fen
        - report.expenditures_fen
        - report.allocations_reversed_fen
        + report.expenditures_reversed_fen;
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use FundEntryKind::*;
    use FundEntryStatus::*;

    fn entry(kind: FundEntryKind, amount: i64, on: &str, status: FundEntryStatus) -> Entry {
        Entry {
            kind,
            source: (kind == Allocation).then_some(FundSource::ManagementFee),
            category: (kind == Expenditure).then_some(FundCategory::Activities),
            amount_fen: amount,
            occurred_on: on.parse().unwrap(),
            status,
            reverses: None,
        }
    }

    #[test]
    fn a_reversal_undoes_its_entry() {
        assert_eq!(effect(Allocation, None, 500), 500);
        assert_eq!(effect(Expenditure, None, 500), -500);
        assert_eq!(effect(Reversal, Some(Allocation), 500), -500);
        assert_eq!(effect(Reversal, Some(Expenditure), 500), 500);
    }

    #[test]
    fn only_expenditures_above_the_threshold_wait_for_approval() {
        assert!(!needs_approval(Expenditure, 500_000, 500_000));
        assert!(needs_approval(Expenditure, 500_001, 500_000));
        assert!(!needs_approval(Allocation, 9_000_000, 500_000));
    }

    #[test]
    fn reversals_and_decisions_follow_the_rules() {
        assert_eq!(
            check_reversible(Reversal, Approved).unwrap_err().code,
            "reversal_of_reversal"
        );
        assert_eq!(
            check_reversible(Expenditure, Pending).unwrap_err().code,
            "not_counted"
        );
        assert!(check_reversible(Allocation, Approved).is_ok());
        assert_eq!(
            check_decider("user:a", "user:a", Pending).unwrap_err().code,
            "same_person"
        );
        assert_eq!(
            check_decider("user:a", "user:b", Approved)
                .unwrap_err()
                .code,
            "already_decided"
        );
        assert!(check_decider("user:a", "user:b", Pending).is_ok());
    }

    #[test]
    fn the_year_report_adds_up() {
        let mut reversal = entry(Reversal, 2_000, "2026-03-01", Approved);
        reversal.reverses = Some(Expenditure);
        let entries = [
            entry(Allocation, 100_000, "2025-06-01", Approved),
            entry(Expenditure, 30_000, "2025-07-01", Approved),
            entry(Allocation, 50_000, "2026-01-10", Approved),
            entry(Expenditure, 2_000, "2026-02-01", Approved),
            reversal,
            entry(Expenditure, 600_000, "2026-04-01", Pending),
            entry(Expenditure, 700_000, "2026-04-02", Rejected),
            entry(Allocation, 1, "2027-01-01", Approved),
        ];
        let report = year_report(2026, &entries);
        assert_eq!(report.opening_fen, 70_000);
        assert_eq!(report.allocations_fen, 50_000);
        assert_eq!(report.expenditures_fen, 2_000);
        assert_eq!(report.expenditures_reversed_fen, 2_000);
        assert_eq!(report.closing_fen, 120_000);
        assert_eq!(report.pending_fen, 600_000);
        assert_eq!(
            report.expenditures_by_category[&FundCategory::Activities],
            2_000
        );
    }

    #[test]
    fn management_fees_far_below_one_percent_of_payroll_are_flagged() {
        assert!(management_fee_warning(40_000, Some(10_000_000)).is_some());
        assert!(management_fee_warning(50_000, Some(10_000_000)).is_none());
        assert!(management_fee_warning(0, None).is_none());
    }
}
