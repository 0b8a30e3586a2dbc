//! Queries and transactions for instructors, their trainings, their assignments ("one person,
//! one enterprise") and visit logs. The limits on active assignments are held by the database
//! (partial unique indexes); the instructor's row is locked while an assignment is made, so
//! concurrent requests for one instructor are checked one after the other.
use entity::instructor::{ActiveModel, Column, Entity as Instructor, Model};
use entity::instructor_assignment::{self as assignment, Entity as Assignment};
use entity::instructor_training::{self as training, Entity as Training};
use entity::instructor_visit::{self as visit, Entity as Visit};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::calendar::not_after_today;
use crate::domain::divisions::Divisions;
use crate::domain::instructor::{
    AssignmentStatus, HeldAssignment, InstructorStanding, InstructorStatus, Period, SourceUnitType,
    can_archive, can_end, check_end_date, check_period, check_visit_dates, place_assignment,
    place_taken,
};
use crate::error::ApiError;

resource::impl_resource!(instructor, archived);
resource::impl_resource!(instructor_assignment);
resource::impl_resource!(instructor_visit);

/// Every writable field of an instructor.
#[derive(Clone, Debug)]
pub struct InstructorFields {
    pub name: String,
    pub source_unit_type: SourceUnitType,
    pub source_unit: String,
    pub region_code: String,
    pub phone: Option<String>,
    pub expertise: Option<String>,
    pub status: InstructorStatus,
    pub is_full_party_member: bool,
    pub user_id: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct InstructorFilter {
    pub status: Option<InstructorStatus>,
    pub source_unit_type: Option<SourceUnitType>,
    pub region_prefix: Option<String>,
    pub name_contains: Option<String>,
}

fn apply(model: &mut ActiveModel, f: InstructorFields) {
    model.name = Set(f.name);
    model.source_unit_type = Set(f.source_unit_type);
    model.source_unit = Set(f.source_unit);
    model.region_code = Set(f.region_code);
    model.phone = Set(f.phone);
    model.expertise = Set(f.expertise);
    model.status = Set(f.status);
    model.is_full_party_member = Set(f.is_full_party_member);
    model.user_id = Set(f.user_id);
}

/// The region must be in the table and reached by the caller; the user must exist.
async fn check(
    conn: &impl ConnectionTrait,
    divisions: &Divisions,
    access: &Access,
    fields: &InstructorFields,
) -> Result<(), ApiError> {
    if divisions.region_prefix(&fields.region_code).is_err() {
        return Err(ApiError::invalid(
            "region_code",
            "unknown_region",
            format!(
                "{} is not in the administrative division table",
                fields.region_code
            ),
        ));
    }
    if !access.covers_region(&fields.region_code) {
        return Err(ApiError::invalid(
            "region_code",
            "outside_scope",
            format!(
                "{} is outside the regions your roles reach",
                fields.region_code
            ),
        ));
    }
    if let Some(user) = fields.user_id
        && entity::user::Entity::find_by_id(user)
            .one(conn)
            .await?
            .is_none()
    {
        return Err(ApiError::invalid(
            "user_id",
            "unknown_user",
            format!("{user} is not a user"),
        ));
    }
    Ok(())
}

fn change(action: &'static str, model: &Model, changed_fields: Vec<String>) -> audit::Change {
    audit::Change {
        action,
        resource_type: "instructor",
        resource_id: model.id,
        changed_fields,
        region_code: Some(model.region_code.clone()),
        feed: audit::FeedFacts {
            version: Some(model.version),
            ..Default::default()
        },
    }
}

pub async fn create(
    txn: &DatabaseTransaction,
    divisions: &Divisions,
    caller: &Caller,
    fields: InstructorFields,
) -> Result<Model, ApiError> {
    check(txn, divisions, &caller.access, &fields).await?;
    let now = chrono::Utc::now();
    let mut model = ActiveModel {
        id: Set(Uuid::now_v7()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
        ..Default::default()
    };
    apply(&mut model, fields);
    let created = model.insert(txn).await?;
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, audit::set_fields(&created)),
    )
    .await?;
    Ok(created)
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    let condition =
        scope::instructors(access).add(resource::visibility::<Instructor>(include_archived));
    resource::get::<Instructor>(&db.read, id, condition).await
}

