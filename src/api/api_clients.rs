//! `/api/v1/api-clients`: OAuth clients of integrating systems (client credentials grant).
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoFilter, NoQuery,
    PageParams, apply_merge_patch, region_filter,
};
use super::respond::{ListPage, Listed, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::Permission;
use crate::domain::{RuleContext, RuleViolation};
use crate::error::ApiError;
use crate::service::api_clients::{self as service, ClientFields, scopes_of};
use crate::state::AppState;

const TAG: &str = "api-clients";

/// An API client; its secret is never shown again after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11", "client_id": "lx_Zm9vYmFyYmF6cXV4", "name": "北京市党员信息系统",
    "scopes": ["organizations:read"], "region_code": "110000", "disabled": false, "previous_secret_expires_at": null,
    "created_at": "2026-11-28T03:30:00Z", "updated_at": "2026-11-28T03:30:00Z", "version": 1}))]
pub struct ApiClient {
    pub id: Uuid,
    /// Send as `client_id` (or the HTTP Basic user name) with `grant_type=client_credentials`.
    pub client_id: String,
    pub name: String,
    #[schema(value_type = Vec<ClientScope>)]
    pub scopes: Vec<String>,
    /// The region the client reaches; `null` for every region.
    pub region_code: Option<String>,
    pub disabled: bool,
    /// After a rotation, until when the previous secret still works.
    pub previous_secret_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl From<entity::api_client::Model> for ApiClient {
    fn from(m: entity::api_client::Model) -> Self {
        ApiClient {
            scopes: scopes_of(&m),
            id: m.id,
            client_id: m.client_id,
            name: m.name,
            region_code: m.region_code,
            disabled: m.disabled_at.is_some(),
            previous_secret_expires_at: m.previous_secret_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// A client with its secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    /// Keep it now: only its hash is stored.
    pub client_secret: String,
}

fn scope_violations(
    scopes: &[String],
    region_code: &Option<String>,
    rules: RuleContext,
) -> Vec<RuleViolation> {
    let mut violations: Vec<RuleViolation> = scopes
        .iter()
        .filter(|s| Permission::from_scope(s).is_none())
        .map(|s| {
            let known: Vec<_> = Permission::FOR_CLIENTS.iter().map(|p| p.name()).collect();
            RuleViolation::new(
                "scopes",
                "unknown_scope",
                format!("{s} is not a scope; known are {}", known.join(", ")),
            )
        })
        .collect();
    if let Some(code) = region_code
        && region_filter(rules.divisions, "region_code", code).is_err()
    {
        violations.push(RuleViolation::new(
            "region_code",
            "unknown_region",
            format!("{code} is not in the administrative division table"),
        ));
    }
    violations
}

/// An OAuth scope a client may hold: the contract lists `Permission::FOR_CLIENTS`, so it
/// cannot go stale.
pub struct ClientScope;

impl utoipa::PartialSchema for ClientScope {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("An OAuth scope: the permission of the same name."))
            .enum_values(Some(Permission::FOR_CLIENTS.iter().map(|p| p.name())))
            .into()
    }
}

impl ToSchema for ClientScope {}

/// A client's settings.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "北京市党员信息系统", "scopes": ["organizations:read"], "region_code": "110000"}))]
pub struct ApiClientInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// OAuth scopes (see `ClientScope`).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_items = 1, max_items = 32, value_type = Vec<ClientScope>)]
    pub scopes: Vec<String>,
    /// The region the client reaches (any level, full or prefix form); absent for all regions.
    #[serde(default)]
    #[schema(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$")]
    pub region_code: Option<String>,
}

impl BodyRules for ApiClientInput {
    fn rule_violations(&self, rules: RuleContext) -> Vec<RuleViolation> {
        scope_violations(&self.scopes, &self.region_code, rules)
    }
}

/// The fields after a merge patch is applied.
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct ApiClientFields {
    #[validate(length(min = 1, max = 200))]
    name: String,
    #[validate(length(min = 1, max = 32))]
    scopes: Vec<String>,
    #[serde(default)]
    region_code: Option<String>,
    disabled: bool,
}

impl BodyRules for ApiClientFields {
    fn rule_violations(&self, rules: RuleContext) -> Vec<RuleViolation> {
        scope_violations(&self.scopes, &self.region_code, rules)
    }
}

