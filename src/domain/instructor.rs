//! Rules of instructors and their assignments ("one person, one enterprise").
use chrono::NaiveDate;
use uuid::Uuid;

use super::calendar::not_after_today;
use super::{Refusal, RuleViolation, refuse};

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

    /// Whether the day falls within the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// An assignment ends on or after it starts (DESIGN §5: an assignment has `starts_on`, `ends_on`).
pub fn check_period(period: &Period) -> Result<(), RuleViolation> {
    match period.ends_on {
        Some(ends) if ends < period.starts_on => Err(RuleViolation::new(
            "ends_on",
            "order",
            format!("must not be before starts_on ({})", period.starts_on),
        )),
        _ => Ok(()),
    }
}

/// An assignment already on record, as the service loaded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldAssignment {
    pub id: Uuid,
    pub instructor_id: Uuid,
    pub organization_id: Uuid,
    pub period: Period,
    pub active: bool,
    /// Which of the instructor's `max_per_instructor` places an active assignment holds.
    pub slot: i32,
}

/// What is known of the instructor to be assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstructorStanding {
    pub id: Uuid,
    pub active: bool,
    pub full_party_member: bool,
}

/// "One person, one enterprise" (DESIGN §5; 中组部 on party-building instructors for "two new"
/// organizations): only an active instructor who is a full party member is assigned; an
/// organization has at most one active assignment; an instructor's assignments to one
/// organization do not overlap; and an instructor holds at most `max_per_instructor` active
/// assignments. Gives the free place (slot) the new assignment takes. The database's partial
/// unique indexes on (organization, active) and (instructor, slot) hold the same limits under
/// concurrency.
pub fn place_assignment(
    instructor: InstructorStanding,
    organization_id: Uuid,
    period: &Period,
    organization_holder: Option<&HeldAssignment>,
    held_by_instructor: &[HeldAssignment],
    max_per_instructor: u32,
) -> Result<i32, Refusal> {
    if !instructor.active {
        return refuse(
            "instructor_inactive",
            format!("Instructor {} is inactive.", instructor.id),
        );
    }
    if !instructor.full_party_member {
        return refuse(
            "instructor_not_party_member",
            format!(
                "Instructor {} is not a full party member; only full members are assigned.",
                instructor.id
            ),
        );
    }
    if let Some(taken) = organization_holder {
        return refuse(
            "organization_has_instructor",
            format!(
                "Organization {organization_id} already has active assignment {} (instructor {}).",
                taken.id, taken.instructor_id
            ),
        );
    }
    if let Some(overlapping) = held_by_instructor
        .iter()
        .find(|a| a.organization_id == organization_id && a.period.overlaps(period))
    {
        return refuse(
            "period_overlap",
            format!(
                "Assignment {} of this instructor to this organization ({} to {}) overlaps the new period.",
                overlapping.id,
                overlapping.period.starts_on,
                overlapping
                    .period
                    .ends_on
                    .map_or("open".into(), |d| d.to_string())
            ),
        );
    }
    let active: Vec<&HeldAssignment> = held_by_instructor.iter().filter(|a| a.active).collect();
    match (1..=max_per_instructor as i32).find(|s| active.iter().all(|a| a.slot != *s)) {
        Some(slot) => Ok(slot),
        None => {
            let ids: Vec<String> = active.iter().map(|a| a.id.to_string()).collect();
            refuse(
                "instructor_at_capacity",
                format!(
                    "Instructor {} already holds {} active assignment(s), the most allowed: {}.",
                    instructor.id,
                    active.len(),
                    ids.join(", ")
                ),
            )
        }
    }
}

/// The refusal when the database's unique indexes hold "one person, one enterprise" against a
/// concurrent request (DESIGN §5: "enforced by the database, so 50 concurrent conflicting
/// requests yield exactly one success and 409s"): names the active assignment holding the
/// place, if it was found.
pub fn place_taken(holder: Option<&HeldAssignment>) -> Refusal {
    let detail = match holder {
        Some(taken) => format!(
            "Active assignment {} (instructor {}, organization {}) holds the place.",
            taken.id, taken.instructor_id, taken.organization_id
        ),
        None => "Another active assignment holds the place.".into(),
    };
    Refusal {
        code: "one_person_one_enterprise",
        detail,
    }
}

/// An instructor leaves the roster only once no assignment of theirs is active (DESIGN §5, "one
/// person, one enterprise": the organization is handed over, never left holding a gone instructor).
pub fn can_archive(active_assignment: Option<Uuid>) -> Result<(), Refusal> {
    match active_assignment {
        Some(id) => refuse(
            "has_active_assignment",
            format!("Assignment {id} is active; end or hand it over first."),
        ),
        None => Ok(()),
    }
}

/// Only an active assignment is ended, once (DESIGN §5: an assignment has a `status`).
pub fn can_end(assignment: &HeldAssignment) -> Result<(), Refusal> {
    if assignment.active {
        return Ok(());
    }
    refuse(
        "already_ended",
        format!(
            "Assignment {} ended on {}.",
            assignment.id,
            assignment
                .period
                .ends_on
                .map_or("?".into(), |d| d.to_string())
        ),
    )
}

/// An assignment ends (or is handed over) on a day not before it began and not after today
/// (DESIGN §5: an assignment has `starts_on`, `ends_on`).
pub fn check_end_date(
    assignment: &Period,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), RuleViolation> {
    if date < assignment.starts_on {
        return Err(RuleViolation::new(
            "date",
            "order",
            format!(
                "must not be before the assignment began ({})",
                assignment.starts_on
            ),
        ));
    }
    not_after_today("date", date, today)
}

