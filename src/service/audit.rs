//! The audit log. Every write records who did it, to what, and which fields changed (names,
//! never values), in the write's own transaction, so a change and its record commit together.
use chrono::{DateTime, Utc};
use entity::audit_event::{ActiveModel, Column, Entity as AuditEvent, Model};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Set};
use serde::Serialize;
use uuid::Uuid;

use super::resource::{self, Page, PageRequest, Resource};
use crate::auth::Access;
use crate::db::Db;
use crate::error::ApiError;

impl Resource for AuditEvent {
    fn id_column() -> Column {
        Column::Id
    }
    fn version_column() -> Column {
        Column::Id
    }
    fn updated_at_column() -> Column {
        Column::OccurredAt
    }
    fn archived_at_column() -> Option<Column> {
        None
    }
    fn id_of(model: &Model) -> Uuid {
        model.id
    }
    fn version_of(_: &Model) -> i32 {
        1
    }
    fn archived(_: &Model) -> bool {
        false
    }
}

/// Who the audit log names (key, roles, request id, address); a record, never an access check.
#[derive(Clone, Debug)]
pub struct Actor {
    /// `user:<id>`.
    pub key: String,
    pub roles: Vec<String>,
    pub request_id: String,
    pub client_address: Option<String>,
}

impl Actor {
    /// A signed-in caller.
    pub fn of(principal: &crate::auth::Principal, client_address: Option<String>) -> Self {
        Actor {
            key: principal.caller_key(),
            roles: principal
                .grants
                .iter()
                .map(|g| g.role.as_str().to_owned())
                .collect(),
            request_id: crate::request_context::current().request_id,
            client_address,
        }
    }

    /// The server itself, for writes made at start-up or from the command line.
    pub fn system(what: &str) -> Self {
        Actor {
            key: format!("system:{what}"),
            roles: Vec::new(),
            request_id: String::new(),
            client_address: None,
        }
    }
}

/// What was written.
pub struct Change {
    pub action: &'static str,
    pub resource_type: &'static str,
    pub resource_id: Uuid,
    pub changed_fields: Vec<String>,
    pub region_code: Option<String>,
    /// What the event feed needs beyond the audit record.
    pub feed: FeedFacts,
}

impl Change {
    /// The same change, moved from where it was: see [`FeedFacts::left`].
    pub fn moved_from(mut self, party_organization_id: Option<Uuid>, region_code: String) -> Self {
        self.feed.left = Some((party_organization_id, Some(region_code)));
        self
    }

    /// The same change, with the version the resource has after it.
    pub fn at_version(mut self, version: i32) -> Self {
        self.feed.version = Some(version);
        self
    }
}

/// A change's version and place, for the event feed ([`super::events`]).
#[derive(Clone, Debug, Default)]
pub struct FeedFacts {
    /// The resource's version after the change.
    pub version: Option<i32>,
    /// The party organization the resource belongs to (its own id for a party organization).
    pub party_organization_id: Option<Uuid>,
    /// Where the resource was before the change, when the change moved it (a transfer, a new
    /// region or parent): its party organization and region then. Readers who reached it only
    /// there get a `removed_from_scope` event.
    pub left: Option<(Option<Uuid>, Option<String>)>,
}

fn row(actor: &Actor, change: Change, outcome: &str) -> ActiveModel {
    ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(Utc::now()),
        actor: Set(actor.key.clone()),
        actor_roles: Set(serde_json::to_string(&actor.roles).unwrap_or_else(|_| "[]".into())),
        action: Set(change.action.to_owned()),
        resource_type: Set(change.resource_type.to_owned()),
        resource_id: Set(change.resource_id),
        changed_fields: Set(
            serde_json::to_string(&change.changed_fields).unwrap_or_else(|_| "[]".into())
        ),
        region_code: Set(change.region_code),
        request_id: Set(actor.request_id.clone()),
        client_address: Set(actor.client_address.clone()),
        outcome: Set(outcome.to_owned()),
    }
}

