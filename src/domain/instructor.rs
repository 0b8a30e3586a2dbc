//! Rules of instructors and their assignments ("one person, one enterprise").
use chrono::NaiveDate;

pub use entity::enums::{AssignmentStatus, InstructorStatus, SourceUnitType};

/// A period of days; `None` as its end means open-ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Period {
    /// Whether the two periods share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        let ends_before = |a: &Period, b: &Period| a.ends_on.is_some_and(|end| end < b.starts_on);
        !ends_before(self, other) && !ends_before(other, self)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn period(start: NaiveDate, end: Option<NaiveDate>) -> Period {
        Period {
            starts_on: start,
            ends_on: end,
        }
    }

    #[test]
    fn periods_overlap_when_they_share_a_day() {
        let first = period(d(1, 1), Some(d(3, 31)));
        assert!(first.overlaps(&period(d(3, 31), None)));
        assert!(!first.overlaps(&period(d(4, 1), None)));
        assert!(period(d(5, 1), None).overlaps(&period(d(1, 1), None)));
        assert!(!period(d(5, 1), None).overlaps(&period(d(1, 1), Some(d(4, 30)))));
        assert!(first.contains(d(3, 31)) && !first.contains(d(4, 1)));
    }
}
