//! `/api/v1/webhooks`: the event feed pushed to a URL, signed, from a durable outbox (see
//! `service::webhooks`), and the sender that works through it.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, apply_merge_patch,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, Renderers, etag};
use crate::auth::Principal;
use crate::domain::webhook::{self as rules, ACTIVE, PAUSED};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, FieldError};
use crate::service::audit::Actor;
use crate::service::events::TYPES;
use crate::service::webhooks::{self as service, Attempt, RetryPolicy, WebhookFields};
use crate::state::AppState;

const TAG: &str = "webhooks";

/// A resource type of the event feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceType {
    Organization,
    PartyOrganization,
    PartyGroup,
    Member,
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    Meeting,
    MeetingSchedule,
    FundEntry,
    WorkSystem,
    StudyRecord,
    PartyWorker,
    ResponsibilityPost,
    Activity,
    Concern,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Organization => "organization",
            ResourceType::PartyOrganization => "party_organization",
            ResourceType::PartyGroup => "party_group",
            ResourceType::Member => "member",
            ResourceType::Instructor => "instructor",
            ResourceType::InstructorAssignment => "instructor_assignment",
            ResourceType::InstructorVisit => "instructor_visit",
            ResourceType::Meeting => "meeting",
            ResourceType::MeetingSchedule => "meeting_schedule",
            ResourceType::FundEntry => "fund_entry",
            ResourceType::WorkSystem => "work_system",
            ResourceType::StudyRecord => "study_record",
            ResourceType::PartyWorker => "party_worker",
            ResourceType::ResponsibilityPost => "responsibility_post",
            ResourceType::Activity => "activity",
            ResourceType::Concern => "concern",
        }
    }
}

/// `active` sends; `paused` neither queues nor sends; `failing`: deliveries were retried for
/// `LIANGXIN_WEBHOOK_GIVE_UP_SECS` (24 h) without success, so sending stopped (events are still
/// queued) until you set it `active` again or retry a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookStatus {
    Active,
    Paused,
    Failing,
}

/// A webhook; its secret is shown only when it is created.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e41", "url": "https://mirror.example.gov.cn/liangxin/events",
    "event_types": ["member", "party_organization"], "description": "市党员信息库同步", "status": "active", "status_reason": null,
    "owner": "client:lx_Zm9vYmFyYmF6cXV4", "region_code": "3501", "created_at": "2026-12-02T03:30:00Z",
    "updated_at": "2026-12-02T03:30:00Z", "version": 1}))]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<ResourceType>,
    pub description: Option<String>,
    pub status: WebhookStatus,
    /// Why the webhook is `failing`.
    pub status_reason: Option<String>,
    /// Who registered it (`user:<id>` or `client:<client_id>`): each delivery shows the resource
    /// as that caller's GET would (masked without `pii:read`).
    pub owner: String,
    /// The region whose events it receives (an API client's region); `null` for all.
    pub region_code: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    pub version: i32,
}

fn status_of(text: &str) -> WebhookStatus {
    match text {
        ACTIVE => WebhookStatus::Active,
        PAUSED => WebhookStatus::Paused,
        _ => WebhookStatus::Failing,
    }
}

fn types_of(model: &entity::webhook::Model) -> Vec<ResourceType> {
    service::event_types_of(model)
        .into_iter()
        .filter_map(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
        .collect()
}

impl From<entity::webhook::Model> for Webhook {
    fn from(m: entity::webhook::Model) -> Self {
        Webhook {
            event_types: types_of(&m),
            status: status_of(&m.status),
            id: m.id,
            url: m.url,
            description: m.description,
            status_reason: m.status_reason,
            owner: m.owner,
            region_code: m.region_prefix,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A webhook with its signing secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Verify each delivery with it (see the `webhooks` tag); keep it now.
    pub secret: String,
}

/// A webhook to register.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://mirror.example.gov.cn/liangxin/events", "event_types": ["member", "party_organization"], "description": "市党员信息库同步"}))]
pub struct WebhookInput {
    /// An `https` URL on a public address (loopback, private, link-local and metadata addresses
    /// are refused unless `LIANGXIN_WEBHOOK_ALLOW_PRIVATE=true`).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// The resource types whose events it receives; every type you may read when absent.
    #[serde(default)]
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub event_types: Option<Vec<ResourceType>>,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// `active` (the default) or `paused`.
    #[serde(default)]
    pub status: Option<WebhookStatus>,
}

impl BodyRules for WebhookInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        settable_status(self.status)
    }
}

/// The fields after a merge patch is applied.
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct WebhookFieldsInput {
    #[validate(length(min = 1, max = 2000))]
    url: String,
    #[validate(length(min = 1, max = 20))]
    event_types: Vec<ResourceType>,
    #[validate(length(max = 500))]
    description: Option<String>,
    status: WebhookStatus,
}

impl BodyRules for WebhookFieldsInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        settable_status(Some(self.status))
    }
}