/// A visit log (DESIGN §5, "visit log: date, topic, findings, follow-ups"): visited within the
/// assignment's period and not after today; the next visit, if planned, after this one.
pub fn check_visit_dates(
    assignment: &Period,
    visited_on: NaiveDate,
    next_visit_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<RuleViolation> {
    let mut violations = Vec::new();
    if let Err(v) = not_after_today("visited_on", visited_on, today) {
        violations.push(v);
    } else if !assignment.contains(visited_on) {
        violations.push(RuleViolation::new(
            "visited_on",
            "outside_period",
            format!(
                "the assignment runs from {} to {}",
                assignment.starts_on,
                assignment.ends_on.map_or("now".into(), |d| d.to_string())
            ),
        ));
    }
    if let Some(next) = next_visit_on
        && next <= visited_on
    {
        violations.push(RuleViolation::new(
            "next_visit_on",
            "order",
            "must be after visited_on",
        ));
    }
    violations
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

    fn held(organization: u128, slot: i32, active: bool, start: NaiveDate) -> HeldAssignment {
        HeldAssignment {
            id: Uuid::from_u128(1000 + organization),
            instructor_id: Uuid::from_u128(1),
            organization_id: Uuid::from_u128(organization),
            period: period(start, None),
            active,
            slot,
        }
    }

    fn code(result: Result<i32, Refusal>) -> &'static str {
        result.map_or_else(|r| r.code, |_| "ok")
    }

    #[test]
    fn one_person_one_enterprise() {
        let ok = InstructorStanding {
            id: Uuid::from_u128(1),
            active: true,
            full_party_member: true,
        };
        let org = Uuid::from_u128(7);
        let new = period(d(6, 1), None);
        assert_eq!(place_assignment(ok, org, &new, None, &[], 1), Ok(1));
        let inactive = InstructorStanding {
            active: false,
            ..ok
        };
        assert_eq!(
            code(place_assignment(inactive, org, &new, None, &[], 1)),
            "instructor_inactive"
        );
        let not_member = InstructorStanding {
            full_party_member: false,
            ..ok
        };
        assert_eq!(
            code(place_assignment(not_member, org, &new, None, &[], 1)),
            "instructor_not_party_member"
        );
        let holder = held(7, 1, true, d(1, 1));
        assert_eq!(
            code(place_assignment(ok, org, &new, Some(&holder), &[], 1)),
            "organization_has_instructor"
        );
        // An ended assignment to the same organization that overlaps the new period.
        let earlier = held(7, 1, false, d(3, 1));
        assert_eq!(
            code(place_assignment(ok, org, &new, None, &[earlier], 1)),
            "period_overlap"
        );
        // One place, taken elsewhere; with two places the second is free.
        let elsewhere = held(8, 1, true, d(1, 1));
        assert_eq!(
            code(place_assignment(
                ok,
                org,
                &new,
                None,
                std::slice::from_ref(&elsewhere),
                1
            )),
            "instructor_at_capacity"
        );
        assert_eq!(
            place_assignment(ok, org, &new, None, &[elsewhere], 2),
            Ok(2)
        );
    }

    #[test]
    fn an_assignment_ends_after_it_starts() {
        assert!(check_period(&period(d(3, 1), Some(d(3, 1)))).is_ok());
        assert_eq!(
            check_period(&period(d(3, 2), Some(d(3, 1))))
                .unwrap_err()
                .code,
            "order"
        );
    }

    #[test]
    fn visits_fall_within_the_assignment_and_not_after_today() {
        let assignment = period(d(3, 1), Some(d(6, 30)));
        let codes = |visited, next| -> Vec<&'static str> {
            check_visit_dates(&assignment, visited, next, d(5, 10))
                .into_iter()
                .map(|v| v.code)
                .collect()
        };
        assert!(codes(d(3, 1), Some(d(4, 1))).is_empty());
        assert_eq!(codes(d(5, 11), None), ["future_date"]);
        assert_eq!(codes(d(2, 28), None), ["outside_period"]);
        assert_eq!(codes(d(4, 1), Some(d(4, 1))), ["order"]);
    }

    #[test]
    fn only_an_instructor_without_an_active_assignment_is_archived() {
        assert!(can_archive(None).is_ok());
        assert_eq!(
            can_archive(Some(Uuid::from_u128(9))).unwrap_err().code,
            "has_active_assignment"
        );
    }

    #[test]
    fn an_active_assignment_ends_once_between_its_start_and_today() {
        let active = held(7, 1, true, d(3, 1));
        assert!(can_end(&active).is_ok());
        let ended = HeldAssignment {
            active: false,
            period: period(d(3, 1), Some(d(4, 1))),
            ..active.clone()
        };
        let refusal = can_end(&ended).unwrap_err();
        assert_eq!(refusal.code, "already_ended");
        assert!(refusal.detail.ends_with("ended on 2026-04-01."));
        let code =
            |date| check_end_date(&active.period, date, d(5, 10)).map_or_else(|v| v.code, |_| "ok");
        assert_eq!(code(d(3, 1)), "ok");
        assert_eq!(code(d(5, 10)), "ok");
        assert_eq!(code(d(2, 28)), "order");
        assert_eq!(code(d(5, 11)), "future_date");
    }

    #[test]
    fn a_place_taken_concurrently_names_its_holder() {
        let holder = held(7, 1, true, d(1, 1));
        let named = place_taken(Some(&holder));
        assert_eq!(named.code, "one_person_one_enterprise");
        assert!(named.detail.contains(&holder.id.to_string()));
        assert_eq!(
            place_taken(None).detail,
            "Another active assignment holds the place."
        );
    }
}
