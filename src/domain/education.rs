//! Member education (《中国共产党党员教育管理工作条例》, 2019): study hours a year, and what an
//! attended meeting counts for.
use chrono::{DateTime, Utc};
pub use entity::enums::StudyKind;

/// The hours a held party lecture or theme party day counts for each member present: its
/// duration, rounded down to half hours, in halves.
pub fn meeting_half_hours(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> i64 {
    ((ends_at - starts_at).num_minutes() / 30).max(0)
}

/// Whether hours are in half-hour steps (0.5, 1, 1.5 …), as study is counted; the halves.
pub fn half_hours(hours: f64) -> Option<i32> {
    let halves = hours * 2.0;
    ((1.0..=48.0).contains(&halves) && halves.fract() == 0.0).then_some(halves as i32)
}

/// The hours a member must study in a year (《中国共产党党员教育管理工作条例》: members no less
/// than 32 class hours a year; secretaries and committee members of primary party organizations
/// no less than 56), configurable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Requirement {
    pub member_hours: f64,
    pub leader_hours: f64,
}

impl Default for Requirement {
    fn default() -> Self {
        Requirement {
            member_hours: 32.0,
            leader_hours: 56.0,
        }
    }
}

impl Requirement {
    /// The hours required of a member, a leader (secretary or committee member) or not.
    pub fn of(&self, leader: bool) -> f64 {
        if leader {
            self.leader_hours
        } else {
            self.member_hours
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_count_whole_half_hours() {
        let at = |t: &str| {
            format!("2026-05-01T{t}:00Z")
                .parse::<DateTime<Utc>>()
                .unwrap()
        };
        assert_eq!(meeting_half_hours(at("09:00"), at("10:59")), 3);
        assert_eq!(meeting_half_hours(at("09:00"), at("11:00")), 4);
        assert_eq!(meeting_half_hours(at("09:00"), at("09:20")), 0);
    }

    #[test]
    fn hours_come_in_half_hour_steps() {
        assert_eq!(half_hours(1.5), Some(3));
        assert_eq!(half_hours(0.5), Some(1));
        assert_eq!(half_hours(0.25), None);
        assert_eq!(half_hours(0.0), None);
        assert_eq!(half_hours(24.5), None);
        assert_eq!(Requirement::default().of(true), 56.0);
    }
}
