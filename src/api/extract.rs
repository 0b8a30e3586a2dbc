//! Request extractors shared by every resource. Each failure is a problem document naming the
//! field, parameter or header at fault: JSON bodies (content type, size, syntax, types, unknown
//! fields), list query strings (page parameters plus the resource's filters, unknown ones
//! refused), `If-Match` and `Idempotency-Key`, and the caller allowed the operation's permission.
use std::future::{Ready, ready};
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::auth::{Access, Principal};
use crate::domain::divisions::{Divisions, RegionLookupError};
use crate::domain::{RuleContext, RuleViolation, pii, text};
use crate::error::{ApiError, FieldError};
use crate::service;
use crate::service::resource::{DEFAULT_LIMIT, MAX_LIMIT, PageRequest, decode_cursor};
use crate::state::AppState;

/// The caller, authenticated from the bearer token: every secured handler takes a [`Principal`].
/// Authenticated once per request: the result is kept in the request's extensions, where later
/// extractors and the audit middleware find it.
impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(known) = req.extensions().get::<Principal>().cloned() {
            return Box::pin(async move { Ok(known) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = crate::auth::bearer_token(req).map(str::to_owned);
        let req = req.clone();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let principal = authenticate(&state, &token?).await?;
            req.extensions_mut().insert(principal.clone());
            Ok(principal)
        })
    }
}

/// Our own HS256 tokens, or, when configured, the external provider's RS256/ES256 ones. Every
/// other algorithm (`none`, or HMAC signed with a public key) is refused.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let mut principal = verify_token(state, token).await?;
    let roots: Vec<uuid::Uuid> = principal
        .grants
        .iter()
        .filter_map(|g| g.party_organization_id)
        .collect();
    if !roots.is_empty() {
        principal.party_paths = service::party_organizations::paths_of(&state.db, &roots).await?;
    }
    Ok(principal)
}

async fn verify_token(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| ApiError::Unauthorized("The access token is malformed.".into()))?;
    match (&state.idp, header.alg) {
        (_, jsonwebtoken::Algorithm::HS256) => state.jwt.verify(token),
        (Some(idp), alg) if crate::auth::oidc::ExternalIdp::handles(alg) => {
            let username = idp.verify(token)?;
            let user = service::users::find_enabled(&state.db, &username)
                .await?
                .ok_or_else(|| {
                    ApiError::Unauthorized("The token's user has no enabled account here.".into())
                })?;
            let grants = service::users::grants_of(&user)?;
            Ok(Principal {
                subject: user.id.to_string(),
                grants,
                client: None,
                party_paths: Vec::new(),
            })
        }
        _ => Err(ApiError::Unauthorized(
            "The access token's algorithm is not accepted.".into(),
        )),
    }
}

/// Bodies larger than this get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body, parsed to a value; turn it into a DTO with [`JsonBody::parse`].
pub struct JsonBody(pub serde_json::Value);

/// Reads a request body of at most [`MAX_BODY_BYTES`] (413 beyond).
pub async fn read_body(req: &HttpRequest, mut payload: Payload) -> Result<Vec<u8>, ApiError> {
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared_length.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map_or(std::time::Duration::from_secs(30), |s| {
            s.config.body_timeout
        });
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| ApiError::bad_request("body", "read", e.to_string()))?;
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| ApiError::RequestTimeout {
            seconds: timeout.as_secs(),
        })?
}

/// The media type of the request without parameters, lower-cased (`application/json`).
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

pub fn parse_json_bytes(body: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "body",
            "json_syntax",
            format!("the body is not valid JSON: {e}"),
        )
    })
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let body = read_body(&req, payload).await?;
            if !media_type(&req).is_some_and(|m| is_json(&m)) {
                return Err(ApiError::UnsupportedMediaType {
                    expected: "application/json",
                });
            }
            parse_json_bytes(&body).map(JsonBody)
        })
    }
}