pub async fn update(
    db: &Db,
    divisions: &Divisions,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: InstructorFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<Instructor>(&txn, id, scope::instructors(&caller.access)).await?;
    check(&txn, divisions, &caller.access, &fields).await?;
    let mut changes = <ActiveModel as Default>::default();
    apply(&mut changes, fields);
    let updated =
        resource::update_versioned::<Instructor, _>(&txn, id, expected_version, changes).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(&txn, &caller.actor, change("update", &updated, changed)).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn archive(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let found = resource::get::<Instructor>(&txn, id, scope::instructors(&caller.access)).await?;
    if found.archived_at.is_none() {
        let active = Assignment::find()
            .filter(assignment::Column::InstructorId.eq(id))
            .filter(assignment::Column::Status.eq(AssignmentStatus::Active))
            .one(&txn)
            .await?;
        can_archive(active.map(|a| a.id))?;
    }
    if let Some(version) = resource::archive::<Instructor>(&txn, id, expected_version).await? {
        audit::record(
            &txn,
            &caller.actor,
            change("archive", &found, vec!["archived_at".into()]).at_version(version),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &InstructorFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = scope::instructors(access);
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(kind) = filter.source_unit_type {
        condition = condition.add(Column::SourceUnitType.eq(kind));
    }
    if let Some(prefix) = &filter.region_prefix {
        condition = condition.add(resource::region_condition(Column::RegionCode, prefix));
    }
    if let Some(q) = &filter.name_contains {
        condition = condition.add(resource::contains_literally(Column::Name, q));
    }
    resource::list::<Instructor>(&db.read, condition, page).await
}

/// Class hours of training in `year`.
pub async fn training_hours(db: &Db, id: Uuid, year: i32) -> Result<i64, ApiError> {
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let hours: Vec<i32> = Training::find()
        .select_only()
        .column(training::Column::Hours)
        .filter(training::Column::InstructorId.eq(id))
        .filter(training::Column::HeldOn.between(from, to))
        .into_tuple()
        .all(&db.read)
        .await?;
    Ok(hours.into_iter().map(i64::from).sum())
}

/// A training attended.
pub struct TrainingFields {
    pub title: String,
    pub held_on: chrono::NaiveDate,
    pub hours: i32,
    pub organizer: Option<String>,
}

/// The most trainings one instructor's list returns.
const MAX_TRAININGS: u64 = 500;

pub async fn trainings(
    db: &Db,
    access: &Access,
    id: Uuid,
) -> Result<Vec<training::Model>, ApiError> {
    get(db, access, id, true).await?;
    Ok(Training::find()
        .filter(training::Column::InstructorId.eq(id))
        .order_by_desc(training::Column::HeldOn)
        .order_by_desc(training::Column::Id)
        .limit(MAX_TRAININGS)
        .all(&db.read)
        .await?)
}

pub async fn add_training(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    fields: TrainingFields,
    today: chrono::NaiveDate,
) -> Result<training::Model, ApiError> {
    not_after_today("held_on", fields.held_on, today).map_err(ApiError::from)?;
    let instructor = resource::get::<Instructor>(
        txn,
        id,
        scope::instructors(&caller.access).add(Column::ArchivedAt.is_null()),
    )
    .await?;
    let created = training::ActiveModel {
        id: Set(Uuid::now_v7()),
        instructor_id: Set(id),
        title: Set(fields.title),
        held_on: Set(fields.held_on),
        hours: Set(fields.hours),
        organizer: Set(fields.organizer),
        recorded_by: Set(caller.actor.key.clone()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &caller.actor,
        change("add_training", &instructor, vec!["trainings".into()]),
    )
    .await?;
    Ok(created)
}

/// A new assignment.
#[derive(Clone, Debug)]
pub struct NewAssignment {
    pub instructor_id: Uuid,
    pub organization_id: Uuid,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: Option<chrono::NaiveDate>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AssignmentFilter {
    pub instructor_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub region_prefix: Option<String>,
    pub status: Option<AssignmentStatus>,
    pub active_on: Option<chrono::NaiveDate>,
    /// Active assignments with no visit on or after this day (and begun before it).
    pub no_visit_since: Option<chrono::NaiveDate>,
}

fn assignment_change(
    action: &'static str,
    model: &assignment::Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "instructor_assignment",
        resource_id: model.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(model.version),
            ..Default::default()
        },
    }
}

/// An assignment as the rules see it.
fn held(a: assignment::Model) -> HeldAssignment {
    HeldAssignment {
        id: a.id,
        instructor_id: a.instructor_id,
        organization_id: a.organization_id,
        period: Period {
            starts_on: a.starts_on,
            ends_on: a.ends_on,
        },
        active: a.status == AssignmentStatus::Active,
        slot: a.slot,
    }
}

/// Loads what "one person, one enterprise" is decided on, asks the rule
/// (`domain::instructor::place_assignment`), and inserts the assignment, in `txn`.
async fn insert_assignment(
    txn: &DatabaseTransaction,
    caller: &Caller,
    new: NewAssignment,
    max_per_instructor: u32,
) -> Result<assignment::Model, ApiError> {
    let period = Period {
        starts_on: new.starts_on,
        ends_on: new.ends_on,
    };
    check_period(&period).map_err(ApiError::from)?;
    let organization = entity::organization::Entity::find_by_id(new.organization_id)
        .filter(scope::organizations(&caller.access))
        .filter(entity::organization::Column::ArchivedAt.is_null())
        .one(txn)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "organization_id",
                "unknown_organization",
                format!(
                    "{} is not an organization you can reach",
                    new.organization_id
                ),
            )
        })?;
    let instructor = resource::get::<Instructor>(
        txn,
        new.instructor_id,
        scope::instructors(&caller.access).add(Column::ArchivedAt.is_null()),
    )
    .await
    .map_err(|e| match e {
        ApiError::NotFound => ApiError::invalid(
            "instructor_id",
            "unknown_instructor",
            format!("{} is not an instructor you can reach", new.instructor_id),
        ),
        other => other,
    })?;
    // Lock the instructor's row: concurrent assignments of one instructor queue here.
    Instructor::update_many()
        .col_expr(Column::Version, Expr::col(Column::Version))
        .filter(Column::Id.eq(instructor.id))
        .exec(txn)
        .await?;
    let organization_holder = Assignment::find()
        .filter(assignment::Column::OrganizationId.eq(organization.id))
        .filter(assignment::Column::Status.eq(AssignmentStatus::Active))
        .one(txn)
        .await?
        .map(held);
    let held_by_instructor: Vec<HeldAssignment> = Assignment::find()
        .filter(assignment::Column::InstructorId.eq(instructor.id))
        .all(txn)
        .await?
        .into_iter()
        .map(held)
        .collect();
    let standing = InstructorStanding {
        id: instructor.id,
        active: instructor.status == InstructorStatus::Active,
        full_party_member: instructor.is_full_party_member,
    };
    let slot = place_assignment(
        standing,
        organization.id,
        &period,
        organization_holder.as_ref(),
        &held_by_instructor,
        max_per_instructor,
    )?;
    let now = chrono::Utc::now();
    let created = assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        instructor_id: Set(instructor.id),
        organization_id: Set(organization.id),
        starts_on: Set(new.starts_on),
        ends_on: Set(new.ends_on),
        status: Set(AssignmentStatus::Active),
        slot: Set(slot),
        note: Set(new.note),
        end_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        assignment_change("create", &created, &organization.region_code, set),
    )
    .await?;
    Ok(created)
}