/// Many writes of one request (an import), in their transaction.
pub async fn record_many(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    changes: Vec<Change>,
) -> Result<(), ApiError> {
    if changes.is_empty() {
        return Ok(());
    }
    super::events::append(conn, &changes).await?;
    let count = changes.len() as u64;
    let rows = changes.into_iter().map(|c| row(actor, c, "success"));
    AuditEvent::insert_many(rows).exec(conn).await?;
    crate::metrics::AUDIT_ROWS.inc_by(count);
    Ok(())
}

/// A write that happened, in its own transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    change: Change,
) -> Result<(), ApiError> {
    super::events::append(conn, [&change]).await?;
    row(actor, change, "success").insert(conn).await?;
    crate::metrics::AUDIT_ROWS.inc();
    Ok(())
}

/// A write that was refused (`failure:<status>`); nothing changed, so no fields are named.
pub async fn record_refusal(
    db: &Db,
    actor: &Actor,
    change: Change,
    status: u16,
) -> Result<(), ApiError> {
    row(actor, change, &format!("failure:{status}"))
        .insert(&db.write)
        .await?;
    crate::metrics::AUDIT_ROWS.inc();
    Ok(())
}

/// Records that personal data was returned unmasked: one event per record, in one statement.
pub async fn record_personal_data_reads(
    db: &Db,
    actor: &Actor,
    resource_type: &'static str,
    records: &[(Uuid, Option<String>)],
    fields: &[&str],
) -> Result<(), ApiError> {
    if records.is_empty() {
        return Ok(());
    }
    let rows = records.iter().map(|(id, region)| {
        let change = Change {
            action: "read_personal_data",
            resource_type,
            resource_id: *id,
            changed_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            region_code: region.clone(),
            feed: Default::default(),
        };
        row(actor, change, "success")
    });
    AuditEvent::insert_many(rows).exec(&db.write).await?;
    crate::metrics::AUDIT_ROWS.inc_by(records.len() as u64);
    Ok(())
}

/// The top-level fields whose values differ, leaving out bookkeeping (`version`, `updated_at`).
pub fn changed_fields(before: &impl Serialize, after: &impl Serialize) -> Vec<String> {
    let (Ok(serde_json::Value::Object(before)), Ok(serde_json::Value::Object(after))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Vec::new();
    };
    after
        .iter()
        .filter(|(key, value)| {
            !matches!(key.as_str(), "version" | "updated_at") && before.get(*key) != Some(value)
        })
        .map(|(key, _)| key.clone())
        .collect()
}

/// The fields a new record sets (those not null).
pub fn set_fields(created: &impl Serialize) -> Vec<String> {
    match serde_json::to_value(created) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(key, value)| {
                !value.is_null()
                    && !matches!(key.as_str(), "id" | "version" | "created_at" | "updated_at")
            })
            .map(|(key, _)| key)
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Events in time order. Regional staff see the events of records in their region only.
pub async fn list(
    db: &Db,
    access: &Access,
    filter: &AuditFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = super::scope::regions(access, Column::RegionCode);
    if let Some(actor) = &filter.actor {
        condition = condition.add(Column::Actor.eq(actor.as_str()));
    }
    if let Some(resource_type) = &filter.resource_type {
        condition = condition.add(Column::ResourceType.eq(resource_type.as_str()));
    }
    if let Some(id) = filter.resource_id {
        condition = condition.add(Column::ResourceId.eq(id));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::OccurredAt.lt(to));
    }
    resource::list::<AuditEvent>(&db.read, Condition::all().add(condition), page).await
}

/// The region of a party organization, for the audit records of what belongs to it (members,
/// meetings, schedules): the audit log is scoped by region.
pub async fn region_of_party_organization(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<String, ApiError> {
    Ok(entity::party_organization::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|p| p.region_code)
        .unwrap_or_default())
}