/// A request body's rules beyond field shapes (check digits, consistency between fields),
/// checked after the shapes so that every broken rule is reported in one response.
pub trait BodyRules {
    fn rule_violations(&self, _rules: RuleContext) -> Vec<RuleViolation> {
        Vec::new()
    }
}

impl JsonBody {
    /// Deserializes into `T` (whose unknown fields are refused) and runs its validation rules,
    /// reporting every invalid field at once.
    pub fn parse<T: DeserializeOwned + Validate + BodyRules + utoipa::PartialSchema>(
        &self,
        rules: RuleContext,
    ) -> Result<T, ApiError> {
        let masked = masked_personal_data(&self.0);
        if !masked.is_empty() {
            return Err(ApiError::Validation(masked));
        }
        if !self.0.is_object() {
            return self.parse_fields(rules);
        }
        let value: T = from_json_value_or_every_violation(self.0.clone())?;
        check_rules(value, rules)
    }

    /// [`JsonBody::parse`] without the masked-value check: a merged patch holds stored values.
    fn parse_fields<T: DeserializeOwned + Validate + BodyRules>(
        &self,
        rules: RuleContext,
    ) -> Result<T, ApiError> {
        // A struct would also read from an array of its fields; bodies are objects.
        if !self.0.is_object() {
            return Err(ApiError::bad_request(
                "body",
                "type",
                "must be a JSON object",
            ));
        }
        let value: T = from_json_value(self.0.clone())?;
        check_rules(value, rules)
    }
}

/// A deserialized body's field rules and cross-field rules, every violation reported at once.
fn check_rules<T: Validate + BodyRules>(value: T, rules: RuleContext) -> Result<T, ApiError> {
    let mut errors = match value.validate() {
        Ok(()) => Vec::new(),
        Err(e) => validation_errors(&e),
    };
    errors.extend(
        value
            .rule_violations(rules)
            .into_iter()
            .map(|v| FieldError::new(v.field, v.code, v.message)),
    );
    if errors.is_empty() {
        return Ok(value);
    }
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    Err(ApiError::Validation(errors))
}

/// JSON Schema counts `3.0` as the integer 3; so does the API.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                *value = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// A representation as JSON, for [`apply_merge_patch`]'s `read`.
pub fn as_read(value: &impl Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Personal-data fields of a new record's body holding the mask character (422 `masked_value`).
fn masked_personal_data(body: &serde_json::Value) -> Vec<FieldError> {
    body.as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| {
            pii::is_personal(key) && value.as_str().is_some_and(|v| v.contains(pii::MASK))
        })
        .map(|(key, _)| FieldError::new(key, pii::MaskedValue::CODE, pii::MaskedValue::MESSAGE))
        .collect()
}

