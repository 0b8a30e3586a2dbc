//! Webhooks: registration, the outbox, and what a sender needs.
//!
//! The outbox is written by [`enqueue`], which [`super::events::append`] calls in the write's own
//! transaction: an event and its deliveries commit together or not at all. A sender (any
//! instance) [`claim`]s a webhook for a while (a lease, taken with `FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, under SQLite's single writer otherwise), sends its oldest pending delivery, records
//! the attempt, and goes on in event order; no two senders hold one webhook at once.
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::webhook::{ActiveModel, Column, Entity as Webhook, Model};
use entity::webhook_delivery::{self as delivery, Entity as WebhookDelivery};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::audit::{self, Actor};
use super::resource::{self, Page, PageRequest, Resource};
use crate::auth::{ClientGrant, Permission, Principal, random_secret};
use crate::db::Db;
use crate::domain::webhook::{self as rules, ACTIVE, DELIVERED, FAILED, FAILING, PENDING};
use crate::error::ApiError;

resource::impl_resource!(webhook);

impl Resource for WebhookDelivery {
    fn id_column() -> delivery::Column {
        delivery::Column::Id
    }
    fn version_column() -> delivery::Column {
        delivery::Column::Attempts
    }
    fn updated_at_column() -> delivery::Column {
        delivery::Column::NextAttemptAt
    }
    fn archived_at_column() -> Option<delivery::Column> {
        None
    }
    fn id_of(model: &delivery::Model) -> Uuid {
        model.id
    }
    fn version_of(model: &delivery::Model) -> i32 {
        model.attempts
    }
    fn archived(_: &delivery::Model) -> bool {
        false
    }
}

/// The resource types a webhook receives.
pub fn event_types_of(hook: &Model) -> Vec<String> {
    serde_json::from_str(&hook.event_types).unwrap_or_default()
}

