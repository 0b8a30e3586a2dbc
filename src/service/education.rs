//! Member education: study records, the hours attended meetings count for, and the yearly report.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use entity::enums::{AttendanceStatus, MeetingKind, MeetingStatus, MemberStatus, Stage};
use entity::member::{self, Entity as Member};
use entity::party_organization::{self, Entity as PartyOrganization};
use entity::study_record::{ActiveModel, Column, Entity as StudyRecord, Model};
use entity::{meeting, meeting_attendance};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::education::{self as rules, StudyKind};
use crate::error::ApiError;

resource::impl_resource!(study_record, archived);

/// What a caller records.
#[derive(Clone, Debug)]
pub struct StudyFields {
    pub studied_on: NaiveDate,
    pub half_hours: i32,
    pub kind: StudyKind,
    pub title: String,
    pub source: Option<String>,
}

/// The instants a calendar year spans in the configured timezone.
pub fn year_span(year: i32, offset: FixedOffset) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |y: i32| {
        let day = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
        offset
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    (start(year), start(year + 1))
}

fn change(
    action: &'static str,
    record: &Model,
    member: &member::Model,
    region: &str,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "study_record",
        resource_id: record.id,
        changed_fields: Vec::new(),
        region_code: Some(region.to_owned()),
        feed: audit::FeedFacts {
            version: Some(record.version),
            party_organization_id: Some(member.party_organization_id),
            left: None,
        },
    }
}

async fn member_in_scope(
    conn: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<member::Model, ApiError> {
    let condition = scope::members(access).add(resource::visibility::<Member>(false));
    resource::get::<Member>(conn, id, condition).await
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    member_id: Uuid,
    fields: StudyFields,
) -> Result<Model, ApiError> {
    let member = member_in_scope(txn, &caller.access, member_id).await?;
    let region = audit::region_of_party_organization(txn, member.party_organization_id).await?;
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        member_id: Set(member_id),
        studied_on: Set(fields.studied_on),
        half_hours: Set(fields.half_hours),
        kind: Set(fields.kind),
        title: Set(fields.title),
        source: Set(fields.source),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
    }
    .insert(txn)
    .await?;
    let mut record = change("create", &created, &member, &region);
    record.changed_fields = audit::set_fields(&created);
    audit::record(txn, &caller.actor, record).await?;
    Ok(created)
}

pub async fn get(
    db: &Db,
    access: &Access,
    member_id: Uuid,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    member_in_scope(&db.read, access, member_id).await?;
    let condition = Condition::all()
        .add(Column::MemberId.eq(member_id))
        .add(resource::visibility::<StudyRecord>(include_archived));
    resource::get::<StudyRecord>(&db.read, id, condition).await
}

/// A record by its id alone, archived too, if the caller reaches its member (the feed).
pub async fn get_by_id(db: &Db, access: &Access, id: Uuid) -> Result<Model, ApiError> {
    let record = resource::get::<StudyRecord>(&db.read, id, Condition::all()).await?;
    get(db, access, record.member_id, id, true).await
}

/// A member's recorded study in a span of days, a page at a time.
pub async fn list(
    db: &Db,
    access: &Access,
    member_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    member_in_scope(&db.read, access, member_id).await?;
    let mut condition = Condition::all().add(Column::MemberId.eq(member_id));
    if let Some(from) = from {
        condition = condition.add(Column::StudiedOn.gte(from));
    }
    if let Some(to) = to {
        condition = condition.add(Column::StudiedOn.lte(to));
    }
    resource::list::<StudyRecord>(&db.read, condition, page).await
}

