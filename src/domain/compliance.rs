//! Compliance with the required rhythm of meetings (《中国共产党支部工作条例（试行）》): for a
//! period (a month, a quarter or a year), each kind's required count, held count and the months,
//! quarters or years in which none was held.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use super::meeting::MeetingKind;

/// How often a kind of meeting is required (《中国共产党支部工作条例（试行）》 art. 19; configurable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    Yearly,
}

impl Frequency {
    /// A frequency as configured in `LIANGXIN_MEETING_FREQUENCIES` (`monthly`, `quarterly`, …).
    pub fn parse(text: &str) -> Option<Frequency> {
        match text {
            "monthly" => Some(Frequency::Monthly),
            "quarterly" => Some(Frequency::Quarterly),
            "yearly" => Some(Frequency::Yearly),
            _ => None,
        }
    }
}

/// The regulation's defaults: general meeting and party lecture once a quarter; committee
/// meeting, group meeting and theme party day once a month; organizational life meeting and
/// democratic review once a year.
pub fn default_frequency(kind: MeetingKind) -> Frequency {
    match kind {
        MeetingKind::GeneralMeeting | MeetingKind::PartyLecture => Frequency::Quarterly,
        MeetingKind::CommitteeMeeting | MeetingKind::GroupMeeting | MeetingKind::ThemePartyDay => {
            Frequency::Monthly
        }
        MeetingKind::OrganizationalLifeMeeting | MeetingKind::DemocraticReview => Frequency::Yearly,
    }
}

/// Every kind of meeting, in the order compliance reports list them (DESIGN §5, meetings).
pub const KINDS: [MeetingKind; 7] = [
    MeetingKind::GeneralMeeting,
    MeetingKind::CommitteeMeeting,
    MeetingKind::GroupMeeting,
    MeetingKind::PartyLecture,
    MeetingKind::ThemePartyDay,
    MeetingKind::OrganizationalLifeMeeting,
    MeetingKind::DemocraticReview,
];

/// A reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

impl Period {
    /// `2026-07`, `2026-Q3` or `2026`.
    pub fn parse(text: &str) -> Option<Period> {
        let year = |y: &str| {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i32>().ok())
                .flatten()
        };
        if let Some((y, q)) = text.split_once("-Q") {
            let q: u32 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
            return Some(Period::Quarter(year(y)?, q));
        }
        if let Some((y, m)) = text.split_once('-') {
            if m.len() != 2 {
                return None;
            }
            let m: u32 = m.parse().ok().filter(|m| (1..=12).contains(m))?;
            return Some(Period::Month(year(y)?, m));
        }
        year(text).map(Period::Year)
    }

    /// The period's first day.
    pub fn first_day(&self) -> NaiveDate {
        let (y, m) = match *self {
            Period::Month(y, m) => (y, m),
            Period::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Period::Year(y) => (y, 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The day after the period.
    pub fn end(&self) -> NaiveDate {
        let months = match self {
            Period::Month(..) => 1,
            Period::Quarter(..) => 3,
            Period::Year(..) => 12,
        };
        super::calendar::add_months(self.first_day(), months)
    }

    /// The units of `frequency` wholly inside the period, by name (`2026-07`, `2026-Q3`, `2026`).
    pub fn units(&self, frequency: Frequency) -> Vec<String> {
        self.unit_spans(frequency)
            .into_iter()
            .map(|(unit, _, _)| unit)
            .collect()
    }

    /// [`Period::units`] with each unit's first day and the day after its last.
    pub fn unit_spans(&self, frequency: Frequency) -> Vec<(String, NaiveDate, NaiveDate)> {
        let (start, end) = (self.first_day(), self.end());
        let mut units: Vec<(String, NaiveDate, NaiveDate)> = Vec::new();
        let mut day = start;
        while day < end {
            let unit = unit_of(day, frequency);
            let first = unit_start(day, frequency);
            let unit_end = super::calendar::add_months(first, step(frequency));
            if first >= start && unit_end <= end && units.last().map(|u| &u.0) != Some(&unit) {
                units.push((unit, first, unit_end));
            }
            day = unit_end;
        }
        units
    }
}

fn step(frequency: Frequency) -> u32 {
    match frequency {
        Frequency::Monthly => 1,
        Frequency::Quarterly => 3,
        Frequency::Yearly => 12,
    }
}

fn unit_start(day: NaiveDate, frequency: Frequency) -> NaiveDate {
    let month = match frequency {
        Frequency::Monthly => day.month(),
        Frequency::Quarterly => (day.month() - 1) / 3 * 3 + 1,
        Frequency::Yearly => 1,
    };
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// The unit a day falls in.
pub fn unit_of(day: NaiveDate, frequency: Frequency) -> String {
    match frequency {
        Frequency::Monthly => format!("{}-{:02}", day.year(), day.month()),
        Frequency::Quarterly => format!("{}-Q{}", day.year(), (day.month() - 1) / 3 + 1),
        Frequency::Yearly => day.year().to_string(),
    }
}

/// Where a required unit (a month, quarter or year) stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    /// A meeting of the kind was held in it.
    Met,
    /// It is over and none was held.
    Missed,
    /// It is running and none has been held yet.
    Due,
    /// It has not begun.
    Upcoming,
}

/// A required unit and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitCompliance {
    /// `2026-07`, `2026-Q3` or `2026`; prefixed by the group id (`<id>:2026-07`) for group
    /// meetings.
    pub unit: String,
    pub status: UnitStatus,
}

/// A unit is missed only once it is over: one still running is `due`, one not begun `upcoming`
/// (《中国共产党支部工作条例（试行）》 art. 19 sets the rhythm per month, quarter or year).
pub fn unit_status(held: bool, first: NaiveDate, end: NaiveDate, today: NaiveDate) -> UnitStatus {
    match () {
        _ if held => UnitStatus::Met,
        _ if end <= today => UnitStatus::Missed,
        _ if first <= today => UnitStatus::Due,
        _ => UnitStatus::Upcoming,
    }
}

/// One kind's record over the period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct KindCompliance {
    pub kind: MeetingKind,
    pub frequency: Frequency,
    /// Meetings required in the period (per party group, for group meetings).
    pub required: u32,
    /// Held meetings in the period.
    pub held: u32,
    /// Units that are over with none held (`2026-07`, `2026-Q3`, `2026`; prefixed by the group id
    /// for group meetings). A unit still running or not begun is not missing: see `units`.
    pub missing: Vec<String>,
    /// Every required unit and where it stands today (`met`, `missed`, `due`, `upcoming`).
    pub units: Vec<UnitCompliance>,
    /// Planned meetings of the period whose time has passed without being held or cancelled.
    pub overdue_planned: u32,
}