fn settable_status(status: Option<WebhookStatus>) -> Vec<RuleViolation> {
    match status {
        Some(WebhookStatus::Failing) => vec![RuleViolation::new(
            "status",
            "not_settable",
            "a webhook becomes failing by itself; set active or paused",
        )],
        _ => Vec::new(),
    }
}

/// A merge patch of a webhook: any of these fields. Setting `status` to `active` re-enables a
/// failing webhook: its queued deliveries go out in order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"status": "active"}))]
pub struct WebhookPatch {
    #[schema(nullable = false, min_length = 1, max_length = 2000)]
    url: Option<String>,
    #[schema(nullable = false, min_items = 1, max_items = 20)]
    event_types: Option<Vec<ResourceType>>,
    #[schema(max_length = 500)]
    description: Option<String>,
    #[schema(nullable = false)]
    status: Option<WebhookStatus>,
}

pub type WebhookPage = ListPage<Webhook>;
impl Listed for Webhook {
    const TOTAL: Option<&'static str> = None;
}

/// `pending` (queued or being retried), `delivered` (the receiver answered 2xx), `failed` (retried
/// for the whole window without success).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => rules::PENDING,
            DeliveryStatus::Delivered => rules::DELIVERED,
            DeliveryStatus::Failed => rules::FAILED,
        }
    }
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e51", "webhook_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e41",
    "seq": 42, "resource_type": "member", "resource_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "action": "update",
    "status": "pending", "attempts": 2, "next_attempt_at": "2026-12-02T03:30:04Z", "first_attempt_at": "2026-12-02T03:30:00Z",
    "last_attempt_at": "2026-12-02T03:30:02Z", "last_status_code": 503, "last_error": "HTTP 503", "delivered_at": null}))]
pub struct Delivery {
    /// Sent as `Liangxin-Delivery`; the same on every attempt.
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's number in the feed (`Liangxin-Event-Seq`).
    pub seq: i64,
    pub resource_type: ResourceType,
    pub resource_id: Uuid,
    pub action: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<chrono::DateTime<Utc>>,
    pub first_attempt_at: Option<chrono::DateTime<Utc>>,
    pub last_attempt_at: Option<chrono::DateTime<Utc>>,
    /// The receiver's status code at the last attempt, when it answered.
    pub last_status_code: Option<i32>,
    /// Why the last attempt did not count.
    pub last_error: Option<String>,
    pub delivered_at: Option<chrono::DateTime<Utc>>,
}

impl From<entity::webhook_delivery::Model> for Delivery {
    fn from(m: entity::webhook_delivery::Model) -> Self {
        let status = match m.status.as_str() {
            rules::DELIVERED => DeliveryStatus::Delivered,
            rules::FAILED => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        };
        Delivery {
            id: m.id,
            webhook_id: m.webhook_id,
            seq: m.seq,
            resource_type: serde_json::from_value(serde_json::Value::String(m.resource_type))
                .unwrap_or(ResourceType::Organization),
            resource_id: m.resource_id,
            action: m.action,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(m.next_attempt_at),
            status,
            attempts: m.attempts,
            first_attempt_at: m.first_attempt_at,
            last_attempt_at: m.last_attempt_at,
            last_status_code: m.last_status_code,
            last_error: m.last_error,
            delivered_at: m.delivered_at,
        }
    }
}

pub type DeliveryPage = ListPage<Delivery>;
impl Listed for Delivery {
    const TOTAL: Option<&'static str> = None;
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
}

