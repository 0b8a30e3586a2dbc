//! `POST /api/v1/auth/token`: OAuth 2.0 token endpoint (RFC 6749 §4.3, resource owner password).
use actix_web::{HttpRequest, HttpResponse, dev::Payload, http::header, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{
    BodyRules, JsonBody, NoQuery, is_json, media_type, parse_json_bytes, read_body,
};
use crate::domain::RuleContext;
use crate::error::{ApiError, Problem};
use crate::service::{login_throttle, users};
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// A user's username and password.
    Password,
}

/// A token request, form-encoded as in OAuth 2.0 (JSON is accepted too). Unrecognized
/// parameters are ignored, as RFC 6749 §3.2 requires.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"grant_type": "password", "username": "admin", "password": "s3cret-Passw0rd"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub username: String,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub password: String,
    /// Accepted for OAuth compatibility; the token carries the user's roles.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub scope: Option<String>,
}

impl BodyRules for TokenRequest {}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "token_type": "Bearer", "expires_in": 900}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

async fn token_request(
    req: &HttpRequest,
    payload: Payload,
    rules: RuleContext<'_>,
) -> Result<TokenRequest, ApiError> {
    let body = read_body(req, payload).await?;
    let value = match media_type(req).as_deref() {
        Some("application/x-www-form-urlencoded") => {
            let map: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                .collect();
            serde_json::Value::Object(map)
        }
        Some(m) if is_json(m) => parse_json_bytes(&body)?,
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                expected: "application/x-www-form-urlencoded or application/json",
            });
        }
    };
    match value.get("grant_type") {
        None => {
            return Err(ApiError::bad_request(
                "grant_type",
                "required",
                "missing field `grant_type`",
            ));
        }
        Some(serde_json::Value::String(grant)) if grant == "password" => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "grant_type",
                "unsupported_grant_type",
                "the supported grant_type is password",
            ));
        }
    }
    JsonBody(value).parse::<TokenRequest>(rules)
}

/// Get an access token
///
/// Exchanges a username and password for a short-lived bearer token. A wrong password and an
/// unknown username get the same answer. After repeated failures for a username (5 in 15
/// minutes by default) or from one address (ten times as many), attempts get 429 until the
/// window ends.
#[utoipa::path(
    operation_id = "createToken",
    tag = "auth",
    security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A bearer token.", body = TokenResponse),
        (status = 400, description = "Malformed request, unsupported grant type, or wrong username or password (`invalid_grant`).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins; `Retry-After` gives the seconds to wait.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted."))),
    ),
)]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: NoQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = token_request(&req, payload.into_inner(), state.rules()).await?;
    let policy = state.config.login_policy();
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let keys = login_throttle::keys(&policy, &request.username, &address);
    login_throttle::check(&state.db, &policy, &keys).await?;
    let Some((user, grants)) =
        users::authenticate(&state.db, &request.username, &request.password).await?
    else {
        login_throttle::record_failure(&state.db, &policy, &keys).await?;
        return Err(ApiError::bad_request(
            "password",
            "invalid_grant",
            "the username or password is wrong",
        ));
    };
    login_throttle::reset(&state.db, &keys[0].0).await?;
    let access_token = state.jwt.issue(&user.id.to_string(), &grants)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl_secs,
        }))
}
