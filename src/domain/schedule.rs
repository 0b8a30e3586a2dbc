//! Meeting schedules (DESIGN §5, "schedules: recurrence that generates planned meetings"): how a
//! schedule's meetings follow its occurrences when it is made, changed or archived.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A meeting the schedule made earlier, as far as following the schedule goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MadeMeeting {
    pub id: Uuid,
    /// The occurrence's day, in the schedule's timezone.
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    /// Still planned (not held or cancelled).
    pub planned: bool,
    /// Its title, place, kind, group and length are still the schedule's.
    pub matches_schedule: bool,
}

/// What to do to one meeting or occurrence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleAction {
    /// Plan a meeting for a new occurrence.
    Plan {
        day: NaiveDate,
        starts_at: DateTime<Utc>,
    },
    /// Bring a planned meeting to its occurrence's time and the schedule's fields.
    Update {
        meeting: Uuid,
        starts_at: DateTime<Utc>,
    },
    /// Cancel a planned meeting whose occurrence the schedule no longer has.
    Cancel { meeting: Uuid },
}

/// A schedule's change moves only the future: occurrences after `now` get a planned meeting
/// (new, or the one already made, updated if it differs); planned future meetings whose day is
/// no longer an occurrence are cancelled; held and cancelled meetings, and everything before
/// `now`, are left alone. An archived schedule has no occurrences.
pub fn follow_schedule(
    occurrences: &[(NaiveDate, DateTime<Utc>)],
    made: &[MadeMeeting],
    now: DateTime<Utc>,
) -> Vec<ScheduleAction> {
    let mut actions = Vec::new();
    let mut wanted = HashSet::new();
    for &(day, starts_at) in occurrences.iter().filter(|(_, at)| *at > now) {
        wanted.insert(day);
        match made.iter().find(|m| m.day == day) {
            Some(m) if m.planned && (m.starts_at != starts_at || !m.matches_schedule) => actions
                .push(ScheduleAction::Update {
                    meeting: m.id,
                    starts_at,
                }),
            Some(_) => {}
            None => actions.push(ScheduleAction::Plan { day, starts_at }),
        }
    }
    for m in made {
        if m.planned && m.starts_at > now && !wanted.contains(&m.day) {
            actions.push(ScheduleAction::Cancel { meeting: m.id });
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, d).unwrap()
    }

    fn at(d: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, d, hour, 0, 0).unwrap()
    }

    fn made(id: u128, d: u32, hour: u32, planned: bool) -> MadeMeeting {
        MadeMeeting {
            id: Uuid::from_u128(id),
            day: day(d),
            starts_at: at(d, hour),
            planned,
            matches_schedule: true,
        }
    }

    #[test]
    fn a_change_moves_plans_and_cancels_only_future_planned_meetings() {
        let now = at(10, 0);
        let occurrences = [
            (day(5), at(5, 11)),
            (day(15), at(15, 11)),
            (day(20), at(20, 11)),
            (day(25), at(25, 11)),
        ];
        let existing = [
            made(1, 5, 9, true),   // past: left alone
            made(2, 15, 9, true),  // future, time changed: updated
            made(3, 20, 9, false), // held or cancelled: left alone
            made(4, 30, 9, true),  // no longer an occurrence: cancelled
            made(5, 8, 9, true),   // past and dropped: left alone
        ];
        let actions = follow_schedule(&occurrences, &existing, now);
        assert_eq!(
            actions,
            vec![
                ScheduleAction::Update {
                    meeting: Uuid::from_u128(2),
                    starts_at: at(15, 11)
                },
                ScheduleAction::Plan {
                    day: day(25),
                    starts_at: at(25, 11)
                },
                ScheduleAction::Cancel {
                    meeting: Uuid::from_u128(4)
                },
            ]
        );
        // Nothing to do when everything already follows; a changed title alone updates.
        let same = [made(2, 15, 11, true)];
        assert!(follow_schedule(&[(day(15), at(15, 11))], &same, now).is_empty());
        let renamed = [MadeMeeting {
            matches_schedule: false,
            ..made(2, 15, 11, true)
        }];
        assert_eq!(
            follow_schedule(&[(day(15), at(15, 11))], &renamed, now).len(),
            1
        );
        // Archived: no occurrences, every future planned meeting is cancelled.
        assert_eq!(follow_schedule(&[], &existing, now).len(), 2);
    }
}
