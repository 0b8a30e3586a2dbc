//! Party workers (党务工作者) and the branch committee they form. The party organization's
//! `secretary_member_id` is the current secretary's member: appointing or ending a secretary here
//! sets it, and setting it on the party organization appoints (and ends) here, in one
//! transaction. Partial unique indexes keep one current secretary per party organization and one
//! current position per member in it.
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::enums::{MemberStatus, Stage};
use entity::member::{self, Entity as Member};
use entity::party_organization::{self, Entity as PartyOrganization};
use entity::party_worker::{ActiveModel, Column, Entity as PartyWorker, Model};
use entity::party_worker_training::{self as training, Entity as Training};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::party_worker::{
    self as rules, Employment, GivenBy, PartyWorkerPosition, Portfolio,
};
use crate::error::ApiError;

resource::impl_resource!(party_worker);

/// An appointment.
#[derive(Clone, Debug)]
pub struct Appointment {
    pub party_organization_id: Uuid,
    pub member_id: Uuid,
    pub position: PartyWorkerPosition,
    pub portfolio: Option<Portfolio>,
    pub employment: Employment,
    pub appointed_on: NaiveDate,
}

#[derive(Clone, Debug, Default)]
pub struct WorkerFilter {
    pub party_organization_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub position: Option<PartyWorkerPosition>,
    /// Only those serving now (`true`) or only those whose position ended (`false`).
    pub current: Option<bool>,
}

fn change(
    action: &'static str,
    worker: &Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "party_worker",
        resource_id: worker.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(worker.version),
            party_organization_id: Some(worker.party_organization_id),
            left: None,
        },
    }
}

/// Workers of the party organizations `access` reaches.
fn within(access: &Access) -> Condition {
    Condition::all().add(
        Column::PartyOrganizationId
            .in_subquery(scope::party_ids(scope::party_organizations(access))),
    )
}

/// Sets (or clears) the party organization's `secretary_member_id` to follow its secretary, with
/// the party organization's own update event.
async fn follow_secretary(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    secretary: Option<Uuid>,
) -> Result<(), ApiError> {
    PartyOrganization::update_many()
        .col_expr(
            party_organization::Column::SecretaryMemberId,
            Expr::value(secretary),
        )
        .col_expr(
            party_organization::Column::Version,
            Expr::col(party_organization::Column::Version).add(1),
        )
        .col_expr(
            party_organization::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(party_organization::Column::Id.eq(party_organization_id))
        .exec(txn)
        .await?;
    let updated =
        resource::get::<PartyOrganization>(txn, party_organization_id, Condition::all()).await?;
    let record =
        super::party_organizations::change("update", &updated, vec!["secretary_member_id".into()]);
    audit::record(txn, &caller.actor, record).await
}

/// Appoints a member: an active full member held by the party organization. A second current
/// secretary, or a second current position of the same member there, is a 409.
pub async fn appoint(
    txn: &DatabaseTransaction,
    caller: &Caller,
    appointment: Appointment,
    follow: bool,
) -> Result<Model, ApiError> {
    let party = super::party_organizations::live_in_scope(
        txn,
        &caller.access,
        appointment.party_organization_id,
    )
    .await
    .map_err(|e| match e {
        ApiError::NotFound => ApiError::invalid(
            "party_organization_id",
            "unknown_party_organization",
            format!(
                "{} is not a party organization you can reach",
                appointment.party_organization_id
            ),
        ),
        other => other,
    })?;
    let member = Member::find_by_id(appointment.member_id)
        .filter(member::Column::ArchivedAt.is_null())
        .one(txn)
        .await?;
    let eligible = member.as_ref().is_some_and(|m| {
        m.party_organization_id == party.id
            && m.status == MemberStatus::Active
            && m.stage == Stage::Full
    });
    if !eligible {
        return Err(ApiError::conflict(
            "not_full_member",
            "A party worker is an active full member whose relation this party organization holds.",
        ));
    }
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(appointment.party_organization_id),
        member_id: Set(appointment.member_id),
        position: Set(appointment.position),
        portfolio: Set(appointment.portfolio),
        employment: Set(appointment.employment),
        appointed_on: Set(appointment.appointed_on),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        // The index names (PostgreSQL) or columns (SQLite) tell which: one current position
        // per member, or one current secretary.
        Some(SqlErr::UniqueConstraintViolation(detail)) if detail.contains("member") => {
            ApiError::conflict(
                "already_serving",
                "This member already holds a current position in this party organization.",
            )
        }
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict(
            "secretary_taken",
            "The party organization has a current secretary; end that appointment first.",
        ),
        _ => e.into(),
    })?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, &party.region_code, set),
    )
    .await?;
    if follow && created.position == PartyWorkerPosition::Secretary {
        follow_secretary(txn, caller, party.id, Some(created.member_id)).await?;
    }
    Ok(created)
}

