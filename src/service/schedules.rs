//! Meeting schedules: a recurrence that materializes planned meetings up to a horizon. Each
//! occurrence is one meeting (unique by schedule and day), so materializing again never
//! duplicates; a change moves future planned meetings and leaves held ones alone.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use entity::meeting;
use entity::meeting_schedule::{ActiveModel, Column, Entity as Schedule, Model};
use entity::party_organization;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::meeting::{MeetingKind, MeetingStatus, check_group};
use crate::domain::recurrence;
use crate::domain::schedule::{MadeMeeting, ScheduleAction, follow_schedule};
use crate::error::ApiError;

resource::impl_resource!(meeting_schedule, archived);

#[derive(Clone, Debug)]
pub struct ScheduleFields {
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: String,
    pub recurrence: String,
    pub starts_on: NaiveDate,
    pub time_of_day: NaiveTime,
    pub duration_minutes: i32,
    pub timezone: String,
    pub location: Option<String>,
}

fn check(f: &ScheduleFields) -> Result<(), ApiError> {
    recurrence::check(&f.recurrence, "Asia/Shanghai")
        .map_err(|why| ApiError::invalid("recurrence", "rrule", why))?;
    recurrence::check("FREQ=MONTHLY", &f.timezone).map_err(|_| {
        ApiError::invalid(
            "timezone",
            "unknown_timezone",
            format!("{} is not an IANA timezone", f.timezone),
        )
    })?;
    check_group(f.kind, f.party_group_id.is_some()).map_err(ApiError::from)
}

fn apply(model: &mut ActiveModel, f: &ScheduleFields) {
    model.party_group_id = Set(f.party_group_id);
    model.kind = Set(f.kind);
    model.title = Set(f.title.clone());
    model.recurrence = Set(f.recurrence.clone());
    model.starts_on = Set(f.starts_on);
    model.time_of_day = Set(f.time_of_day.format("%H:%M").to_string());
    model.duration_minutes = Set(f.duration_minutes);
    model.timezone = Set(f.timezone.clone());
    model.location = Set(f.location.clone());
}

/// What materializing did.
#[derive(Clone, Debug, Default)]
pub struct Materialized {
    pub planned: u32,
    pub moved: u32,
    pub cancelled: u32,
    /// Occurrences already past when the schedule was written, with no meeting: not planned.
    pub skipped_past: Vec<NaiveDate>,
}