/// What a ping came to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"delivered": true, "status_code": 204, "error": null, "duration_ms": 38}))]
pub struct PingResult {
    /// Whether the receiver answered 2xx.
    pub delivered: bool,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// An API client sees its own webhooks; an administrator every one.
fn owner_filter(principal: &Principal) -> Option<String> {
    principal.client.as_ref().map(|_| principal.caller_key())
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/webhooks/{id}")
}

fn invalid(field: &str, code: &str, message: String) -> ApiError {
    ApiError::Validation(vec![FieldError::new(field, code, message)])
}

/// The SSRF guard at registration: the URL's form (see [`rules::parse_target`]), and every
/// address its host resolves to now. Deliveries check the addresses again when they connect.
async fn check_target(state: &AppState, url: &str) -> Result<(), ApiError> {
    let allow_private = state.config.webhook_allow_private;
    let target =
        rules::parse_target(url, allow_private).map_err(|v| invalid(v.field, v.code, v.message))?;
    if allow_private || target.literal.is_some() {
        return Ok(());
    }
    let lookup = tokio::net::lookup_host((target.host.as_str(), 443));
    let addresses: Vec<SocketAddr> =
        match tokio::time::timeout(Duration::from_secs(5), lookup).await {
            Ok(Ok(found)) => found.collect(),
            _ => Vec::new(),
        };
    if addresses.is_empty() {
        return Err(invalid(
            "url",
            "unresolvable",
            format!("{} does not resolve to an address", target.host),
        ));
    }
    if let Some(internal) = addresses.iter().find(|a| !rules::public(a.ip())) {
        return Err(invalid(
            "url",
            "private_address",
            format!(
                "{} resolves to {}, a loopback, private, link-local or otherwise internal address",
                target.host,
                internal.ip()
            ),
        ));
    }
    Ok(())
}

/// The event types a caller asks for, each one they may read (422 `not_permitted` otherwise).
fn readable_types(
    principal: &Principal,
    renderers: &Renderers,
    asked: Option<Vec<ResourceType>>,
) -> Result<Vec<String>, ApiError> {
    let may_read = |t: &str| {
        renderers
            .read_permission(t)
            .is_some_and(|p| principal.holds(p))
    };
    let Some(asked) = asked else {
        return Ok(TYPES
            .iter()
            .filter(|t| may_read(t))
            .map(|t| (*t).to_owned())
            .collect());
    };
    let mut types: Vec<String> = Vec::new();
    for t in asked {
        if !may_read(t.as_str()) {
            return Err(invalid(
                "event_types",
                "not_permitted",
                format!("you may not read {} resources", t.as_str()),
            ));
        }
        if !types.iter().any(|known| known == t.as_str()) {
            types.push(t.as_str().to_owned());
        }
    }
    Ok(types)
}

/// List webhooks
///
/// An administrator sees every webhook; an API client its own.
#[utoipa::path(operation_id = "listWebhooks", tag = TAG,
    security(("oauth2" = ["webhooks:write"])), params(PageParams),
    responses((status = 200, description = "A page of webhooks.", body = WebhookPage)))]
#[get("/webhooks")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    query: ListQuery<super::extract::NoFilter>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    let page = service::list(&state.db, owner.as_deref(), &query.page).await?;
    Ok(list_page(page.map(Webhook::from)))
}

/// Register a webhook
///
/// Every event of the chosen types that your scope reaches is POSTed to the URL, in feed order,
/// at least once, signed with the `secret` in this answer (shown only this once). See the
/// `webhooks` tag for the headers and how to verify them.
#[utoipa::path(operation_id = "createWebhook", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(IdempotencyKey),
    request_body(content = WebhookInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered; keep the secret now.", body = WebhookWithSecret,
         headers(("Location" = String, description = "The webhook's URL."), ("ETag" = String, description = "Its version."))),
        (status = 422, description = "The URL is not https, names an internal address or does not resolve; or an event type is one you may not read.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[post("/webhooks")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    renderers: web::Data<Renderers>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: WebhookInput = body.parse(state.rules())?;
    let event_types = readable_types(&principal, &renderers, input.event_types)?;
    check_target(&state, &input.url).await?;
    let region_prefix = match access.is_everything() {
        true => None,
        false => access
            .region_prefixes()
            .and_then(|p| p.first().map(|p| (*p).to_owned())),
    };
    let fields = WebhookFields {
        url: input.url,
        event_types,
        description: input.description,
        status: match input.status {
            Some(WebhookStatus::Paused) => PAUSED.to_owned(),
            _ => ACTIVE.to_owned(),
        },
    };
    let actor = super::actor(&req, &principal);
    let owner = principal.caller_key();
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let created = service::create(txn, &actor, owner, region_prefix, fields).await?;
        let secret = created.secret.clone();
        let webhook = Webhook::from(created);
        Created::new(location(webhook.id), &WebhookWithSecret { webhook, secret })
    })
    .await
}

