//! Compliance of party organizations with the required rhythm of meetings, for one organization
//! or every one in a region: one query for the organizations, one for their groups, one for the
//! period's meetings (and, for one organization, its attendance), whatever their number.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entity::meeting::{self, Entity as Meeting};
use entity::meeting_attendance::{self as attendance, Entity as Attendance};
use entity::party_group;
use entity::party_organization::{self, Entity as PartyOrganization};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{resource, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::compliance::{
    Frequency, KindCompliance, MeetingFact, Obligations, Period, assess,
};
use crate::domain::meeting::{AttendanceStatus, MeetingKind, MeetingStatus};
use crate::error::ApiError;

/// What the rules need to know about the period.
pub struct Rules<'a> {
    pub period: Period,
    pub frequencies: &'a BTreeMap<MeetingKind, Frequency>,
    pub offset: FixedOffset,
    pub now: DateTime<Utc>,
}

impl Rules<'_> {
    fn instant(&self, day: NaiveDate) -> DateTime<Utc> {
        day.and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_local_timezone(self.offset)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }
}

/// One organization's compliance.
pub struct OrganizationCompliance {
    pub organization: party_organization::Model,
    pub kinds: Vec<KindCompliance>,
    /// Required units that are over with a meeting held.
    pub satisfied: u32,
    /// Required units that are over.
    pub due: u32,
}

impl OrganizationCompliance {
    /// Required units that are over with none held.
    pub fn missed(&self) -> usize {
        self.kinds.iter().map(|k| k.missing.len()).sum()
    }
}

/// The period's non-cancelled meetings of these organizations.
async fn meetings_of(
    db: &Db,
    organizations: Condition,
    rules: &Rules<'_>,
) -> Result<Vec<meeting::Model>, ApiError> {
    Ok(Meeting::find()
        .filter(organizations)
        .filter(meeting::Column::StartsAt.gte(rules.instant(rules.period.first_day())))
        .filter(meeting::Column::StartsAt.lt(rules.instant(rules.period.end())))
        .filter(meeting::Column::Status.ne(MeetingStatus::Cancelled))
        .order_by_asc(meeting::Column::StartsAt)
        .all(&db.read)
        .await?)
}

fn fact(m: &meeting::Model, rules: &Rules<'_>) -> MeetingFact {
    let held = m.status == MeetingStatus::Held;
    MeetingFact {
        kind: m.kind,
        party_group_id: m.party_group_id,
        on: m.starts_at.with_timezone(&rules.offset).date_naive(),
        held,
        overdue: !held && m.starts_at < rules.now,
    }
}

/// Assesses each organization from the rows loaded for all of them.
async fn assess_all(
    db: &Db,
    organizations: Vec<party_organization::Model>,
    rules: &Rules<'_>,
) -> Result<Vec<OrganizationCompliance>, ApiError> {
    let ids: Vec<Uuid> = organizations.iter().map(|o| o.id).collect();
    let committees = super::party_workers::committees(&db.read, &ids).await?;
    let mut groups: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for group in party_group::Entity::find()
        .filter(party_group::Column::PartyOrganizationId.is_in(ids.clone()))
        .filter(party_group::Column::ArchivedAt.is_null())
        .all(&db.read)
        .await?
    {
        groups
            .entry(group.party_organization_id)
            .or_default()
            .push(group.id);
    }
    let mut meetings: HashMap<Uuid, Vec<MeetingFact>> = HashMap::new();
    let condition = Condition::all().add(meeting::Column::PartyOrganizationId.is_in(ids));
    for m in meetings_of(db, condition, rules).await? {
        meetings
            .entry(m.party_organization_id)
            .or_default()
            .push(fact(&m, rules));
    }
    Ok(organizations
        .into_iter()
        .map(|organization| {
            let obligations = Obligations {
                frequencies: rules.frequencies,
                has_committee: crate::domain::party_worker::has_committee(
                    committees.get(&organization.id).map_or(0, Vec::len),
                ),
                groups: groups.get(&organization.id).map_or(&[], Vec::as_slice),
            };
            let facts = meetings.remove(&organization.id).unwrap_or_default();
            let today = rules.now.with_timezone(&rules.offset).date_naive();
            let (kinds, satisfied, due) = assess(rules.period, &obligations, &facts, today);
            OrganizationCompliance {
                organization,
                kinds,
                satisfied,
                due,
            }
        })
        .collect())
}

/// Members flagged by their attendance.
pub struct AttendanceFindings {
    /// Present ÷ expected over the period's held meetings.
    pub attendance_rate: Option<f64>,
    /// Members absent without excuse from this many consecutive held meetings (3 or more).
    pub repeatedly_absent: Vec<(Uuid, u32)>,
    /// Expected members present at no held meeting in the six months before the period ended.
    pub no_organizational_life: Vec<Uuid>,
}