/// Applies a JSON merge patch (RFC 7396) to a resource. `read` is the resource as a GET shows it
/// (personal data unmasked), `writable` its current writable fields, `expected` the version the
/// change is based on (a stale one is 412 once the change is otherwise valid). A form sends back the whole
/// object it read, so the patch is first settled against what it read (see
/// [`settle_read_back`]). `P`, the documented patch type, then checks the patch itself (unknown
/// fields are refused even where merging would drop them); `F` checks the merged result with
/// every rule.
pub fn apply_merge_patch<P, F>(
    read: &impl Serialize,
    writable: &impl Serialize,
    expected: i32,
    patch: serde_json::Value,
    rules: RuleContext,
) -> Result<F, ApiError>
where
    P: DeserializeOwned + utoipa::PartialSchema,
    F: DeserializeOwned + Validate + BodyRules,
{
    if !patch.is_object() {
        return Err(ApiError::bad_request(
            "body",
            "type",
            "a merge patch must be a JSON object",
        ));
    }
    let read = serde_json::to_value(read).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut merged =
        serde_json::to_value(writable).map_err(|e| ApiError::Internal(e.to_string()))?;
    // The patch's own shape first (fields it may not have: 400; wrong types: 422), leaving out
    // the read-only fields a form sends back, which are settled below.
    let mut patch = patch;
    let sent_version = patch
        .as_object_mut()
        .and_then(|fields| fields.remove("version"));
    let mut shape: serde_json::Map<String, serde_json::Value> = patch
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| merged.get(key.as_str()).is_some() || read.get(key.as_str()).is_none())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if let Some(version) = &sent_version {
        shape.insert("version".into(), version.clone());
    }
    from_json_value_or_every_violation::<P>(serde_json::Value::Object(shape))?;
    // A stale copy is 412, but only once the change is otherwise valid (a schema-violating body
    // is refused as such): its read-only fields then differ because the resource moved on.
    let stale = read
        .get("version")
        .and_then(serde_json::Value::as_i64)
        .filter(|current| {
            let differs = |version: i64| version != *current;
            differs(i64::from(expected))
                || sent_version
                    .as_ref()
                    .and_then(serde_json::Value::as_i64)
                    .is_some_and(differs)
        });
    let precondition = |current: i64| ApiError::PreconditionFailed {
        current_version: i32::try_from(current).unwrap_or(i32::MAX),
    };
    let patch = match (settle_read_back(patch, &read, &merged), stale) {
        (Ok(patch), _) => patch,
        (Err(_), Some(current)) => return Err(precondition(current)),
        (Err(refused), None) => return Err(refused),
    };
    // serde reads `null` as "absent" for an optional field; the contract may not allow it. The
    // settled patch (masked and read-only values sent back are gone) is held to its schema.
    let schema = serde_json::to_value(P::schema()).unwrap_or_default();
    let violations = super::schema_check::violations(&schema, &patch);
    if !violations.is_empty() {
        return Err(ApiError::Validation(violations));
    }
    json_patch::merge(&mut merged, &patch);
    let fields = JsonBody(merged).parse_fields(rules)?;
    match stale {
        Some(current) => Err(precondition(current)),
        None => Ok(fields),
    }
}

/// A patch as a form sends it, settled against the resource it read: a read-only field (in the
/// representation, not writable) holding its current value is dropped, a different value is 422
/// `read_only`; a personal-data field holding the masked form of its stored value is dropped
/// (unchanged), other text with the mask character is 422 `masked_value`. Every such field is
/// named at once.
pub fn settle_read_back(
    mut patch: serde_json::Value,
    read: &serde_json::Value,
    writable: &serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let serde_json::Value::Object(fields) = &mut patch else {
        return Ok(patch);
    };
    let mut errors = Vec::new();
    fields.retain(|key, sent| match writable.get(key) {
        Some(stored) => match sent {
            serde_json::Value::String(text) if pii::is_personal(key) => {
                match pii::read_back(key, text, stored.as_str()) {
                    Ok(unchanged) => !unchanged,
                    Err(pii::MaskedValue) => {
                        errors.push(FieldError::new(
                            key,
                            pii::MaskedValue::CODE,
                            pii::MaskedValue::MESSAGE,
                        ));
                        true
                    }
                }
            }
            _ => true,
        },
        None => match read.get(key) {
            Some(current) if current == sent => false,
            Some(_) => {
                errors.push(FieldError::new(
                    key,
                    "read_only",
                    "is set by the server: send it as read (it is then ignored) or leave it out",
                ));
                true
            }
            None => true,
        },
    });
    match errors.is_empty() {
        true => Ok(patch),
        false => {
            errors.sort_by(|a, b| a.field.cmp(&b.field));
            Err(ApiError::Validation(errors))
        }
    }
}

/// [`from_json_value`], but when well-formed JSON does not fit `T`, a 422 naming every violation
/// of `T`'s schema in the contract (see [`super::schema_check`]), with the fields `T` does not
/// have; serde's 400 stands only when the schema finds nothing else.
pub fn from_json_value_or_every_violation<T: DeserializeOwned + utoipa::PartialSchema>(
    value: serde_json::Value,
) -> Result<T, ApiError> {
    match from_json_value::<T>(value.clone()) {
        Err(ApiError::BadRequest { errors, detail }) => {
            let schema = serde_json::to_value(T::schema()).unwrap_or_default();
            let mut found = super::schema_check::violations(&schema, &value);
            if found.is_empty() {
                return Err(ApiError::BadRequest { errors, detail });
            }
            found.extend(errors.into_iter().filter(|e| e.code == "unknown_field"));
            found.sort_by(|a, b| a.field.cmp(&b.field));
            Err(ApiError::Validation(found))
        }
        other => other,
    }
}