/// When the database refuses an assignment (another request took the place first), names the
/// assignment that holds it.
async fn explain_taken_place(db: &Db, new: &NewAssignment, error: ApiError) -> ApiError {
    let ApiError::Conflict {
        code: "unique_violation",
        ..
    } = error
    else {
        return error;
    };
    let holder = Assignment::find()
        .filter(assignment::Column::Status.eq(AssignmentStatus::Active))
        .filter(
            Condition::any()
                .add(assignment::Column::OrganizationId.eq(new.organization_id))
                .add(assignment::Column::InstructorId.eq(new.instructor_id)),
        )
        .one(&db.read)
        .await;
    place_taken(holder.ok().flatten().map(held).as_ref()).into()
}

pub async fn create_assignment(
    db: &Db,
    txn: &DatabaseTransaction,
    caller: &Caller,
    new: NewAssignment,
    max_per_instructor: u32,
) -> Result<assignment::Model, ApiError> {
    match insert_assignment(txn, caller, new.clone(), max_per_instructor).await {
        Ok(created) => Ok(created),
        Err(error) => Err(explain_taken_place(db, &new, error).await),
    }
}

pub async fn get_assignment(
    db: &Db,
    access: &Access,
    id: Uuid,
) -> Result<assignment::Model, ApiError> {
    resource::get::<Assignment>(&db.read, id, scope::assignments(access)).await
}