pub async fn organization(
    db: &Db,
    access: &Access,
    id: Uuid,
    rules: &Rules<'_>,
) -> Result<(OrganizationCompliance, AttendanceFindings), ApiError> {
    let condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    let organization = resource::get::<PartyOrganization>(&db.read, id, condition).await?;
    let compliance = assess_all(db, vec![organization.clone()], rules)
        .await?
        .remove(0);
    let findings = attendance_findings(db, &organization, rules).await?;
    Ok((compliance, findings))
}

async fn attendance_findings(
    db: &Db,
    organization: &party_organization::Model,
    rules: &Rules<'_>,
) -> Result<AttendanceFindings, ApiError> {
    let lookback_start = rules
        .period
        .end()
        .checked_sub_months(chrono::Months::new(6))
        .unwrap_or(NaiveDate::MIN);
    let from = rules.instant(lookback_start.min(rules.period.first_day()));
    let meetings = Meeting::find()
        .filter(meeting::Column::PartyOrganizationId.eq(organization.id))
        .filter(meeting::Column::Status.eq(MeetingStatus::Held))
        .filter(meeting::Column::StartsAt.gte(from))
        .filter(meeting::Column::StartsAt.lt(rules.instant(rules.period.end())))
        .order_by_asc(meeting::Column::StartsAt)
        .all(&db.read)
        .await?;
    let ids: Vec<Uuid> = meetings.iter().map(|m| m.id).collect();
    let rows = Attendance::find()
        .filter(attendance::Column::MeetingId.is_in(ids))
        .all(&db.read)
        .await?;
    let mut by_meeting: HashMap<Uuid, Vec<&attendance::Model>> = HashMap::new();
    for row in &rows {
        by_meeting.entry(row.meeting_id).or_default().push(row);
    }
    let period_start = rules.instant(rules.period.first_day());
    let lookback = rules.instant(lookback_start);
    let (present, absent) = (AttendanceStatus::Present, AttendanceStatus::Absent);
    let (mut expected, mut came) = (0u32, 0u32);
    let mut streak: BTreeMap<Uuid, (u32, u32)> = BTreeMap::new();
    let mut seen_recently: BTreeMap<Uuid, bool> = BTreeMap::new();
    for m in &meetings {
        for row in by_meeting.get(&m.id).into_iter().flatten() {
            if m.starts_at >= period_start {
                expected += 1;
                if row.status == present {
                    came += 1;
                }
                let (current, longest) = streak.entry(row.member_id).or_default();
                if row.status == absent {
                    *current += 1;
                    *longest = (*longest).max(*current);
                } else if row.status == present {
                    *current = 0;
                }
            }
            if m.starts_at >= lookback {
                *seen_recently.entry(row.member_id).or_default() |= row.status == present;
            }
        }
    }
    let current_members = super::meetings::expected_members_of(&db.read, organization.id).await?;

    Ok(AttendanceFindings {
        attendance_rate: crate::domain::compliance::rate(came, expected),
        repeatedly_absent: streak
            .into_iter()
            .filter(|(_, (_, longest))| *longest >= 3)
            .map(|(member, (_, longest))| (member, longest))
            .collect(),
        no_organizational_life: current_members
            .into_iter()
            .filter(|(_, since)| *since <= lookback_start)
            .map(|(member, _)| member)
            .filter(|member| !seen_recently.get(member).copied().unwrap_or(false))
            .collect(),
    })
}

/// Every live party organization within the caller's reach and `region_prefix`, worst first.
pub async fn region(
    db: &Db,
    access: &Access,
    region_prefix: Option<&str>,
    rules: &Rules<'_>,
) -> Result<Vec<OrganizationCompliance>, ApiError> {
    let mut condition =
        scope::party_organizations(access).add(party_organization::Column::ArchivedAt.is_null());
    if let Some(prefix) = region_prefix {
        condition = condition.add(resource::region_condition(
            party_organization::Column::RegionCode,
            prefix,
        ));
    }
    let organizations = PartyOrganization::find()
        .filter(condition)
        .order_by_asc(party_organization::Column::Id)
        .all(&db.read)
        .await?;
    let mut assessed = assess_all(db, organizations, rules).await?;
    // Most missed units first, then the lowest rate.
    assessed.sort_by(|a, b| {
        let rate = |c: &OrganizationCompliance| {
            crate::domain::compliance::rate(c.satisfied, c.due).unwrap_or(2.0)
        };
        b.missed()
            .cmp(&a.missed())
            .then(rate(a).total_cmp(&rate(b)))
            .then(a.organization.id.cmp(&b.organization.id))
    });
    Ok(assessed)
}