/// Ends an appointment on `ended_on`; ending the secretary clears the party organization's
/// `secretary_member_id` (unless `follow` is false: the party organization is changing it).
pub async fn end(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    ended_on: NaiveDate,
    follow: bool,
) -> Result<Model, ApiError> {
    let current = resource::get::<PartyWorker>(txn, id, within(&caller.access)).await?;
    let party = super::party_organizations::live_in_scope(
        txn,
        &caller.access,
        current.party_organization_id,
    )
    .await?;
    if current.ended_on.is_some() {
        return Err(ApiError::conflict(
            "already_ended",
            "This appointment has ended already.",
        ));
    }
    if let Some(violation) = rules::check_end(current.appointed_on, ended_on) {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            violation.field,
            violation.code,
            violation.message,
        )]));
    }
    let changes = ActiveModel {
        ended_on: Set(Some(ended_on)),
        ..Default::default()
    };
    let ended =
        resource::update_versioned::<PartyWorker, _>(txn, id, current.version, changes).await?;
    let record = change("end", &ended, &party.region_code, vec!["ended_on".into()]);
    audit::record(txn, &caller.actor, record).await?;
    if follow && ended.position == PartyWorkerPosition::Secretary {
        follow_secretary(txn, caller, party.id, None).await?;
    }
    Ok(ended)
}

/// The party organization's `secretary_member_id` changed to `secretary`: the current secretary's
/// appointment ends today, and the new one (ending what other position they held there) begins.
pub async fn replace_secretary(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    secretary: Option<Uuid>,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let serving = PartyWorker::find()
        .filter(Column::PartyOrganizationId.eq(party_organization_id))
        .filter(Column::EndedOn.is_null())
        .filter(
            Condition::any()
                .add(Column::Position.eq(PartyWorkerPosition::Secretary))
                .add(Column::MemberId.eq(secretary.unwrap_or_default())),
        )
        .all(txn)
        .await?;
    for worker in serving {
        let ended_on = Ord::max(today, worker.appointed_on);
        end(txn, caller, worker.id, ended_on, false).await?;
    }
    if let Some(member_id) = secretary {
        let appointment = Appointment {
            party_organization_id,
            member_id,
            position: PartyWorkerPosition::Secretary,
            portfolio: None,
            employment: Employment::PartTime,
            appointed_on: today,
        };
        appoint(txn, caller, appointment, false).await?;
    }
    Ok(())
}