async fn region_of_organization(conn: &impl ConnectionTrait, id: Uuid) -> Result<String, ApiError> {
    Ok(entity::organization::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|o| o.region_code)
        .unwrap_or_default())
}

/// Ends an active assignment on `date`, in `txn`.
pub async fn end_in(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    date: chrono::NaiveDate,
    reason: Option<String>,
    today: chrono::NaiveDate,
) -> Result<assignment::Model, ApiError> {
    let current = resource::get::<Assignment>(txn, id, scope::assignments(&caller.access)).await?;
    let standing = held(current.clone());
    can_end(&standing)?;
    check_end_date(&standing.period, date, today).map_err(ApiError::from)?;
    let changes = assignment::ActiveModel {
        status: Set(AssignmentStatus::Ended),
        ends_on: Set(Some(date)),
        end_reason: Set(reason),
        ..Default::default()
    };
    let ended =
        resource::update_versioned::<Assignment, _>(txn, id, current.version, changes).await?;
    let region = region_of_organization(txn, ended.organization_id).await?;
    let changed = audit::changed_fields(&current, &ended);
    audit::record(
        txn,
        &caller.actor,
        assignment_change("end", &ended, &region, changed),
    )
    .await?;
    Ok(ended)
}

pub async fn end_assignment(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    date: chrono::NaiveDate,
    reason: Option<String>,
    today: chrono::NaiveDate,
) -> Result<assignment::Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let ended = end_in(&txn, caller, id, date, reason, today).await?;
    txn.commit().await?;
    Ok(ended)
}

/// A hand-over: the day, why, and who takes over.
pub struct HandOverRequest {
    pub date: chrono::NaiveDate,
    pub reason: Option<String>,
    pub next_instructor: Uuid,
    pub note: Option<String>,
    pub today: chrono::NaiveDate,
    pub max_per_instructor: u32,
}

/// Ends an assignment and starts the next instructor's at the same organization, in one
/// transaction: the organization is never without, nor with two, active assignments.
pub async fn hand_over(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    request: HandOverRequest,
) -> Result<(assignment::Model, assignment::Model), ApiError> {
    let ended = end_in(txn, caller, id, request.date, request.reason, request.today).await?;
    let new = NewAssignment {
        instructor_id: request.next_instructor,
        organization_id: ended.organization_id,
        starts_on: request.date,
        ends_on: None,
        note: request.note,
    };
    let started = insert_assignment(txn, caller, new, request.max_per_instructor).await?;
    Ok((ended, started))
}