/// A merge patch of a client: any of these fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"disabled": true}))]
pub struct ApiClientPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(nullable = false, min_items = 1, max_items = 32, value_type = Option<Vec<ClientScope>>)]
    scopes: Option<Vec<String>>,
    /// `null` for every region.
    #[schema(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$")]
    region_code: Option<String>,
    /// A disabled client gets no new tokens.
    #[schema(nullable = false)]
    disabled: Option<bool>,
}

pub type ApiClientPage = ListPage<ApiClient>;
impl Listed for ApiClient {
    const TOTAL: Option<&'static str> = None;
}

/// List API clients
///
/// Every registered client with its scopes, region and whether it is disabled; secrets are never
/// shown again.
#[utoipa::path(operation_id = "listApiClients", tag = TAG,
    security(("oauth2" = ["clients:manage"])), params(PageParams),
    responses((status = 200, description = "A page of API clients.", body = ApiClientPage)))]
#[get("/api-clients")]
pub async fn list(
    state: web::Data<AppState>,
    _: Authorized,
    query: ListQuery<NoFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.db, &query.page).await?;
    Ok(list_page(page.map(ApiClient::from)))
}

/// Register an API client
///
/// The answer carries the `client_secret`, shown only this once.
#[utoipa::path(operation_id = "createApiClient", tag = TAG,
    security(("oauth2" = ["clients:manage"])),
    request_body(content = ApiClientInput, content_type = "application/json"),
    responses((status = 201, description = "Registered; keep the secret now.", body = ApiClientWithSecret,
        headers(("Location" = String, description = "The client's URL."), ("ETag" = String, description = "Its version.")))))]
#[post("/api-clients")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: ApiClientInput = body.parse(state.rules())?;
    let fields = ClientFields {
        name: input.name,
        scopes: input.scopes,
        region_code: input.region_code,
    };
    let (client, secret) =
        service::create(&state.db, &super::actor(&req, &principal), fields).await?;
    let client = ApiClient::from(client);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{BASE_PATH}/api-clients/{}", client.id)))
        .insert_header(("ETag", etag(client.version)))
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiClientWithSecret {
            client,
            client_secret: secret,
        }))
}

/// Get an API client
///
/// The client's scopes, region and state; its secret is not shown.
#[utoipa::path(operation_id = "getApiClient", tag = TAG,
    security(("oauth2" = ["clients:manage"])),
    params(("id" = Uuid, Path, description = "The client's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The client.", body = ApiClient, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/api-clients/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let client = ApiClient::from(service::get(&state.db, *id).await?);
    Ok(representation(&req, &etag(client.version), &client))
}

/// Change an API client
///
/// A JSON merge patch of `name`, `scopes`, `region_code` and `disabled`. Tokens already issued
/// keep their scopes until they expire.
#[utoipa::path(operation_id = "updateApiClient", tag = TAG,
    security(("oauth2" = ["clients:manage"])),
    params(("id" = Uuid, Path, description = "The client's id."), IfMatch),
    request_body(content = ApiClientPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Changed.", body = ApiClient, headers(("ETag" = String, description = "The new version.")))))]
#[patch("/api-clients/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let current = ApiClient::from(service::get(&state.db, *id).await?);
    let base = serde_json::json!({
        "name": current.name, "scopes": current.scopes, "region_code": current.region_code, "disabled": current.disabled,
    });
    let expected = if_match.0.unwrap_or(current.version);
    let input: ApiClientFields =
        apply_merge_patch::<ApiClientPatch, _>(&current, &base, expected, body.0, state.rules())?;
    let fields = ClientFields {
        name: input.name,
        scopes: input.scopes,
        region_code: input.region_code,
    };
    let actor = super::actor(&req, &principal);
    let client = ApiClient::from(
        service::update(&state.db, &actor, *id, expected, fields, input.disabled).await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(client.version)))
        .json(client))
}

/// Rotate an API client's secret
///
/// A new secret, shown only in this answer. The previous one keeps working for 24 hours so the
/// integrating system can switch without downtime.
#[utoipa::path(operation_id = "rotateApiClientSecret", tag = TAG,
    security(("oauth2" = ["clients:manage"])),
    params(("id" = Uuid, Path, description = "The client's id.")),
    responses((status = 200, description = "The new secret.", body = ApiClientWithSecret)))]
#[post("/api-clients/{id}/secret")]
pub async fn rotate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (client, secret) =
        service::rotate_secret(&state.db, &super::actor(&req, &principal), *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(ApiClientWithSecret {
            client: ApiClient::from(client),
            client_secret: secret,
        }))
}