/// Deserializes a JSON value, naming the field at fault when it does not fit `T`. Text with
/// control characters is refused first (422 naming every such field), whatever `T` is.
pub fn from_json_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    let mut refused = Vec::new();
    control_characters(&value, "", &mut refused);
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    integral_floats_to_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let (field, code) = classify_serde_message(&path, &message);
        ApiError::bad_request(&field, code, message)
    })
}

/// Every string in `value` (at its field path) holding a control character.
fn control_characters(value: &serde_json::Value, path: &str, out: &mut Vec<FieldError>) {
    match value {
        serde_json::Value::String(text) if text::has_control_character(text) => {
            let field = if path.is_empty() { "body" } else { path };
            out.push(FieldError::new(
                field,
                text::CONTROL_CHARACTER,
                text::CONTROL_CHARACTER_MESSAGE,
            ));
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                control_characters(item, &field, out);
            }
        }
        _ => {}
    }
}

/// serde's messages name missing and unknown fields in backticks; others are at `path`.
fn classify_serde_message(path: &str, message: &str) -> (String, &'static str) {
    let quoted = || message.split('`').nth(1).unwrap_or(path).to_owned();
    let at = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else {
            format!("{path}.{name}")
        }
    };
    if message.starts_with("missing field") {
        (at(quoted()), "required")
    } else if message.starts_with("unknown field") {
        let name = quoted();
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            at(name)
        };
        (field, "unknown_field")
    } else if message.starts_with("unknown variant") {
        (path.to_owned(), "enum")
    } else if message.starts_with("duplicate field") {
        (at(quoted()), "duplicate")
    } else {
        let field = if path == "." || path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        };
        (field, "type")
    }
}

/// Turns validator's nested errors into a flat list of field errors.
pub fn validation_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect_validation_errors(errors, "", &mut out);
    out
}

fn collect_validation_errors(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| describe_rule(e));
                    out.push(FieldError::new(name.clone(), &e.code, message));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_validation_errors(inner, &name, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect_validation_errors(inner, &format!("{name}[{index}]"), out);
                }
            }
        }
    }
}

fn describe_rule(e: &validator::ValidationError) -> String {
    let param = |k: &str| e.params.get(k).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "length is out of range".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".into(),
        },
        code => format!("breaks the rule {code}"),
    }
}

/// The page parameters every list accepts.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page; opaque.
    #[param(pattern = "^[A-Za-z0-9_-]{21}[AQgw]$")]
    pub cursor: Option<String>,
    /// Also return `total`, the number of matching rows.
    #[param(default = false)]
    pub include_total: Option<bool>,
    /// Include archived rows.
    #[param(default = false)]
    pub include_archived: Option<bool>,
    /// Only rows changed at or after this time (RFC 3339): how a mirror re-reads what changed
    /// (archived rows too, with `include_archived=true`).
    #[param(example = "2026-12-01T00:00:00Z")]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

const PAGE_KEYS: [&str; 5] = [
    "limit",
    "cursor",
    "include_total",
    "include_archived",
    "updated_since",
];

impl PageParams {
    fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(
                "limit",
                "range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::bad_request("cursor", "cursor", "is not a cursor returned by this list")
            })?),
        };
        Ok(PageRequest {
            limit,
            after,
            include_total: self.include_total.unwrap_or(false),
            include_archived: self.include_archived.unwrap_or(false),
            updated_since: self.updated_since,
        })
    }
}

/// The filters of a list that has none of its own: it takes the page parameters only.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NoFilter {}

/// A list's query string: the page parameters plus the resource's filters `F`. Any other
/// parameter is a 400.
pub struct ListQuery<F> {
    pub page: PageRequest,
    pub filter: F,
}