/// Queues one delivery per matching webhook (active or failing, of the event's type, and
/// reaching its region) for each event, in the events' transaction.
pub(super) async fn enqueue(
    conn: &impl ConnectionTrait,
    events: &[entity::event::ActiveModel],
) -> Result<(), ApiError> {
    let hooks = Webhook::find()
        .filter(Column::Status.is_in([ACTIVE, FAILING]))
        .all(conn)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut rows = Vec::new();
    for hook in &hooks {
        let types = event_types_of(hook);
        for event in events {
            let resource_type = event.resource_type.as_ref();
            let region = event.region_code.as_ref();
            let reaches = match (&hook.region_prefix, region) {
                (None, _) => true,
                (Some(prefix), Some(code)) => code.starts_with(prefix.as_str()),
                (Some(_), None) => false,
            };
            if !reaches || !types.iter().any(|t| t == resource_type) {
                continue;
            }
            rows.push(delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                webhook_id: Set(hook.id),
                seq: Set(*event.seq.as_ref()),
                occurred_at: Set(*event.occurred_at.as_ref()),
                resource_type: Set(resource_type.clone()),
                resource_id: Set(*event.resource_id.as_ref()),
                action: Set(event.action.as_ref().clone()),
                version: Set(*event.version.as_ref()),
                status: Set(PENDING.to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                first_attempt_at: Set(None),
                last_attempt_at: Set(None),
                last_status_code: Set(None),
                last_error: Set(None),
                delivered_at: Set(None),
                body: Set(None),
            });
        }
    }
    for chunk in rows.chunks(500) {
        WebhookDelivery::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}

fn change(action: &'static str, hook: &Model, changed_fields: Vec<String>) -> audit::Change {
    audit::Change {
        action,
        resource_type: "webhook",
        resource_id: hook.id,
        changed_fields,
        region_code: hook.region_prefix.clone(),
        feed: Default::default(),
    }
}

/// What a caller sets on a webhook.
pub struct WebhookFields {
    pub url: String,
    pub event_types: Vec<String>,
    pub description: Option<String>,
    /// `active` or `paused`.
    pub status: String,
}

/// Whose webhooks a caller sees: an administrator every one (`None`), an API client its own.
pub fn visible_to(owner: Option<&str>) -> Condition {
    match owner {
        None => Condition::all(),
        Some(owner) => Condition::all().add(Column::Owner.eq(owner)),
    }
}

/// Registers a webhook with a new secret, in the caller's transaction.
pub async fn create(
    txn: &DatabaseTransaction,
    actor: &Actor,
    owner: String,
    region_prefix: Option<String>,
    fields: WebhookFields,
) -> Result<Model, ApiError> {
    let now = Utc::now();
    let model = ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(fields.url),
        event_types: Set(serde_json::to_string(&fields.event_types).expect("types serialize")),
        description: Set(fields.description),
        owner: Set(owner),
        region_prefix: Set(region_prefix),
        secret: Set(format!("whsec_{}", random_secret(32))),
        status: Set(fields.status),
        status_reason: Set(None),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let created = model.insert(txn).await?;
    let fields = vec!["url".into(), "event_types".into(), "status".into()];
    audit::record(txn, actor, change("create", &created, fields)).await?;
    Ok(created)
}

pub async fn list(
    db: &Db,
    owner: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    resource::list::<Webhook>(&db.read, visible_to(owner), page).await
}

pub async fn get(db: &Db, id: Uuid, owner: Option<&str>) -> Result<Model, ApiError> {
    resource::get::<Webhook>(&db.read, id, visible_to(owner)).await
}

/// Changes a webhook; setting it `active` again re-enables a failing one.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    owner: Option<&str>,
    expected_version: i32,
    fields: WebhookFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<Webhook>(&txn, id, visible_to(owner)).await?;
    let reason = match fields.status == current.status {
        true => current.status_reason.clone(),
        false => None,
    };
    let changes = ActiveModel {
        url: Set(fields.url),
        event_types: Set(serde_json::to_string(&fields.event_types).expect("types serialize")),
        description: Set(fields.description),
        status: Set(fields.status),
        status_reason: Set(reason),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<Webhook, _>(&txn, id, expected_version, changes).await?;
    let mut changed = audit::changed_fields(&view(&current), &view(&updated));
    changed.retain(|f| f != "status_reason");
    audit::record(&txn, actor, change("update", &updated, changed)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The fields the audit log compares (never the secret).
fn view(hook: &Model) -> serde_json::Value {
    serde_json::json!({
        "url": hook.url, "event_types": hook.event_types, "description": hook.description,
        "status": hook.status, "status_reason": hook.status_reason,
    })
}

/// Deletes a webhook and its deliveries.
pub async fn delete(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    owner: Option<&str>,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<Webhook>(&txn, id, visible_to(owner)).await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(ApiError::PreconditionFailed {
            current_version: current.version,
        });
    }
    WebhookDelivery::delete_many()
        .filter(delivery::Column::WebhookId.eq(id))
        .exec(&txn)
        .await?;
    Webhook::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, actor, change("delete", &current, Vec::new())).await?;
    txn.commit().await?;
    Ok(())
}

/// A webhook's deliveries, oldest first; `status` filters.
pub async fn deliveries(
    db: &Db,
    webhook_id: Uuid,
    status: Option<&str>,
    page: &PageRequest,
) -> Result<Page<delivery::Model>, ApiError> {
    let mut condition = Condition::all().add(delivery::Column::WebhookId.eq(webhook_id));
    if let Some(status) = status {
        condition = condition.add(delivery::Column::Status.eq(status));
    }
    resource::list::<WebhookDelivery>(&db.read, condition, page).await
}

/// Sends a delivery again as soon as possible (a failed one, or one the receiver lost), with a
/// new retry window; a failing webhook becomes active again.
pub async fn retry(
    db: &Db,
    actor: &Actor,
    webhook_id: Uuid,
    owner: Option<&str>,
    delivery_id: Uuid,
) -> Result<delivery::Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let hook = resource::get::<Webhook>(&txn, webhook_id, visible_to(owner)).await?;
    let found = WebhookDelivery::find_by_id(delivery_id)
        .filter(delivery::Column::WebhookId.eq(webhook_id))
        .one(&txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = Utc::now();
    let retried = delivery::ActiveModel {
        id: Set(found.id),
        status: Set(PENDING.to_owned()),
        next_attempt_at: Set(now),
        first_attempt_at: Set(None),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    if hook.status == FAILING {
        Webhook::update_many()
            .col_expr(Column::Status, Expr::value(ACTIVE))
            .col_expr(Column::StatusReason, Expr::value(Option::<String>::None))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(webhook_id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        change(
            "retry_delivery",
            &hook,
            vec![format!("delivery:{delivery_id}")],
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(retried)
}

/// Takes up to `max` active webhooks that have a delivery due and no sender, for `lease`, for
/// the sender `owner`.
pub async fn claim(
    db: &Db,
    owner: &str,
    lease: Duration,
    max: u64,
) -> Result<Vec<Model>, ApiError> {
    let now = Utc::now();
    let free = Condition::any()
        .add(Column::LeaseUntil.is_null())
        .add(Column::LeaseUntil.lt(now));
    let due = Query::select()
        .column(delivery::Column::WebhookId)
        .from(WebhookDelivery)
        .and_where(delivery::Column::Status.eq(PENDING))
        .and_where(delivery::Column::NextAttemptAt.lte(now))
        .to_owned();
    let candidates = || {
        Webhook::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::Status.eq(ACTIVE))
            .filter(free.clone())
            .filter(Column::Id.in_subquery(due.clone()))
            .limit(max)
    };
    // Most of the time there is nothing to send: find that out without a write.
    let waiting: Vec<Uuid> = candidates().into_tuple().all(&db.read).await?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let txn = super::begin_write(&db.write).await?;
    let mut query = candidates();
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<Uuid> = query.into_tuple().all(&txn).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let claimed = Webhook::update_many()
        .col_expr(Column::LeaseOwner, Expr::value(owner))
        .col_expr(Column::LeaseUntil, Expr::value(lease_end(now, lease)))
        .filter(Column::Id.is_in(ids))
        .filter(free)
        .exec_with_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(30))
}

/// Holds a claimed webhook for another `lease` (before each attempt); false when the lease was
/// lost (it ran out and another sender took the webhook), and the sender must stop.
pub async fn renew(
    db: &Db,
    owner: &str,
    webhook_id: Uuid,
    lease: Duration,
) -> Result<bool, ApiError> {
    let renewed = Webhook::update_many()
        .col_expr(
            Column::LeaseUntil,
            Expr::value(lease_end(Utc::now(), lease)),
        )
        .filter(Column::Id.eq(webhook_id))
        .filter(Column::LeaseOwner.eq(owner))
        .exec(&db.write)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Gives back the webhooks `owner` holds (one, or all of them when it stops), for any sender
/// to take.
pub async fn release(db: &Db, owner: &str, webhook_id: Option<Uuid>) -> Result<(), ApiError> {
    let mut release = Webhook::update_many()
        .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::LeaseOwner.eq(owner));
    if let Some(id) = webhook_id {
        release = release.filter(Column::Id.eq(id));
    }
    release.exec(&db.write).await?;
    Ok(())
}

/// The webhook, if still active, with its oldest pending delivery, if that is due: deliveries go
/// out in event order, so a later one waits for it.
pub async fn next_due(
    db: &Db,
    webhook_id: Uuid,
) -> Result<Option<(Model, delivery::Model)>, ApiError> {
    let Some(hook) = Webhook::find_by_id(webhook_id)
        .filter(Column::Status.eq(ACTIVE))
        .one(&db.read)
        .await?
    else {
        return Ok(None);
    };
    let head = WebhookDelivery::find()
        .filter(delivery::Column::WebhookId.eq(webhook_id))
        .filter(delivery::Column::Status.eq(PENDING))
        .order_by_asc(delivery::Column::Seq)
        .one(&db.read)
        .await?;
    Ok(head
        .filter(|d| d.next_attempt_at <= Utc::now())
        .map(|d| (hook, d)))
}

/// Keeps the body a delivery is first sent with, so that every attempt sends the same bytes.
pub async fn keep_body(db: &Db, delivery_id: Uuid, body: &str) -> Result<(), ApiError> {
    WebhookDelivery::update_many()
        .col_expr(delivery::Column::Body, Expr::value(body))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::Body.is_null())
        .exec(&db.write)
        .await?;
    Ok(())
}

/// What one attempt came to.
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The receiver's status code, when it answered.
    pub status_code: Option<u16>,
    /// Why it did not count as delivered (`None`: delivered, a 2xx).
    pub error: Option<String>,
}

/// How a sender retries.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// The first retry waits about this long; each next one twice as long (at most an hour).
    pub base: Duration,
    /// Retries stop this long after the first attempt: the delivery fails and the webhook is
    /// marked `failing`.
    pub give_up_after: Duration,
}

