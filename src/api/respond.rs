//! Responses every resource shares: a representation with its ETag (or 304), a page of a list,
//! and creations and actions with `Idempotency-Key` replay.
use std::borrow::Cow;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::etag;
use super::extract::IdempotencyKey;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::service::idempotency::{self, StoredResponse};
use crate::service::resource::Page;
use crate::state::AppState;

/// 200 with the representation and its `ETag` (a quoted tag such as `"3"`), or 304 when
/// `If-None-Match` names that tag (weak comparison, as RFC 9110 asks for `If-None-Match`).
pub fn representation(req: &HttpRequest, tag: &str, body: &impl Serialize) -> HttpResponse {
    let weak = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || weak(t) == weak(tag))
        });
    if matches {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .json(body)
}

/// A page of a list as the API returns it: `{"items": [...], "next_cursor": ..., "total": ...}`.
/// Its schema is named after the item (`OrganizationPage` for `Organization`); see [`Listed`].
#[derive(Debug, Serialize)]
pub struct ListPage<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// 200 with a page of a list.
pub fn list_page<T: Serialize>(page: Page<T>) -> HttpResponse {
    HttpResponse::Ok().json(ListPage {
        items: page.items,
        next_cursor: page.next_cursor,
        total: page.total,
    })
}

/// An item a list returns: names the schema of its pages and says what their `total` counts.
pub trait Listed: ToSchema {
    const TOTAL: Option<&'static str> =
        Some("Matching rows in all pages; only with `include_total=true`.");

    fn page_name() -> Cow<'static, str> {
        format!("{}Page", Self::name()).into()
    }
}

impl<T: Listed> PartialSchema for ListPage<T> {
    fn schema() -> RefOr<Schema> {
        let nullable = |t: Type| SchemaType::from_iter([t, Type::Null]);
        let next_cursor = ObjectBuilder::new()
            .schema_type(nullable(Type::String))
            .description(Some(
                "Pass as `cursor` to get the next page; `null` on the last page.",
            ));
        let total = ObjectBuilder::new()
            .schema_type(nullable(Type::Integer))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(T::TOTAL)
            .minimum(Some(0));
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property("next_cursor", next_cursor)
            .property("total", total)
            .into()
    }
}

impl<T: Listed> ToSchema for ListPage<T> {
    fn name() -> Cow<'static, str> {
        T::page_name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into(), T::schema()));
        T::schemas(schemas);
    }
}

/// What a create operation made.
pub struct Created {
    pub location: String,
    /// The JSON representation; its `version` becomes the `ETag`.
    pub body: String,
}

impl Created {
    pub fn new(location: String, body: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Created { location, body })
    }
}

/// The answer stored with an `Idempotency-Key`, as first given or (`replayed`) again.
pub fn stored_response(stored: &StoredResponse, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::CREATED);
    let mut response = HttpResponse::build(status);
    response.content_type("application/json");
    if let Some(location) = &stored.location {
        response.insert_header((header::LOCATION, location.clone()));
    }
    if let Some(version) = serde_json::from_str::<serde_json::Value>(&stored.body)
        .ok()
        .and_then(|v| v.get("version").and_then(|v| v.as_i64()))
    {
        response.insert_header((header::ETAG, etag(version as i32)));
    }
    if replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
        crate::metrics::IDEMPOTENT_REPLAYS.inc();
    }
    response.body(stored.body.clone())
}

/// A fingerprint of the request: method, path and body (as canonical JSON: object keys sorted).
fn request_hash(req: &HttpRequest, body: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.path());
    hasher.update(b"\n");
    hasher.update(body.to_string());
    format!("{:x}", hasher.finalize())
}

/// Runs `create` in a write transaction, at most once per caller and `Idempotency-Key`: the same
/// key and body replay the first response; another body gets 422. The key commits with the write
/// (see [`idempotency::create_once`]), so a retry after a crash replays or creates, never sticks.
/// Without a key, `create` simply runs in its transaction.
pub async fn create_idempotently<F>(
    state: &AppState,
    principal: &Principal,
    key: IdempotencyKey,
    req: &HttpRequest,
    body: &serde_json::Value,
    create: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<Created, ApiError>,
{
    write_once(state, principal, key, req, body, async |txn| {
        let created = create(txn).await?;
        Ok(StoredResponse {
            status: 201,
            body: created.body,
            location: Some(created.location),
        })
    })
    .await
}

/// The shared path of [`create_idempotently`] and [`act_idempotently`]: `write` in a write
/// transaction with the caller's key, its answer stored with the key or replayed from it.
async fn write_once<F>(
    state: &AppState,
    principal: &Principal,
    key: IdempotencyKey,
    req: &HttpRequest,
    body: &serde_json::Value,
    write: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<StoredResponse, ApiError>,
{
    let caller = principal.caller_key();
    let hash = request_hash(req, body);
    let key = key.0.as_deref().map(|key| idempotency::Key {
        caller: &caller,
        key,
        request_hash: &hash,
    });
    let (stored, replayed) = idempotency::create_once(&state.db, key, write).await?;
    Ok(stored_response(&stored, replayed))
}

/// What an action (a POST that changes what exists: hold, cancel, end, approve…) answered: 200
/// with the representation, whose `version` becomes the `ETag`.
pub struct Acted {
    pub body: String,
}

impl Acted {
    pub fn new(body: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Acted { body })
    }
}

/// Runs `act` in a write transaction, at most once per caller and `Idempotency-Key`, as
/// [`create_idempotently`] does for creations: a retry of an action whose answer was lost
/// replays that answer instead of meeting the state it left (a 409 such as `already_ended`).
pub async fn act_idempotently<F>(
    state: &AppState,
    principal: &Principal,
    key: IdempotencyKey,
    req: &HttpRequest,
    body: &serde_json::Value,
    act: F,
) -> Result<HttpResponse, ApiError>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<Acted, ApiError>,
{
    write_once(state, principal, key, req, body, async |txn| {
        let acted = act(txn).await?;
        Ok(StoredResponse {
            status: 200,
            body: acted.body,
            location: None,
        })
    })
    .await
}