/// Get a webhook
///
/// Its URL, event types and state; not its secret.
#[utoipa::path(operation_id = "getWebhook", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The webhook.", body = Webhook, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/webhooks/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    let webhook = Webhook::from(service::get(&state.db, *id, owner.as_deref()).await?);
    Ok(representation(&req, &etag(webhook.version), &webhook))
}

/// Change a webhook
///
/// A JSON merge patch of `url`, `event_types`, `description` and `status`. Setting `status` to
/// `active` re-enables a failing webhook; `paused` stops queuing and sending.
#[utoipa::path(operation_id = "updateWebhook", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id."), IfMatch),
    request_body(content = WebhookPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Webhook, headers(("ETag" = String, description = "The new version."))),
        (status = 422, description = "The URL is refused, or an event type is one you may not read.", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
#[patch("/webhooks/{id}")]
#[allow(clippy::too_many_arguments)]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    renderers: web::Data<Renderers>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    let current = Webhook::from(service::get(&state.db, *id, owner.as_deref()).await?);
    let base = serde_json::json!({
        "url": current.url, "event_types": current.event_types,
        "description": current.description, "status": current.status,
    });
    let expected = if_match.0.unwrap_or(current.version);
    let input: WebhookFieldsInput =
        apply_merge_patch::<WebhookPatch, _>(&current, &base, expected, body.0, state.rules())?;
    let event_types = readable_types(&principal, &renderers, Some(input.event_types))?;
    if input.url != current.url {
        check_target(&state, &input.url).await?;
    }
    let fields = WebhookFields {
        url: input.url,
        event_types,
        description: input.description,
        status: match input.status {
            WebhookStatus::Paused => PAUSED.to_owned(),
            _ => ACTIVE.to_owned(),
        },
    };
    let actor = super::actor(&req, &principal);
    let webhook = Webhook::from(
        service::update(&state.db, &actor, *id, owner.as_deref(), expected, fields).await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(webhook.version)))
        .json(webhook))
}

/// Delete a webhook
///
/// With its queued and past deliveries; nothing more is sent to it.
#[utoipa::path(operation_id = "deleteWebhook", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id."), IfMatch),
    responses((status = 204, description = "Deleted.")))]
#[delete("/webhooks/{id}")]
pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    let actor = super::actor(&req, &principal);
    service::delete(&state.db, &actor, *id, owner.as_deref(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a webhook's deliveries
///
/// Oldest first, with their state, attempts and the receiver's last answer.
#[utoipa::path(operation_id = "listWebhookDeliveries", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id."), PageParams, DeliveryFilter),
    responses((status = 200, description = "A page of deliveries.", body = DeliveryPage)))]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<DeliveryFilter>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    service::get(&state.db, *id, owner.as_deref()).await?;
    let status = query.filter.status.map(DeliveryStatus::as_str);
    let page = service::deliveries(&state.db, *id, status, &query.page).await?;
    Ok(list_page(page.map(Delivery::from)))
}

/// Retry a delivery
///
/// Sends the delivery again as soon as possible, with a new retry window: a failed one, or one
/// your receiver lost. A failing webhook becomes active again.
#[utoipa::path(operation_id = "retryWebhookDelivery", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id."),
        ("delivery_id" = Uuid, Path, description = "The delivery's id.")),
    responses((status = 202, description = "Queued to be sent now.", body = Delivery)))]
#[post("/webhooks/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = *path;
    let owner = owner_filter(&principal);
    let actor = super::actor(&req, &principal);
    let delivery = service::retry(&state.db, &actor, id, owner.as_deref(), delivery_id).await?;
    Ok(HttpResponse::Accepted().json(Delivery::from(delivery)))
}