/// Deserializes query parameters into `T` (unknown ones refused) and checks its rules; every
/// failure is a 400 naming the parameter.
fn from_query_pairs<T: DeserializeOwned + Validate>(
    pairs: &[(String, String)],
) -> Result<T, ApiError> {
    let refused: Vec<FieldError> = pairs
        .iter()
        .filter(|(_, v)| text::has_control_character(v))
        .map(|(k, _)| FieldError::new(k, text::CONTROL_CHARACTER, text::CONTROL_CHARACTER_MESSAGE))
        .collect();
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let (field, code) = classify_serde_message(&path, &message);
        let code = if code == "unknown_field" {
            "unknown_parameter"
        } else {
            code
        };
        ApiError::bad_request(&field, code, message)
    })?;
    value.validate().map_err(|e| {
        let errors = validation_errors(&e);
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::BadRequest { detail, errors }
    })?;
    Ok(value)
}

/// The query's parameters, but an export's `format` (which [`super::export`] reads).
fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    let export = super::export::is_export(req);
    form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, _)| !(export && k == super::export::PARAMETER))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl<F: DeserializeOwned + Validate> ListQuery<F> {
    pub fn from_query_string(query: &str) -> Result<Self, ApiError> {
        Self::from_pairs(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, ApiError> {
        let (page_pairs, filter_pairs): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(k, _)| PAGE_KEYS.contains(&k.as_str()));
        let page: PageParams = from_query_pairs(&page_pairs)?;
        let filter: F = from_query_pairs(&filter_pairs)?;
        Ok(ListQuery {
            page: page.to_request()?,
            filter,
        })
    }
}

impl<F: DeserializeOwned + Validate> FromRequest for ListQuery<F> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_pairs(query_pairs(req)))
    }
}

/// The query of a read of one resource.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadParams {
    /// Also return the resource if it is archived (otherwise an archived resource is a 404).
    #[param(default = false)]
    pub include_archived: Option<bool>,
}

/// A query string deserialized into `T`, whose unknown parameters are refused (400 naming them).
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(from_query_pairs(&query_pairs(req)).map(QueryParams))
    }
}

/// The query string of an operation that takes no parameters: any parameter is a 400.
pub struct NoQuery;

impl FromRequest for NoQuery {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let unknown = query_pairs(req).into_iter().next();
        ready(match unknown {
            None => Ok(NoQuery),
            Some((name, _)) => Err(ApiError::bad_request(
                &name,
                "unknown_parameter",
                "this operation takes no query parameters",
            )),
        })
    }
}

/// The version named by an `If-Match` header (`"3"`); `None` for `*` or no header. An operation
/// that takes it is 428 without the header (unless `LIANGXIN_REQUIRE_IF_MATCH=false`): see
/// [`Authorized`], which checks that after the caller's permission.
pub struct IfMatch(pub Option<i32>);

/// Parses an entity tag of ours: `"<version>"`, optionally weak (`W/"3"`). A bare version
/// (`3`), which some clients send, is read the same way.
pub fn parse_etag(value: &str) -> Option<i32> {
    let value = value.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    let value = match value.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => value,
    };
    if value.is_empty() || value.len() > 9 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

const ETAG_PATTERN: &str = r#"((W/)?"[0-9]{1,9}"|[0-9]{1,9})"#;

/// An optional request header, as the contract shows it.
fn header_parameter(name: &str, description: &str, pattern: String) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern)),
        ))
        .build()
}

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut parameter = header_parameter(
            "If-Match",
            "The ETag last read (`\"3\"`); the request is refused with 412 if the resource changed \
             since. Required (428 without it) unless the server runs with \
             `LIANGXIN_REQUIRE_IF_MATCH=false`; `*` changes whatever version is current.",
            format!("^(\\*|{ETAG_PATTERN})$"),
        );
        parameter.required = Required::True;
        vec![parameter]
    }
}

/// Documents `If-None-Match` on reads; `respond::representation` reads it.
pub struct IfNoneMatch;