/// Corrects an appointment's portfolio, employment or start (a new position is a new
/// appointment).
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    portfolio: Option<Portfolio>,
    employment: Employment,
    appointed_on: NaiveDate,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<PartyWorker>(&txn, id, within(&caller.access)).await?;
    let party = super::party_organizations::live_in_scope(
        &txn,
        &caller.access,
        before.party_organization_id,
    )
    .await?;
    let mut violations: Vec<_> = rules::check_portfolio(before.position, portfolio)
        .into_iter()
        .collect();
    if let Some(ended_on) = before.ended_on {
        violations.extend(rules::check_end(appointed_on, ended_on));
    }
    if !violations.is_empty() {
        return Err(ApiError::Validation(
            violations
                .into_iter()
                .map(|v| crate::error::FieldError::new(v.field, v.code, v.message))
                .collect(),
        ));
    }
    let changes = ActiveModel {
        portfolio: Set(portfolio),
        employment: Set(employment),
        appointed_on: Set(appointed_on),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<PartyWorker, _>(&txn, id, expected_version, changes).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        change("update", &updated, &party.region_code, changed),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn get(db: &Db, access: &Access, id: Uuid) -> Result<Model, ApiError> {
    resource::get::<PartyWorker>(&db.read, id, within(access)).await
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &WorkerFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = within(access);
    if let Some(id) = filter.party_organization_id {
        condition = condition.add(Column::PartyOrganizationId.eq(id));
    }
    if let Some(id) = filter.member_id {
        condition = condition.add(Column::MemberId.eq(id));
    }
    if let Some(position) = filter.position {
        condition = condition.add(Column::Position.eq(position));
    }
    match filter.current {
        Some(true) => condition = condition.add(Column::EndedOn.is_null()),
        Some(false) => condition = condition.add(Column::EndedOn.is_not_null()),
        None => {}
    }
    resource::list::<PartyWorker>(&db.read, condition, page).await
}

/// The current committee seats of these party organizations.
pub async fn committees(
    conn: &impl ConnectionTrait,
    party_organization_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Model>>, ApiError> {
    let mut seats: HashMap<Uuid, Vec<Model>> = HashMap::new();
    for chunk in party_organization_ids.chunks(500) {
        let rows = PartyWorker::find()
            .filter(Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .filter(Column::EndedOn.is_null())
            .filter(Column::Position.is_in([
                PartyWorkerPosition::Secretary,
                PartyWorkerPosition::DeputySecretary,
                PartyWorkerPosition::CommitteeMember,
            ]))
            .order_by_asc(Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            seats
                .entry(row.party_organization_id)
                .or_default()
                .push(row);
        }
    }
    for list in seats.values_mut() {
        list.sort_by_key(|w| match w.position {
            PartyWorkerPosition::Secretary => 0,
            PartyWorkerPosition::DeputySecretary => 1,
            _ => 2,
        });
    }
    Ok(seats)
}

/// Of these members, those on a current committee (who must study the leaders' hours).
pub async fn on_a_committee(
    conn: &impl ConnectionTrait,
    member_ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let mut found = Vec::new();
    for chunk in member_ids.chunks(500) {
        let rows = PartyWorker::find()
            .filter(Column::MemberId.is_in(chunk.to_vec()))
            .filter(Column::EndedOn.is_null())
            .filter(Column::Position.is_in([
                PartyWorkerPosition::Secretary,
                PartyWorkerPosition::DeputySecretary,
                PartyWorkerPosition::CommitteeMember,
            ]))
            .all(conn)
            .await?;
        found.extend(rows.into_iter().map(|w| w.member_id));
    }
    Ok(found)
}

/// A training to record.
#[derive(Clone, Debug)]
pub struct TrainingFields {
    pub held_on: NaiveDate,
    pub hours: i32,
    pub title: String,
    pub given_by: GivenBy,
}

pub async fn add_training(
    txn: &DatabaseTransaction,
    caller: &Caller,
    worker_id: Uuid,
    fields: TrainingFields,
) -> Result<training::Model, ApiError> {
    let worker = resource::get::<PartyWorker>(txn, worker_id, within(&caller.access)).await?;
    let party = super::party_organizations::live_in_scope(
        txn,
        &caller.access,
        worker.party_organization_id,
    )
    .await?;
    let created = training::ActiveModel {
        id: Set(Uuid::now_v7()),
        party_worker_id: Set(worker_id),
        held_on: Set(fields.held_on),
        hours: Set(fields.hours),
        title: Set(fields.title),
        given_by: Set(fields.given_by),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    let mut record = change(
        "add_training",
        &worker,
        &party.region_code,
        vec!["trainings".into()],
    );
    record.feed.version = Some(worker.version);
    audit::record(txn, &caller.actor, record).await?;
    Ok(created)
}

pub async fn trainings(
    db: &Db,
    access: &Access,
    worker_id: Uuid,
) -> Result<Vec<training::Model>, ApiError> {
    get(db, access, worker_id).await?;
    Ok(Training::find()
        .filter(training::Column::PartyWorkerId.eq(worker_id))
        .order_by_asc(training::Column::HeldOn)
        .all(&db.read)
        .await?)
}
