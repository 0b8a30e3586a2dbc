//! Responses every resource shares: a representation with its ETag (or 304), and creation with
//! `Idempotency-Key` replay.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::etag;
use super::extract::IdempotencyKey;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::service::idempotency::{self, Claim, StoredResponse};
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

fn created_response(stored: &StoredResponse, replayed: bool) -> HttpResponse {
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

/// Runs `create` at most once per caller and `Idempotency-Key`: the same key and body replay the
/// first response; another body gets 422; a request still running gets 409. Without a key,
/// `create` simply runs.
pub async fn create_idempotently<F, Fut>(
    state: &AppState,
    principal: &Principal,
    key: IdempotencyKey,
    req: &HttpRequest,
    body: &serde_json::Value,
    create: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Created, ApiError>>,
{
    let Some(key) = key.0 else {
        let created = create().await?;
        let stored = StoredResponse {
            status: 201,
            body: created.body,
            location: Some(created.location),
        };
        return Ok(created_response(&stored, false));
    };
    let caller = principal.caller_key();
    match idempotency::claim(&state.db, &caller, &key, &request_hash(req, body)).await? {
        Claim::Replay(stored) => Ok(created_response(&stored, true)),
        Claim::Owned => match create().await {
            Ok(created) => {
                let stored = StoredResponse {
                    status: 201,
                    body: created.body,
                    location: Some(created.location),
                };
                idempotency::finish(&state.db, &caller, &key, &stored).await?;
                Ok(created_response(&stored, false))
            }
            Err(error) => {
                idempotency::release(&state.db, &caller, &key).await?;
                Err(error)
            }
        },
    }
}