impl IntoParams for IfNoneMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        // No pattern: a value naming no current tag is not an error, it just does not match.
        vec![
            ParameterBuilder::new()
                .name("If-None-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "ETags already held (`\"3\"`, `W/\"3\"`, a list, or `*`); when one is current the \
                     answer is 304 with no body.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        ]
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => match v.to_str().ok().map(str::trim) {
                Some("*") => Ok(IfMatch(None)),
                Some(text) => parse_etag(text).map(|v| IfMatch(Some(v))).ok_or_else(|| {
                    ApiError::bad_request(
                        "If-Match",
                        "etag",
                        "must be an ETag of this resource, such as \"3\"",
                    )
                }),
                None => Err(ApiError::bad_request(
                    "If-Match",
                    "etag",
                    "is not valid text",
                )),
            },
        };
        ready(result)
    }
}

/// The `Idempotency-Key` header of a creating request, if one was sent.
pub struct IdempotencyKey(pub Option<String>);

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_parameter(
            "Idempotency-Key",
            "Makes the request safe to retry: the key commits with the write, so the same key and body \
             within 24 hours replay the first response (`Idempotent-Replayed: true`), also after a \
             crash or a restart; a retry while the first is running waits for it; another body with \
             the same key is a 422.",
            "^[!-~]{1,255}$".to_owned(),
        )]
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = match req.headers().get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(key)
                    if (1..=255).contains(&key.len())
                        && key.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(key.to_owned())))
                }
                _ => Err(ApiError::bad_request(
                    "Idempotency-Key",
                    "format",
                    "must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        ready(result)
    }
}

/// Takes `version` out of a merge patch: it is a precondition, not a change.
pub fn split_version(
    mut patch: serde_json::Value,
) -> Result<(serde_json::Value, Option<i32>), ApiError> {
    let serde_json::Value::Object(map) = &mut patch else {
        return Err(ApiError::bad_request(
            "body",
            "type",
            "a merge patch must be a JSON object",
        ));
    };
    let version = match map.remove("version") {
        None => None,
        Some(v) => match from_json_value::<i32>(v) {
            Ok(version) if version >= 1 => Some(version),
            _ => {
                return Err(ApiError::bad_request(
                    "version",
                    "type",
                    "must be the integer version last read (1 or more)",
                ));
            }
        },
    };
    Ok((patch, version))
}

/// 400 for every top-level field of `body` that `parsed` does not have. For request types whose
/// schema must stay open for the contract (tagged unions, flattened structs): they serialize
/// every field they read, so a field missing after the round trip was not theirs.
pub fn refuse_unknown_fields(
    body: &serde_json::Value,
    parsed: &impl Serialize,
) -> Result<(), ApiError> {
    let known = serde_json::to_value(parsed).map_err(|e| ApiError::Internal(e.to_string()))?;
    let unknown: Vec<FieldError> = body
        .as_object()
        .into_iter()
        .flat_map(|fields| fields.keys())
        .filter(|key| known.get(key.as_str()).is_none())
        .map(|key| {
            FieldError::new(
                key.as_str(),
                "unknown_field",
                "is not a field of this request",
            )
        })
        .collect();
    match unknown.is_empty() {
        true => Ok(()),
        false => Err(ApiError::BadRequest {
            detail: format!("{}: is not a field of this request", unknown[0].field),
            errors: unknown,
        }),
    }
}

/// 422 `read_only` for each field of a merge patch that changes only elsewhere and whose value
/// differs from the one `read` has (the same value sent back is ignored): `fields` pairs each
/// with the operation that changes it.
pub fn refuse_read_only(
    patch: &serde_json::Value,
    read: &impl Serialize,
    fields: &[(&str, &str)],
) -> Result<(), ApiError> {
    let read = serde_json::to_value(read).map_err(|e| ApiError::Internal(e.to_string()))?;
    let errors: Vec<FieldError> = fields
        .iter()
        .filter(|(field, _)| {
            patch
                .get(field)
                .is_some_and(|sent| read.get(field) != Some(sent))
        })
        .map(|(field, place)| {
            FieldError::new(*field, "read_only", format!("changes only through {place}"))
        })
        .collect();
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Validation(errors)),
    }
}