/// Counts an attempt before it is made, so that an attempt cut short by a crash is never
/// numbered again: the next one has a higher `Liangxin-Attempt`. Returns the delivery as it now
/// stands.
pub async fn begin_attempt(
    db: &Db,
    due: &delivery::Model,
    at: DateTime<Utc>,
) -> Result<delivery::Model, ApiError> {
    Ok(delivery::ActiveModel {
        id: Set(due.id),
        attempts: Set(due.attempts + 1),
        first_attempt_at: Set(Some(due.first_attempt_at.unwrap_or(at))),
        last_attempt_at: Set(Some(at)),
        ..Default::default()
    }
    .update(&db.write)
    .await?)
}

/// Records how an attempt (counted by [`begin_attempt`]) went: delivered; or failed and due
/// again after a backoff; or, past the retry window, failed for good with the webhook marked
/// `failing`. Returns whether it was delivered.
pub async fn record_attempt(
    db: &Db,
    sent: &delivery::Model,
    attempt: Attempt,
    policy: RetryPolicy,
) -> Result<bool, ApiError> {
    let first = sent.first_attempt_at.unwrap_or(attempt.at);
    let mut row = delivery::ActiveModel {
        id: Set(sent.id),
        last_status_code: Set(attempt.status_code.map(i32::from)),
        last_error: Set(attempt.error.clone()),
        ..Default::default()
    };
    let txn = super::begin_write(&db.write).await?;
    let delivered = attempt.error.is_none();
    let now = Utc::now();
    if delivered {
        row.status = Set(DELIVERED.to_owned());
        row.delivered_at = Set(Some(now));
    } else if (now - first).to_std().unwrap_or_default() >= policy.give_up_after {
        row.status = Set(FAILED.to_owned());
        let reason = format!(
            "gave up on delivery {} (event {}) after {} attempts: {}",
            sent.id,
            sent.seq,
            sent.attempts,
            attempt.error.as_deref().unwrap_or_default()
        );
        Webhook::update_many()
            .col_expr(Column::Status, Expr::value(FAILING))
            .col_expr(Column::StatusReason, Expr::value(reason))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(sent.webhook_id))
            .filter(Column::Status.eq(ACTIVE))
            .exec(&txn)
            .await?;
    } else {
        let wait = rules::backoff(policy.base, sent.attempts as u32, random_unit());
        row.next_attempt_at = Set(now + chrono::Duration::from_std(wait).unwrap_or_default());
    }
    let outcome = match (delivered, &row.status) {
        (true, _) => "delivered",
        (false, sea_orm::ActiveValue::Set(status)) if status == FAILED => "failed",
        _ => "retrying",
    };
    row.update(&txn).await?;
    txn.commit().await?;
    crate::metrics::WEBHOOK_DELIVERIES
        .with_label_values(&[outcome])
        .inc();
    Ok(delivered)
}