/// Brings the schedule's future planned meetings in line with its occurrences up to `horizon`.
async fn materialize(
    txn: &DatabaseTransaction,
    schedule: &Model,
    now: DateTime<Utc>,
    horizon: NaiveDate,
) -> Result<Materialized, ApiError> {
    let time = NaiveTime::parse_from_str(&schedule.time_of_day, "%H:%M").unwrap_or(NaiveTime::MIN);
    let occurrences = match schedule.archived_at {
        Some(_) => Vec::new(),
        None => recurrence::expand(
            &schedule.recurrence,
            schedule.starts_on,
            time,
            &schedule.timezone,
            horizon,
        )
        .map_err(|e| ApiError::Internal(format!("schedule {}: {e}", schedule.id)))?,
    };
    let existing: HashMap<Uuid, meeting::Model> = meeting::Entity::find()
        .filter(meeting::Column::ScheduleId.eq(schedule.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let planned = MeetingStatus::Planned;
    let duration = Duration::minutes(i64::from(schedule.duration_minutes));
    let made: Vec<MadeMeeting> = existing
        .values()
        .filter_map(|m| {
            Some(MadeMeeting {
                id: m.id,
                day: m.occurs_on?,
                starts_at: m.starts_at,
                planned: m.status == planned,
                matches_schedule: m.ends_at - m.starts_at == duration
                    && m.title == schedule.title
                    && m.location == schedule.location
                    && m.kind == schedule.kind
                    && m.party_group_id == schedule.party_group_id,
            })
        })
        .collect();
    let fields = |starts_at: DateTime<Utc>| meeting::ActiveModel {
        party_group_id: Set(schedule.party_group_id),
        kind: Set(schedule.kind),
        title: Set(schedule.title.clone()),
        starts_at: Set(starts_at),
        ends_at: Set(starts_at + duration),
        location: Set(schedule.location.clone()),
        ..Default::default()
    };
    let mut done = Materialized {
        skipped_past: occurrences
            .iter()
            .filter(|(day, starts_at)| *starts_at <= now && !made.iter().any(|m| m.day == *day))
            .map(|(day, _)| *day)
            .collect(),
        ..Default::default()
    };
    for action in follow_schedule(&occurrences, &made, now) {
        match action {
            ScheduleAction::Update { meeting, starts_at } => {
                let version = existing[&meeting].version;
                resource::update_versioned::<meeting::Entity, _>(
                    txn,
                    meeting,
                    version,
                    fields(starts_at),
                )
                .await?;
                done.moved += 1;
            }
            ScheduleAction::Plan { day, starts_at } => {
                let mut new = fields(starts_at);
                new.id = Set(Uuid::now_v7());
                new.party_organization_id = Set(schedule.party_organization_id);
                new.status = Set(planned);
                new.attachments = Set("[]".into());
                new.schedule_id = Set(Some(schedule.id));
                new.occurs_on = Set(Some(day));
                new.created_at = Set(Utc::now());
                new.updated_at = Set(Utc::now());
                new.version = Set(1);
                new.insert(txn).await?;
                done.planned += 1;
            }
            ScheduleAction::Cancel { meeting } => {
                let changes = meeting::ActiveModel {
                    status: Set(MeetingStatus::Cancelled),
                    cancel_reason: Set(Some("no longer in its schedule".into())),
                    ..Default::default()
                };
                let version = existing[&meeting].version;
                resource::update_versioned::<meeting::Entity, _>(txn, meeting, version, changes)
                    .await?;
                done.cancelled += 1;
            }
        }
    }
    Ok(done)
}

fn change(
    action: &'static str,
    model: &Model,
    region: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "meeting_schedule",
        resource_id: model.id,
        changed_fields,
        region_code: Some(region.to_owned()),
        feed: audit::FeedFacts {
            version: Some(model.version),
            party_organization_id: Some(model.party_organization_id),
            left: None,
        },
    }
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    fields: ScheduleFields,
    horizon: NaiveDate,
) -> Result<(Model, Materialized), ApiError> {
    check(&fields)?;
    let organization = party_organization::Entity::find_by_id(party_organization_id)
        .filter(scope::party_organizations(&caller.access))
        .filter(party_organization::Column::ArchivedAt.is_null())
        .one(txn)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "party_organization_id",
                "unknown_party_organization",
                format!("{party_organization_id} is not a party organization you can reach"),
            )
        })?;
    if let Some(group) = fields.party_group_id {
        let found = entity::party_group::Entity::find_by_id(group)
            .filter(entity::party_group::Column::PartyOrganizationId.eq(organization.id))
            .filter(entity::party_group::Column::ArchivedAt.is_null())
            .one(txn)
            .await?;
        if found.is_none() {
            return Err(ApiError::invalid(
                "party_group_id",
                "unknown_party_group",
                "not a live group of the party organization",
            ));
        }
    }
    let now = Utc::now();
    let mut model = ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(organization.id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
        ..Default::default()
    };
    apply(&mut model, &fields);
    let created = model.insert(txn).await?;
    let done = materialize(txn, &created, now, horizon).await?;
    audit::record(
        txn,
        &caller.actor,
        change(
            "create",
            &created,
            &organization.region_code,
            audit::set_fields(&created),
        ),
    )
    .await?;
    Ok((created, done))
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    let condition =
        scope::schedules(access).add(resource::visibility::<Schedule>(include_archived));
    resource::get::<Schedule>(&db.read, id, condition).await
}

/// Changes a schedule (or, with `fields` unchanged, materializes it again up to `horizon`).
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: ScheduleFields,
    horizon: NaiveDate,
) -> Result<(Model, Materialized), ApiError> {
    check(&fields)?;
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<Schedule>(&txn, id, scope::schedules(&caller.access)).await?;
    let mut changes = <ActiveModel as Default>::default();
    apply(&mut changes, &fields);
    let updated =
        resource::update_versioned::<Schedule, _>(&txn, id, expected_version, changes).await?;
    let done = materialize(&txn, &updated, Utc::now(), horizon).await?;
    let region = audit::region_of_party_organization(&txn, updated.party_organization_id).await?;
    audit::record(
        &txn,
        &caller.actor,
        change(
            "update",
            &updated,
            &region,
            audit::changed_fields(&before, &updated),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, done))
}

/// Archives a schedule; its future planned meetings are cancelled.
pub async fn archive(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let schedule = resource::get::<Schedule>(&txn, id, scope::schedules(&caller.access)).await?;
    if let Some(version) = resource::archive::<Schedule>(&txn, id, expected_version).await? {
        let archived = resource::get::<Schedule>(&txn, id, Condition::all()).await?;
        materialize(&txn, &archived, Utc::now(), NaiveDate::MIN).await?;
        let region =
            audit::region_of_party_organization(&txn, schedule.party_organization_id).await?;
        audit::record(
            &txn,
            &caller.actor,
            change("archive", &schedule, &region, vec!["archived_at".into()]).at_version(version),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn list(
    db: &Db,
    access: &Access,
    party_organization_id: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = scope::schedules(access);
    if let Some(id) = party_organization_id {
        condition = condition.add(Column::PartyOrganizationId.eq(id));
    }
    resource::list::<Schedule>(&db.read, condition, page).await
}
