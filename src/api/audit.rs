//! `GET /api/v1/audit-events`: the append-only audit log. No operation changes or deletes it.
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{Authorized, ListQuery, PageParams};
use super::respond::{ListPage, Listed, list_page};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::service::audit::{self as service, AuditFilter};
use crate::state::AppState;

/// One write: who did what to which record, and which fields it changed. Field values are
/// never recorded, so personal data does not reach the log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11", "occurred_at": "2026-11-28T03:30:00Z",
    "actor": "user:019ac8e2-5b10-7c3e-9a51-3f0c2b7d8e10", "actor_roles": ["org_department"],
    "action": "update", "resource_type": "organization", "resource_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e12",
    "changed_fields": ["employee_count", "contact_phone"], "region_code": "110105",
    "request_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e13", "client_address": "10.0.0.7", "outcome": "success"
}))]
pub struct AuditEventView {
    pub id: Uuid,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `user:<id>` for a person, `client:<client_id>` for an API client, or `system:<what>` for
    /// writes made by the server itself.
    pub actor: String,
    pub actor_roles: Vec<String>,
    /// `create`, `update`, `archive`, `reset_password`, `rotate_secret`, `read_personal_data`.
    pub action: String,
    /// `organization`, `user`, `api_client`.
    pub resource_type: String,
    pub resource_id: Uuid,
    /// Names of the fields the write set or changed.
    pub changed_fields: Vec<String>,
    /// The region of the record, when it has one.
    pub region_code: Option<String>,
    pub request_id: String,
    pub client_address: Option<String>,
    /// `success`, or `failure:<status>` for a write refused after authentication (nothing
    /// changed then, and `resource_id` is the nil UUID for a refused creation).
    pub outcome: String,
}

impl From<entity::audit_event::Model> for AuditEventView {
    fn from(m: entity::audit_event::Model) -> Self {
        AuditEventView {
            id: m.id,
            occurred_at: m.occurred_at,
            actor: m.actor,
            actor_roles: serde_json::from_str(&m.actor_roles).unwrap_or_default(),
            action: m.action,
            resource_type: m.resource_type,
            resource_id: m.resource_id,
            changed_fields: serde_json::from_str(&m.changed_fields).unwrap_or_default(),
            region_code: m.region_code,
            request_id: m.request_id,
            client_address: m.client_address,
            outcome: m.outcome,
        }
    }
}

pub type AuditEventPage = ListPage<AuditEventView>;
impl Listed for AuditEventView {
    const TOTAL: Option<&'static str> =
        Some("Matching events in all pages; only with `include_total=true`.");

    fn page_name() -> std::borrow::Cow<'static, str> {
        "AuditEventPage".into()
    }
}

/// Filters of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditEventFilter {
    /// Who made the change: `user:<id>` (a person), `client:<client_id>` (an API client) or
    /// `system:<what>` (the server itself).
    #[param(
        max_length = 100,
        example = "user:019ac8e2-5b10-7c3e-9a51-3f0c2b7d8e10"
    )]
    #[validate(length(max = 100))]
    pub actor: Option<String>,
    #[param(max_length = 50, example = "organization")]
    #[validate(length(max = 50))]
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    /// Events at or after this time.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Events before this time.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// List audit events
///
/// Writes in the order they happened. Administrators see all; organization-department staff see
/// the events of records in their region.
#[utoipa::path(
    operation_id = "listAuditEvents",
    tag = "audit",
    security(("oauth2" = ["audit:read"])),
    params(PageParams, AuditEventFilter),
    responses((status = 200, description = "A page of audit events.", body = AuditEventPage)),
)]
#[get("/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<AuditEventFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = AuditFilter {
        actor: f.actor,
        resource_type: f.resource_type,
        resource_id: f.resource_id,
        from: f.from,
        to: f.to,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(AuditEventView::from)))
}

/// The resource type, id and action a write request addresses, from its path and method
/// (`PATCH /api/v1/organizations/{id}` → organization, id, update).
fn write_target(method: &Method, path: &str) -> Option<(&'static str, Uuid, &'static str)> {
    let mut segments = path.strip_prefix("/api/v1/")?.split('/');
    let resource_type = match segments.next()? {
        "organizations" => "organization",
        "users" => "user",
        "api-clients" => "api_client",
        _ => return None,
    };
    let id = segments.next().and_then(|s| s.parse().ok());
    let action = match (method.as_str(), id.is_some(), segments.next()) {
        ("POST", false, _) => "create",
        ("POST", true, Some("password")) => "reset_password",
        ("POST", true, Some("secret")) => "rotate_secret",
        ("PATCH", true, None) => "update",
        ("DELETE", true, None) => "archive",
        _ => return None,
    };
    Some((resource_type, id.unwrap_or(Uuid::nil()), action))
}

/// Middleware: a write refused after authentication (403, 404, 409, 412, 422, …) is recorded
/// with outcome `failure:<status>`, so the log shows attempts as well as changes.
pub async fn record_refused_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let target = write_target(req.method(), req.path());
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let token = crate::auth::bearer_token(req.request())
        .ok()
        .map(str::to_owned);
    let address = crate::request_context::current()
        .client_address
        .map(|a| a.to_string());
    let response = next.call(req).await?;
    let status = response.status();
    let refused = status.is_client_error()
        && status != StatusCode::UNAUTHORIZED
        && status != StatusCode::METHOD_NOT_ALLOWED;
    // The caller as the handler's extractor authenticated them, or (refused before any
    // extractor ran) authenticated here.
    let known = response.request().extensions().get::<Principal>().cloned();
    if let (true, Some((resource_type, resource_id, action)), Some(state), Some(token)) =
        (refused, target, state, token)
        && let Some(principal) = match known {
            Some(principal) => Some(principal),
            None => crate::api::extract::authenticate(&state, &token).await.ok(),
        }
    {
        let actor = service::Actor::of(&principal, address);
        let change = service::Change {
            action,
            resource_type,
            resource_id,
            changed_fields: Vec::new(),
            region_code: None,
            feed: Default::default(),
        };
        if let Err(e) = service::record_refusal(&state.db, &actor, change, status.as_u16()).await {
            tracing::error!(error = %e, "could not record a refused write in the audit log");
        }
    }
    Ok(response)
}