/// Withdraws a record made in error (archives it; it no longer counts).
pub async fn archive(
    db: &Db,
    caller: &Caller,
    member_id: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let member = member_in_scope(&txn, &caller.access, member_id).await?;
    let condition = Condition::all().add(Column::MemberId.eq(member_id));
    let record = resource::get::<StudyRecord>(&txn, id, condition).await?;
    if let Some(version) = resource::archive::<StudyRecord>(&txn, id, expected_version).await? {
        let region =
            audit::region_of_party_organization(&txn, member.party_organization_id).await?;
        let archived = change("archive", &record, &member, &region).at_version(version);
        audit::record(&txn, &caller.actor, archived).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// A held party lecture or theme party day a member attended, and the half hours it counts for.
#[derive(Clone, Debug)]
pub struct AttendedMeeting {
    pub member_id: Uuid,
    pub meeting_id: Uuid,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub half_hours: i64,
}

fn attendance_meeting() -> RelationDef {
    meeting_attendance::Entity::belongs_to(meeting::Entity)
        .from(meeting_attendance::Column::MeetingId)
        .to(meeting::Column::Id)
        .into()
}

/// A member present at a meeting: member, meeting, kind, title, start and end.
type AttendanceRow = (
    Uuid,
    Uuid,
    MeetingKind,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// The held party lectures and theme party days these members were present at in a span.
pub async fn attended(
    conn: &impl ConnectionTrait,
    member_ids: &[Uuid],
    span: (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<AttendedMeeting>, ApiError> {
    let mut found = Vec::new();
    for chunk in member_ids.chunks(500) {
        let rows: Vec<AttendanceRow> = meeting_attendance::Entity::find()
            .select_only()
            .column(meeting_attendance::Column::MemberId)
            .column(meeting::Column::Id)
            .column(meeting::Column::Kind)
            .column(meeting::Column::Title)
            .column(meeting::Column::StartsAt)
            .column(meeting::Column::EndsAt)
            .join(JoinType::InnerJoin, attendance_meeting())
            .filter(meeting_attendance::Column::MemberId.is_in(chunk.to_vec()))
            .filter(meeting_attendance::Column::Status.eq(AttendanceStatus::Present))
            .filter(meeting::Column::Status.eq(MeetingStatus::Held))
            .filter(
                meeting::Column::Kind
                    .is_in([MeetingKind::PartyLecture, MeetingKind::ThemePartyDay]),
            )
            .filter(meeting::Column::StartsAt.gte(span.0))
            .filter(meeting::Column::StartsAt.lt(span.1))
            .order_by_asc(meeting::Column::StartsAt)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().map(
            |(member_id, meeting_id, kind, title, starts_at, ends_at)| AttendedMeeting {
                member_id,
                meeting_id,
                kind,
                title,
                starts_at,
                half_hours: rules::meeting_half_hours(starts_at, ends_at),
            },
        ));
    }
    Ok(found)
}

/// Each member's study in half hours over a span of days and instants: records plus attended
/// meetings.
pub async fn half_hours_of(
    conn: &impl ConnectionTrait,
    member_ids: &[Uuid],
    days: (NaiveDate, NaiveDate),
    span: (DateTime<Utc>, DateTime<Utc>),
) -> Result<HashMap<Uuid, i64>, ApiError> {
    let mut total: HashMap<Uuid, i64> = HashMap::new();
    for chunk in member_ids.chunks(500) {
        let rows: Vec<(Uuid, i32)> = StudyRecord::find()
            .select_only()
            .column(Column::MemberId)
            .column(Column::HalfHours)
            .filter(Column::MemberId.is_in(chunk.to_vec()))
            .filter(Column::ArchivedAt.is_null())
            .filter(Column::StudiedOn.gte(days.0))
            .filter(Column::StudiedOn.lte(days.1))
            .into_tuple()
            .all(conn)
            .await?;
        for (member, halves) in rows {
            *total.entry(member).or_default() += i64::from(halves);
        }
    }
    for meeting in attended(conn, member_ids, span).await? {
        *total.entry(meeting.member_id).or_default() += meeting.half_hours;
    }
    Ok(total)
}

/// Which of these members lead a live party organization (its secretary, or a seat on its
/// committee), and so must study the leaders' hours.
pub async fn leaders(
    conn: &impl ConnectionTrait,
    member_ids: &[Uuid],
) -> Result<HashSet<Uuid>, ApiError> {
    let mut found = HashSet::new();
    for chunk in member_ids.chunks(500) {
        let rows: Vec<Option<Uuid>> = PartyOrganization::find()
            .select_only()
            .column(party_organization::Column::SecretaryMemberId)
            .filter(party_organization::Column::SecretaryMemberId.is_in(chunk.to_vec()))
            .filter(party_organization::Column::ArchivedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    found.extend(super::party_workers::on_a_committee(conn, member_ids).await?);
    Ok(found)
}

/// A member's hours of a year against what they must study.
#[derive(Clone, Debug)]
pub struct MemberHours {
    pub member: member::Model,
    pub half_hours: i64,
    pub required_hours: f64,
}

impl MemberHours {
    pub fn hours(&self) -> f64 {
        self.half_hours as f64 / 2.0
    }
    pub fn meets(&self) -> bool {
        self.hours() >= self.required_hours
    }
}

/// One party organization of the education report.
pub struct EducationRow {
    pub party_organization: party_organization::Model,
    pub members: Vec<MemberHours>,
}

/// For each live party organization the caller reaches (within `region_prefix`), its active full
/// and probationary members' study hours in `year` against the requirement.
pub async fn report(
    db: &Db,
    access: &Access,
    region_prefix: Option<&str>,
    year: i32,
    offset: FixedOffset,
    requirement: rules::Requirement,
) -> Result<Vec<EducationRow>, ApiError> {
    let mut condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    if let Some(prefix) = region_prefix {
        condition = condition.add(resource::region_condition(
            party_organization::Column::RegionCode,
            prefix,
        ));
    }
    let organizations = PartyOrganization::find()
        .filter(condition)
        .order_by_asc(party_organization::Column::Path)
        .all(&db.read)
        .await?;
    let ids: Vec<Uuid> = organizations.iter().map(|p| p.id).collect();
    let mut members: Vec<member::Model> = Vec::new();
    for chunk in ids.chunks(500) {
        members.extend(
            Member::find()
                .filter(member::Column::PartyOrganizationId.is_in(chunk.to_vec()))
                .filter(member::Column::Status.eq(MemberStatus::Active))
                .filter(member::Column::Stage.is_in([Stage::Full, Stage::Probationary]))
                .filter(member::Column::ArchivedAt.is_null())
                .order_by_asc(member::Column::Id)
                .all(&db.read)
                .await?,
        );
    }
    let member_ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
    let days = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let hours = half_hours_of(&db.read, &member_ids, days, year_span(year, offset)).await?;
    let leaders = leaders(&db.read, &member_ids).await?;
    let mut by_party: HashMap<Uuid, Vec<MemberHours>> = HashMap::new();
    for member in members {
        let counted = MemberHours {
            half_hours: hours.get(&member.id).copied().unwrap_or(0),
            required_hours: requirement.of(leaders.contains(&member.id)),
            member,
        };
        by_party
            .entry(counted.member.party_organization_id)
            .or_default()
            .push(counted);
    }
    Ok(organizations
        .into_iter()
        .map(|party_organization| EducationRow {
            members: by_party.remove(&party_organization.id).unwrap_or_default(),
            party_organization,
        })
        .collect())
}