/// Ping a webhook
///
/// Sends a signed `{"ping": true, …}` now (header `Liangxin-Event: ping`) and says what the
/// receiver answered; nothing is queued.
#[utoipa::path(operation_id = "pingWebhook", tag = TAG,
    security(("oauth2" = ["webhooks:write"])),
    params(("id" = Uuid, Path, description = "The webhook's id.")),
    responses((status = 200, description = "What the receiver answered.", body = PingResult)))]
#[post("/webhooks/{id}/ping")]
pub async fn ping(
    state: web::Data<AppState>,
    sender: web::Data<Sender>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_filter(&principal);
    let hook = service::get(&state.db, *id, owner.as_deref()).await?;
    let body =
        serde_json::json!({"ping": true, "webhook_id": hook.id, "sent_at": Utc::now()}).to_string();
    let started = Instant::now();
    let attempt = sender.post(&hook, &Uuid::now_v7(), None, 1, &body).await;
    Ok(HttpResponse::Ok().json(PingResult {
        delivered: attempt.error.is_none(),
        status_code: attempt.status_code,
        error: attempt.error,
        duration_ms: started.elapsed().as_millis() as u64,
    }))
}

/// Resolves names for deliveries, refusing internal addresses (the check at connection time that
/// DNS rebinding cannot slip past).
struct PublicAddressesOnly;

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(internal) = found.iter().find(|a| !rules::public(a.ip())) {
                return Err(
                    format!("{host} resolves to {}, an internal address", internal.ip()).into(),
                );
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Sends deliveries: one HTTP client for the server, no redirects followed, no proxies (a proxy
/// would resolve names past the guard), 10 s per attempt.
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
    /// This instance, as the holder of its leases.
    instance: String,
}

/// How long a delivery attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a sender holds a webhook without renewing (it renews before each attempt): after a
/// crash, another sender takes over this long after the last attempt began. It sends at most
/// [`PER_CLAIM`] deliveries before giving the webhook back.
const LEASE: Duration = Duration::from_secs(30);
const PER_CLAIM: usize = 10;
/// Webhooks served at once by one instance.
const WEBHOOKS_AT_ONCE: u64 = 8;

impl Sender {
    pub fn new(allow_private: bool) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent("Liangxin-Webhooks/1");
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(PublicAddressesOnly));
        }
        Ok(Sender {
            client: builder.build()?,
            allow_private,
            instance: format!("sender:{}", Uuid::now_v7()),
        })
    }

    /// Gives back every webhook this instance holds (when it stops), so that another instance,
    /// or this one restarted, goes on at once.
    pub async fn release_all(&self, db: &crate::db::Db) {
        if let Err(e) = service::release(db, &self.instance, None).await {
            tracing::warn!(error = %e, "releasing webhooks failed; their leases will run out");
        }
    }

    /// One signed POST; any answer but 2xx, and any failure to get one, is an error.
    async fn post(
        &self,
        hook: &entity::webhook::Model,
        delivery_id: &Uuid,
        seq: Option<i64>,
        attempt: i32,
        body: &str,
    ) -> Attempt {
        let at = Utc::now();
        let failed = |error: String| Attempt {
            at,
            status_code: None,
            error: Some(error),
        };
        if let Err(refused) = rules::parse_target(&hook.url, self.allow_private) {
            return failed(refused.message);
        }
        let timestamp = at.timestamp();
        let mut request = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("liangxin-delivery", delivery_id.to_string())
            .header("liangxin-timestamp", timestamp.to_string())
            .header("liangxin-attempt", attempt.to_string())
            .header(
                "liangxin-signature",
                format!(
                    "sha256={}",
                    rules::signature(&hook.secret, timestamp, body.as_bytes())
                ),
            );
        request = match seq {
            Some(seq) => request
                .header("liangxin-event", "event")
                .header("liangxin-event-seq", seq.to_string()),
            None => request.header("liangxin-event", "ping"),
        };
        match request.body(body.to_owned()).send().await {
            Ok(response) if response.status().is_success() => Attempt {
                at,
                status_code: Some(response.status().as_u16()),
                error: None,
            },
            Ok(response) => Attempt {
                at,
                status_code: Some(response.status().as_u16()),
                error: Some(format!("HTTP {}", response.status().as_u16())),
            },
            Err(e) => failed(describe(&e)),
        }
    }
}

