//! `POST /api/v1/auth/token` (OAuth 2.0 token endpoint, RFC 6749) and `POST /api/v1/auth/revoke`
//! (RFC 7009).
use actix_web::{HttpRequest, HttpResponse, dev::Payload, http::header, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::extract::{
    BodyRules, JsonBody, NoQuery, is_json, media_type, parse_json_bytes, read_body,
};
use crate::auth::{ClientGrant, Permission, Principal};
use crate::domain::region::prefix_of;
use crate::error::{ApiError, Problem};
use crate::service::{api_clients, login_throttle, refresh_tokens, users};
use crate::state::AppState;

#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// A user's `username` and `password`.
    Password,
    /// A `refresh_token` from an earlier answer; it is used up and replaced.
    RefreshToken,
    /// An API client's `client_id` and `client_secret` (in the body, or HTTP Basic).
    ClientCredentials,
}

/// A token request, form-encoded as in OAuth 2.0 (JSON is accepted too). Unrecognized
/// parameters are ignored, as RFC 6749 §3.2 requires.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"grant_type": "password", "username": "admin", "password": "s3cret-Passw0rd"}))]
pub struct TokenRequest {
    pub grant_type: GrantType,
    /// With `password`.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub username: Option<String>,
    /// With `password`.
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub password: Option<String>,
    /// With `refresh_token`.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: Option<String>,
    /// With `client_credentials`, unless sent with HTTP Basic authentication.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub client_id: Option<String>,
    /// With `client_credentials`, unless sent with HTTP Basic authentication.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub client_secret: Option<String>,
    /// With `client_credentials`: the scopes wanted, space-separated, a subset of the client's
    /// (all of them when absent). Users' tokens carry their roles whatever is asked.
    #[serde(default)]
    #[schema(max_length = 1000)]
    #[validate(length(max = 1000))]
    pub scope: Option<String>,
}

impl BodyRules for TokenRequest {}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…", "token_type": "Bearer", "expires_in": 900,
    "refresh_token": "q1Yc0mS3n5Wn8Jc2f5kP1vX9bR7tQ4eH6uA0zL2oI3s",
    "scope": "organizations:read members:read"}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single use: redeem it with `grant_type=refresh_token` for a new pair. Using one twice
    /// revokes every token descended from the same login. Not given to API clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The OAuth scopes the access token carries.
    pub scope: String,
}

/// The body's fields as a JSON object, from a form or from JSON.
async fn form_or_json(req: &HttpRequest, payload: Payload) -> Result<serde_json::Value, ApiError> {
    let body = read_body(req, payload).await?;
    match media_type(req).as_deref() {
        Some("application/x-www-form-urlencoded") => Ok(serde_json::Value::Object(
            form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
                .collect(),
        )),
        Some(m) if is_json(m) => parse_json_bytes(&body),
        _ => Err(ApiError::UnsupportedMediaType {
            expected: "application/x-www-form-urlencoded or application/json",
        }),
    }
}

fn required<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str, ApiError> {
    value
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(field, "required", format!("missing field `{field}`")))
}

async fn token_request(
    state: &AppState,
    req: &HttpRequest,
    payload: Payload,
) -> Result<TokenRequest, ApiError> {
    let value = form_or_json(req, payload).await?;
    match value.get("grant_type") {
        None => {
            return Err(ApiError::bad_request(
                "grant_type",
                "required",
                "missing field `grant_type`",
            ));
        }
        Some(serde_json::Value::String(g))
            if ["password", "refresh_token", "client_credentials"].contains(&g.as_str()) => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "grant_type",
                "unsupported_grant_type",
                "the supported grant types are password, refresh_token and client_credentials",
            ));
        }
    }
    JsonBody(value).parse::<TokenRequest>(state.rules())
}

/// Get an access token
///
/// `grant_type=password` exchanges a username and password for a short-lived bearer token and
/// a refresh token; a wrong password and an unknown username get the same answer, and after
/// repeated failures for a username (5 in 15 minutes by default) or from one address (ten times
/// as many) attempts get 429 until the window ends. `grant_type=refresh_token` exchanges a
/// refresh token for a new pair.
#[utoipa::path(
    operation_id = "createToken",
    tag = "auth",
    security(()),
    // RFC 6749 §4: form encoding. (The server also takes the same fields as JSON; the contract
    // names one encoding so that generated clients build one request body.)
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "A bearer token and a refresh token.", body = TokenResponse),
        (status = 400, description = "Malformed request, unsupported grant type, or credentials or refresh token not accepted (`invalid_grant`).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many login attempts; `Retry-After` gives the seconds to wait. Attempts are counted before the password is checked.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted."))),
        (status = 503, description = "Too many password checks at once (they are bounded per server); retry after `Retry-After` seconds.", body = Problem, content_type = "application/problem+json",
         headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
)]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: NoQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let request = token_request(&state, &req, payload.into_inner()).await?;
    if let GrantType::ClientCredentials = request.grant_type {
        let answer = client_credentials(&state, &req, &request).await;
        count_login(&answer);
        return answer;
    }
    let refresh_ttl =
        Duration::from_std(state.config.refresh_token_ttl).unwrap_or(Duration::days(30));
    let (user_id, refresh_token) = match request.grant_type {
        GrantType::Password => {
            let username = required(&request.username, "username")?;
            let password = required(&request.password, "password")?;
            let user = password_login(&state, username, password).await;
            count_login(&user);
            let user = user?;
            (
                user,
                refresh_tokens::issue(&state.db, user, refresh_ttl).await?,
            )
        }
        GrantType::RefreshToken => {
            let token = required(&request.refresh_token, "refresh_token")?;
            refresh_tokens::redeem(&state.db, token, refresh_ttl).await?
        }
        GrantType::ClientCredentials => unreachable!("handled above"),
    };
    let user = users::get(&state.db, user_id).await?;
    let grants = users::grants_of(&user)?;
    let access_token = state.jwt.issue(&user.id.to_string(), &grants)?;
    let principal = Principal {
        subject: user.id.to_string(),
        grants,
        client: None,
        party_paths: Vec::new(),
    };
    Ok(token_response(
        &state,
        access_token,
        Some(refresh_token),
        principal.permissions().join(" "),
    ))
}