/// The region prefix a filter or scope value stands for: 400 when it is not shaped like a
/// region code, 422 when no such division exists.
pub fn region_filter(divisions: &Divisions, field: &str, code: &str) -> Result<String, ApiError> {
    divisions.region_prefix(code).map_err(|e| match e {
        RegionLookupError::Format => ApiError::bad_request(
            field,
            "format",
            "must be a region code of 2, 4, 6 or 9 digits",
        ),
        RegionLookupError::Unknown => ApiError::invalid(
            field,
            "unknown_region",
            format!("{code} is not in the administrative division table"),
        ),
    })
}

/// The caller of a secured operation, allowed the permission its contract declares (the
/// `security` of its `#[utoipa::path]`, looked up by method and route in the
/// [`RouteTable`](super::RouteTable)): who they are, and what that permission reaches. 401
/// without a valid token, 403 without the permission; an operation that declares none refuses
/// everyone (500), so a forgotten declaration cannot let a caller through.
pub struct Authorized {
    pub principal: Principal,
    pub access: Access,
}

impl FromRequest for Authorized {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let pattern = req.match_pattern().unwrap_or_default();
        let permission = req
            .app_data::<web::Data<super::RouteTable>>()
            .and_then(|routes| routes.permission(req.method().as_str(), &pattern))
            .ok_or_else(|| {
                let route = format!("{} {pattern}", req.method());
                ApiError::Internal(format!("{route} declares no permission in the contract"))
            });
        // An operation that takes `If-Match` (the contract says which) refuses a change without
        // it, once the caller is known to be allowed (403 before 428).
        let unconditional = req.headers().get(header::IF_MATCH).is_none()
            && req
                .app_data::<web::Data<AppState>>()
                .is_some_and(|state| state.config.require_if_match)
            && req
                .app_data::<web::Data<super::RouteTable>>()
                .is_some_and(|routes| {
                    let method = req.method().as_str();
                    // A literal path routed to a template (`/members/export` to `/members/{id}`)
                    // is a 405, not a 428.
                    routes.takes_if_match(method, &pattern)
                        && routes
                            .allowed_methods(req.path())
                            .is_some_and(|allowed| allowed.iter().any(|m| m == method))
                });
        let principal = Principal::from_request(req, payload);
        Box::pin(async move {
            let principal = principal.await?;
            let access = principal.require(permission?)?;
            if unconditional {
                return Err(ApiError::PreconditionRequired);
            }
            Ok(Authorized { principal, access })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        kind: Option<String>,
    }

    #[test]
    fn page_and_filter_parameters_are_split_and_unknown_ones_refused() {
        let q =
            ListQuery::<Filter>::from_query_string("limit=5&kind=x&include_total=true").unwrap();
        assert_eq!(q.page.limit, 5);
        assert!(q.page.include_total);
        assert_eq!(q.filter.kind.as_deref(), Some("x"));
        match ListQuery::<Filter>::from_query_string("colour=red") {
            Err(ApiError::BadRequest { errors, .. }) => {
                assert_eq!(
                    (errors[0].field.as_str(), errors[0].code.as_str()),
                    ("colour", "unknown_parameter")
                )
            }
            _ => panic!("unknown parameter accepted"),
        }
        match ListQuery::<Filter>::from_query_string("limit=abc") {
            Err(ApiError::BadRequest { errors, .. }) => assert_eq!(errors[0].field, "limit"),
            _ => panic!("bad limit accepted"),
        }
    }

    #[test]
    fn etags_parse_strong_and_weak() {
        assert_eq!(parse_etag("\"3\""), Some(3));
        assert_eq!(parse_etag("W/\"12\""), Some(12));
        assert_eq!(parse_etag("3"), Some(3));
        assert_eq!(parse_etag("\"3"), None);
        assert_eq!(parse_etag("\"+3\""), None);
        assert_eq!(parse_etag("9999999999"), None);
    }
}