/// An error with its causes, e.g. "error sending request: … resolves to 10.0.0.1, an internal
/// address".
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// The sender of this instance: wakes on each commit (or every second, for retries that come
/// due), claims webhooks with due deliveries, and sends each one's deliveries in order. When
/// `stop` turns true it finishes the attempt under way, gives its webhooks back and returns:
/// a sender cut off mid-claim could leave a lease held by an instance that is gone.
pub async fn send_forever(
    state: web::Data<AppState>,
    renderers: web::Data<Renderers>,
    sender: web::Data<Sender>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let policy = RetryPolicy {
        base: state.config.webhook_retry_base,
        give_up_after: state.config.webhook_give_up_after,
    };
    let mut commits = state.feed.subscribe();
    while !*stop.borrow() {
        let claimed =
            match service::claim(&state.db, &sender.instance, LEASE, WEBHOOKS_AT_ONCE).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    Vec::new()
                }
            };
        if claimed.is_empty() {
            tokio::select! {
                _ = tokio::time::timeout(Duration::from_secs(1), commits.changed()) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        futures_util::future::join_all(
            claimed
                .into_iter()
                .map(|hook| send_due(&state, &renderers, &sender, hook, policy, &stop)),
        )
        .await;
    }
}

/// Sends a claimed webhook's due deliveries in order until one fails or none is due, then gives
/// the webhook back.
async fn send_due(
    state: &AppState,
    renderers: &Renderers,
    sender: &Sender,
    hook: entity::webhook::Model,
    policy: RetryPolicy,
    stop: &tokio::sync::watch::Receiver<bool>,
) {
    if let Err(e) = send_in_order(state, renderers, sender, &hook, policy, stop).await {
        tracing::warn!(webhook = %hook.id, error = %e, "sending webhook deliveries failed");
    }
    if let Err(e) = service::release(&state.db, &sender.instance, Some(hook.id)).await {
        tracing::warn!(webhook = %hook.id, error = %e, "releasing a webhook failed; its lease will run out");
    }
}

async fn send_in_order(
    state: &AppState,
    renderers: &Renderers,
    sender: &Sender,
    hook: &entity::webhook::Model,
    policy: RetryPolicy,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), ApiError> {
    let Some(owner) = service::owner_principal(&state.db, hook).await? else {
        let reason = format!(
            "its owner {} is disabled or no longer exists; set it active again once they are",
            hook.owner
        );
        return service::mark_failing(&state.db, hook.id, &reason).await;
    };
    for _ in 0..PER_CLAIM {
        if *stop.borrow() {
            return Ok(());
        }
        let Some((hook, due)) = service::next_due(&state.db, hook.id).await? else {
            return Ok(());
        };
        let body = match &due.body {
            Some(body) => body.clone(),
            None => {
                let body = event_body(state, renderers, &owner, &hook, &due).await?;
                service::keep_body(&state.db, due.id, &body).await?;
                body
            }
        };
        if !service::renew(&state.db, &sender.instance, hook.id, LEASE).await? {
            return Ok(());
        }
        let counted = service::begin_attempt(&state.db, &due, Utc::now()).await?;
        let attempt = sender
            .post(&hook, &due.id, Some(due.seq), counted.attempts, &body)
            .await;
        if !service::record_attempt(&state.db, &counted, attempt, policy).await? {
            return Ok(());
        }
    }
    Ok(())
}

/// The event as the feed shows it to the webhook's owner.
async fn event_body(
    state: &AppState,
    renderers: &Renderers,
    owner: &Principal,
    hook: &entity::webhook::Model,
    due: &entity::webhook_delivery::Model,
) -> Result<String, ApiError> {
    let actor = Actor {
        key: hook.owner.clone(),
        roles: owner
            .grants
            .iter()
            .map(|g| g.role.as_str().to_owned())
            .collect(),
        request_id: format!("webhook-delivery:{}", due.id),
        client_address: None,
    };
    let representation = match due.action.as_str() {
        crate::service::events::REMOVED_FROM_SCOPE => None,
        _ => {
            renderers
                .render(state, owner, &actor, &due.resource_type, due.resource_id)
                .await?
        }
    };
    let event = super::events::Event {
        seq: due.seq,
        occurred_at: due.occurred_at,
        resource_type: due.resource_type.clone(),
        resource_id: due.resource_id,
        action: due.action.clone(),
        version: due.version,
        representation,
    };
    serde_json::to_string(&event).map_err(|e| ApiError::Internal(e.to_string()))
}