/// A login's outcome in the metrics: `success`, `throttled` (too many attempts, or no password
/// check slot), or `failure`.
fn count_login<T>(answer: &Result<T, ApiError>) {
    let outcome = match answer {
        Ok(_) => "success",
        Err(ApiError::TooManyRequests { .. } | ApiError::Busy { .. }) => "throttled",
        Err(_) => "failure",
    };
    crate::metrics::LOGINS.with_label_values(&[outcome]).inc();
}

fn token_response(
    state: &AppState,
    access_token: String,
    refresh_token: Option<String>,
    scope: String,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: state.jwt.ttl_secs,
            refresh_token,
            scope,
        })
}

/// The client id and secret from HTTP Basic authentication (RFC 6749 §2.3.1), if sent.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    use base64::Engine;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// RFC 6749 §4.4: a token for an API client, with its scopes (or the subset asked for) and region.
async fn client_credentials(
    state: &AppState,
    req: &HttpRequest,
    request: &TokenRequest,
) -> Result<HttpResponse, ApiError> {
    let (client_id, secret) = match basic_credentials(req) {
        Some(pair) => pair,
        None => (
            required(&request.client_id, "client_id")?.to_owned(),
            required(&request.client_secret, "client_secret")?.to_owned(),
        ),
    };
    let policy = state.config.login_policy();
    let address =
        crate::request_context::client_key(crate::request_context::current().client_address);
    let keys = login_throttle::keys(&policy, &format!("client:{client_id}"), &address);
    login_throttle::charge(&state.db, &policy, &keys).await?;
    let Some(client) = api_clients::authenticate(&state.db, &client_id, &secret).await? else {
        return Err(ApiError::bad_request(
            "client_secret",
            "invalid_client",
            "the client id or secret is wrong",
        ));
    };
    login_throttle::succeeded(&state.db, &keys).await?;
    let held: Vec<Permission> = api_clients::scopes_of(&client)
        .iter()
        .filter_map(|s| Permission::from_scope(s))
        .collect();
    let permissions = match &request.scope {
        None => held,
        Some(asked) => {
            let mut wanted = Vec::new();
            for name in asked.split_whitespace() {
                match Permission::from_scope(name).filter(|p| held.contains(p)) {
                    Some(p) => wanted.push(p),
                    None => {
                        return Err(ApiError::bad_request(
                            "scope",
                            "invalid_scope",
                            format!("{name} is not a scope of this client"),
                        ));
                    }
                }
            }
            wanted
        }
    };
    let region_prefix = client
        .region_code
        .as_deref()
        .map(|code| prefix_of(code).unwrap_or(code).to_owned());
    let grant = ClientGrant {
        permissions,
        region_prefix,
    };
    let access_token = state.jwt.issue_for_client(&client.client_id, &grant)?;
    let scope = grant
        .permissions
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(token_response(state, access_token, None, scope))
}

/// Checks a password login against the throttle; the user's id when it succeeds.
async fn password_login(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<uuid::Uuid, ApiError> {
    let policy = state.config.login_policy();
    let address =
        crate::request_context::client_key(crate::request_context::current().client_address);
    let keys = login_throttle::keys(&policy, username, &address);
    login_throttle::charge(&state.db, &policy, &keys).await?;
    let Some((user, _)) = users::authenticate(
        &state.db,
        username,
        password,
        state.config.password_check_wait,
    )
    .await?
    else {
        return Err(ApiError::bad_request(
            "password",
            "invalid_grant",
            "the username or password is wrong",
        ));
    };
    login_throttle::succeeded(&state.db, &keys).await?;
    Ok(user.id)
}

/// A token to revoke (RFC 7009).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"token": "q1Yc0mS3n5Wn8Jc2f5kP1vX9bR7tQ4eH6uA0zL2oI3s", "token_type_hint": "refresh_token"}))]
pub struct RevokeRequest {
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub token: String,
    /// `refresh_token`; access tokens are short-lived and expire on their own.
    #[serde(default)]
    #[schema(max_length = 100)]
    #[validate(length(max = 100))]
    pub token_type_hint: Option<String>,
}

impl BodyRules for RevokeRequest {}

/// Revoke a refresh token
///
/// Revokes the refresh token and every token descended from the same login. As RFC 7009 asks,
/// the answer is 200 whether or not the token was known.
#[utoipa::path(
    operation_id = "revokeToken",
    tag = "auth",
    security(()),
    // RFC 7009 §2.1: form encoding (JSON is accepted too, as for the token endpoint).
    request_body(content(
        (RevokeRequest = "application/x-www-form-urlencoded"),
    )),
    responses((status = 200, description = "The token is no longer valid (or never was).")),
)]
#[post("/auth/revoke")]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    _query: NoQuery,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let value = form_or_json(&req, payload.into_inner()).await?;
    let request: RevokeRequest = JsonBody(value).parse(state.rules())?;
    refresh_tokens::revoke(&state.db, &request.token).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