/// A random number in [0, 1), for jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the system has randomness");
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// The caller a webhook's deliveries are shown to, as if they had just signed in: its owner
/// (an enabled user, or an enabled API client with its scopes); `None` when it no longer is.
pub async fn owner_principal(db: &Db, hook: &Model) -> Result<Option<Principal>, ApiError> {
    if let Some(client_id) = hook.owner.strip_prefix("client:") {
        let client = entity::api_client::Entity::find()
            .filter(entity::api_client::Column::ClientId.eq(client_id))
            .filter(entity::api_client::Column::DisabledAt.is_null())
            .one(&db.read)
            .await?;
        return Ok(client.map(|client| Principal {
            subject: hook.owner.clone(),
            grants: Vec::new(),
            client: Some(ClientGrant {
                permissions: super::api_clients::scopes_of(&client)
                    .iter()
                    .filter_map(|s| Permission::from_scope(s))
                    .collect(),
                region_prefix: client.region_code.as_deref().map(|code| {
                    crate::domain::region::prefix_of(code)
                        .unwrap_or(code)
                        .to_owned()
                }),
            }),
            party_paths: Vec::new(),
        }));
    }
    match hook
        .owner
        .strip_prefix("user:")
        .and_then(|id| id.parse().ok())
    {
        Some(id) => super::users::principal_of(db, id).await,
        None => Ok(None),
    }
}

/// Forgets delivered and failed deliveries of events older than `days` (pending ones stay).
pub async fn purge_older_than(db: &Db, days: u32) -> Result<u64, ApiError> {
    let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
    let deleted = WebhookDelivery::delete_many()
        .filter(delivery::Column::OccurredAt.lt(cutoff))
        .filter(delivery::Column::Status.ne(PENDING))
        .exec(&db.write)
        .await?;
    Ok(deleted.rows_affected)
}

/// For the deliveries list: the statuses a delivery can have.
pub const DELIVERY_STATUSES: [&str; 3] = [PENDING, DELIVERED, FAILED];

/// Marks webhooks whose owner is gone as failing (called by a sender that found no owner).
pub async fn mark_failing(db: &Db, webhook_id: Uuid, reason: &str) -> Result<(), ApiError> {
    Webhook::update_many()
        .col_expr(Column::Status, Expr::value(FAILING))
        .col_expr(Column::StatusReason, Expr::value(reason))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(Column::Id.eq(webhook_id))
        .exec(&db.write)
        .await?;
    Ok(())
}