/// What a party organization must hold: which kinds apply and to how many groups.
pub struct Obligations<'a> {
    pub frequencies: &'a BTreeMap<MeetingKind, Frequency>,
    /// Whether the organization has a committee (committee meetings are then required).
    pub has_committee: bool,
    /// Its party groups (each holds group meetings).
    pub groups: &'a [uuid::Uuid],
}

/// A meeting as compliance counts it.
pub struct MeetingFact {
    pub kind: MeetingKind,
    pub party_group_id: Option<uuid::Uuid>,
    pub on: NaiveDate,
    pub held: bool,
    pub overdue: bool,
}

/// The share of required units satisfied; `None` when nothing is required.
pub fn rate(satisfied: u32, due: u32) -> Option<f64> {
    (due > 0).then(|| (f64::from(satisfied) / f64::from(due) * 10_000.0).round() / 10_000.0)
}

/// Each kind's compliance over `period` as it stands on `today`, with the required units that are
/// over: how many were met (satisfied) and how many there are (due). Rates count only those.
pub fn assess(
    period: Period,
    obligations: &Obligations,
    meetings: &[MeetingFact],
    today: NaiveDate,
) -> (Vec<KindCompliance>, u32, u32) {
    let mut kinds = Vec::new();
    let (mut satisfied, mut due) = (0u32, 0u32);
    for kind in KINDS {
        let frequency = obligations
            .frequencies
            .get(&kind)
            .copied()
            .unwrap_or(default_frequency(kind));
        let units = period.unit_spans(frequency);
        let holders: Vec<Option<uuid::Uuid>> = match kind {
            MeetingKind::GroupMeeting => obligations.groups.iter().copied().map(Some).collect(),
            MeetingKind::CommitteeMeeting if !obligations.has_committee => Vec::new(),
            _ => vec![None],
        };
        let of_kind: Vec<&MeetingFact> = meetings.iter().filter(|m| m.kind == kind).collect();
        let held_units: BTreeSet<(Option<uuid::Uuid>, String)> = of_kind
            .iter()
            .filter(|m| m.held)
            .map(|m| {
                let holder = if kind == MeetingKind::GroupMeeting {
                    m.party_group_id
                } else {
                    None
                };
                (holder, unit_of(m.on, frequency))
            })
            .collect();
        let mut missing = Vec::new();
        let mut statuses = Vec::new();
        for holder in &holders {
            for (unit, first, end) in &units {
                let held = held_units.contains(&(*holder, unit.clone()));
                let status = unit_status(held, *first, *end, today);
                if *end <= today {
                    due += 1;
                    satisfied += u32::from(held);
                }
                let name = match holder {
                    Some(group) => format!("{group}:{unit}"),
                    None => unit.clone(),
                };
                if status == UnitStatus::Missed {
                    missing.push(name.clone());
                }
                statuses.push(UnitCompliance { unit: name, status });
            }
        }
        kinds.push(KindCompliance {
            kind,
            frequency,
            required: (units.len() * holders.len()) as u32,
            held: of_kind.iter().filter(|m| m.held).count() as u32,
            missing,
            units: statuses,
            overdue_planned: of_kind.iter().filter(|m| m.overdue).count() as u32,
        });
    }
    (kinds, satisfied, due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_and_split_into_units() {
        assert_eq!(Period::parse("2026-Q3"), Some(Period::Quarter(2026, 3)));
        assert_eq!(Period::parse("2026-07"), Some(Period::Month(2026, 7)));
        assert_eq!(Period::parse("2026"), Some(Period::Year(2026)));
        for bad in ["2026-Q5", "2026-13", "2026-7", "26", "2026-Q", ""] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let q3 = Period::Quarter(2026, 3);
        assert_eq!(
            q3.units(Frequency::Monthly),
            ["2026-07", "2026-08", "2026-09"]
        );
        assert_eq!(q3.units(Frequency::Quarterly), ["2026-Q3"]);
        assert!(q3.units(Frequency::Yearly).is_empty());
        assert_eq!(Period::Year(2026).units(Frequency::Quarterly).len(), 4);
        assert!(
            Period::Month(2026, 7)
                .units(Frequency::Quarterly)
                .is_empty()
        );
        assert_eq!(q3.end(), d(2026, 10, 1));
    }

    #[test]
    fn a_quarter_with_two_committee_meetings_misses_a_month() {
        let frequencies = BTreeMap::new();
        let group = uuid::Uuid::nil();
        let obligations = Obligations {
            frequencies: &frequencies,
            has_committee: true,
            groups: &[group],
        };
        let fact = |kind, on, held| MeetingFact {
            kind,
            party_group_id: (kind == MeetingKind::GroupMeeting).then_some(group),
            on,
            held,
            overdue: !held,
        };
        let meetings = [
            fact(MeetingKind::CommitteeMeeting, d(2026, 7, 3), true),
            fact(MeetingKind::CommitteeMeeting, d(2026, 9, 3), true),
            fact(MeetingKind::GeneralMeeting, d(2026, 8, 3), true),
            fact(MeetingKind::PartyLecture, d(2026, 8, 20), false),
        ];
        let (kinds, satisfied, due) = assess(
            Period::Quarter(2026, 3),
            &obligations,
            &meetings,
            d(2026, 10, 1),
        );
        let committee = kinds
            .iter()
            .find(|k| k.kind == MeetingKind::CommitteeMeeting)
            .unwrap();
        assert_eq!(
            (
                committee.required,
                committee.held,
                committee.missing.clone()
            ),
            (3, 2, vec!["2026-08".to_owned()])
        );
        let lecture = kinds
            .iter()
            .find(|k| k.kind == MeetingKind::PartyLecture)
            .unwrap();
        assert_eq!(
            (lecture.required, lecture.held, lecture.overdue_planned),
            (1, 0, 1)
        );
        let group_meeting = kinds
            .iter()
            .find(|k| k.kind == MeetingKind::GroupMeeting)
            .unwrap();
        assert_eq!(group_meeting.missing.len(), 3);
        // Required: committee 3, group 3, general 1, lecture 1, theme days 3 = 11; satisfied 3.
        assert_eq!((satisfied, due), (3, 11));
        assert_eq!(rate(satisfied, due), Some(0.2727));
    }

    #[test]
    fn a_running_period_is_due_or_upcoming_not_missed() {
        let frequencies = BTreeMap::new();
        let obligations = Obligations {
            frequencies: &frequencies,
            has_committee: true,
            groups: &[],
        };
        let held = [MeetingFact {
            kind: MeetingKind::CommitteeMeeting,
            party_group_id: None,
            on: d(2026, 8, 5),
            held: true,
            overdue: false,
        }];
        // On 20 August: July missed, August met (running), September upcoming; the quarter's
        // general meeting is due. Only July is over: the rate is 0 of 1 committee unit plus
        // July's theme party day.
        let (kinds, satisfied, due) = assess(
            Period::Quarter(2026, 3),
            &obligations,
            &held,
            d(2026, 8, 20),
        );
        let committee = kinds
            .iter()
            .find(|k| k.kind == MeetingKind::CommitteeMeeting)
            .unwrap();
        let statuses: Vec<UnitStatus> = committee.units.iter().map(|u| u.status).collect();
        assert_eq!(
            statuses,
            [UnitStatus::Missed, UnitStatus::Met, UnitStatus::Upcoming]
        );
        assert_eq!(committee.missing, ["2026-07"]);
        let general = kinds
            .iter()
            .find(|k| k.kind == MeetingKind::GeneralMeeting)
            .unwrap();
        assert_eq!(general.units[0].status, UnitStatus::Due);
        assert!(general.missing.is_empty());
        assert_eq!((satisfied, due), (0, 2));
        // A future period: nothing is due, so no rate at all.
        let (kinds, _, due) = assess(Period::Year(2027), &obligations, &[], d(2026, 8, 20));
        assert_eq!(due, 0);
        assert_eq!(rate(0, due), None);
        assert!(
            kinds.iter().all(|k| k.missing.is_empty()
                && k.units.iter().all(|u| u.status == UnitStatus::Upcoming))
        );
    }
}