pub async fn list_assignments(
    db: &Db,
    access: &Access,
    filter: &AssignmentFilter,
    page: &PageRequest,
) -> Result<Page<assignment::Model>, ApiError> {
    let mut condition = scope::assignments(access);
    if let Some(id) = filter.instructor_id {
        condition = condition.add(assignment::Column::InstructorId.eq(id));
    }
    if let Some(id) = filter.organization_id {
        condition = condition.add(assignment::Column::OrganizationId.eq(id));
    }
    if let Some(prefix) = &filter.region_prefix {
        condition = condition.add(
            assignment::Column::OrganizationId.in_subquery(
                Query::select()
                    .column(entity::organization::Column::Id)
                    .from(entity::organization::Entity)
                    .cond_where(resource::region_condition(
                        entity::organization::Column::RegionCode,
                        prefix,
                    ))
                    .to_owned(),
            ),
        );
    }
    if let Some(status) = filter.status {
        condition = condition.add(assignment::Column::Status.eq(status));
    }
    if let Some(day) = filter.active_on {
        condition = condition.add(assignment::Column::StartsOn.lte(day)).add(
            Condition::any()
                .add(assignment::Column::EndsOn.is_null())
                .add(assignment::Column::EndsOn.gte(day)),
        );
    }
    if let Some(cutoff) = filter.no_visit_since {
        condition = condition
            .add(assignment::Column::Status.eq(AssignmentStatus::Active))
            .add(assignment::Column::StartsOn.lt(cutoff))
            .add(
                assignment::Column::Id.not_in_subquery(
                    Query::select()
                        .column(visit::Column::AssignmentId)
                        .from(Visit)
                        .and_where(visit::Column::VisitedOn.gte(cutoff))
                        .to_owned(),
                ),
            );
    }
    resource::list::<Assignment>(&db.read, condition, page).await
}

/// A visit to record.
pub struct VisitFields {
    pub visited_on: chrono::NaiveDate,
    pub topic: String,
    pub findings: Option<String>,
    pub follow_ups: Option<String>,
    pub next_visit_on: Option<chrono::NaiveDate>,
}

pub async fn list_visits(
    db: &Db,
    access: &Access,
    assignment_id: Uuid,
    page: &PageRequest,
) -> Result<Page<visit::Model>, ApiError> {
    get_assignment(db, access, assignment_id).await?;
    let condition = Condition::all().add(visit::Column::AssignmentId.eq(assignment_id));
    resource::list::<Visit>(&db.read, condition, page).await
}

pub async fn record_visit(
    txn: &DatabaseTransaction,
    caller: &Caller,
    assignment_id: Uuid,
    fields: VisitFields,
    today: chrono::NaiveDate,
) -> Result<visit::Model, ApiError> {
    let held =
        resource::get::<Assignment>(txn, assignment_id, scope::assignments(&caller.access)).await?;
    let period = Period {
        starts_on: held.starts_on,
        ends_on: held.ends_on,
    };
    let violations = check_visit_dates(&period, fields.visited_on, fields.next_visit_on, today);
    if !violations.is_empty() {
        return Err(ApiError::Validation(
            violations.into_iter().map(Into::into).collect(),
        ));
    }
    let now = chrono::Utc::now();
    let created = visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        assignment_id: Set(assignment_id),
        visited_on: Set(fields.visited_on),
        topic: Set(fields.topic),
        findings: Set(fields.findings),
        follow_ups: Set(fields.follow_ups),
        next_visit_on: Set(fields.next_visit_on),
        recorded_by: Set(caller.actor.key.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let region = region_of_organization(txn, held.organization_id).await?;
    audit::record(
        txn,
        &caller.actor,
        audit::Change {
            action: "create",
            resource_type: "instructor_visit",
            resource_id: created.id,
            changed_fields: audit::set_fields(&created),
            region_code: Some(region),
            feed: audit::FeedFacts {
                version: Some(created.version),
                ..Default::default()
            },
        },
    )
    .await?;
    Ok(created)
}
