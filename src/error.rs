//! The one error type of the API. Every failure becomes an RFC 9457 `application/problem+json`
//! response here, and only here are HTTP statuses for errors chosen.
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_context;

/// One invalid field of a request: where it is, which rule it broke, and in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, query parameter or header, as the client wrote it (`uscc`, `limit`, `If-Match`).
    #[schema(example = "uscc")]
    pub field: String,
    /// The rule, machine-readable (`check_digit`, `required`, `unknown_field`, `range`, …).
    #[schema(example = "check_digit")]
    pub code: String,
    #[schema(example = "the check character should be 3")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<crate::domain::RuleViolation> for FieldError {
    fn from(v: crate::domain::RuleViolation) -> Self {
        FieldError::new(v.field, v.code, v.message)
    }
}

/// A broken field rule is a 422 naming the field.
impl From<crate::domain::RuleViolation> for ApiError {
    fn from(v: crate::domain::RuleViolation) -> Self {
        ApiError::Validation(vec![v.into()])
    }
}

/// A rule's refusal of a state change is a 409 with the rule's code.
impl From<crate::domain::Refusal> for ApiError {
    fn from(r: crate::domain::Refusal) -> Self {
        ApiError::conflict(r.code, r.detail)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://liangxin.example/problems/validation",
    "title": "The request is well-formed but invalid",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/organizations",
    "request_id": "01936f0e-8b8a-7c61-9d55-8a1c2b3e4f50",
    "errors": [{"field": "uscc", "code": "check_digit", "message": "the check character should be 3"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request path this problem occurred on.
    pub instance: String,
    /// The `X-Request-Id` of the request, to quote when reporting it.
    pub request_id: String,
    /// For a conflict (409): the rule or state at fault, machine-readable (`unique_violation`,
    /// `cycle`, `min_activist_period`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "min_activist_period")]
    pub code: Option<String>,
    /// Every invalid field, when the problem is about the request's content.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed body, query or header.
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no token, or an invalid one.
    Unauthorized(String),
    /// 403: authenticated, but the role does not allow the operation.
    Forbidden(String),
    /// 404: unknown, or outside the caller's scope.
    NotFound,
    /// 405: the path exists but not with this method.
    MethodNotAllowed { allow: Vec<String> },
    /// 409: duplicate, policy, or an illegal state change.
    Conflict { code: &'static str, detail: String },
    /// 412: `If-Match` does not match the current version.
    PreconditionFailed { current_version: i32 },
    /// 428: a change without `If-Match` (`LIANGXIN_REQUIRE_IF_MATCH`).
    PreconditionRequired,
    /// 408: the body did not arrive in time.
    RequestTimeout { seconds: u64 },
    /// 413: body over the limit.
    PayloadTooLarge { limit: usize },
    /// 415: wrong `Content-Type`.
    UnsupportedMediaType { expected: &'static str },
    /// 422: well-formed, but breaks a rule.
    Validation(Vec<FieldError>),
    /// 422: a replayed `Idempotency-Key` with a different body.
    IdempotencyMismatch,
    /// 410: what was asked for is no longer kept (events past their retention).
    Gone(String),
    /// 429: too many requests.
    TooManyRequests { retry_after_secs: u64 },
    /// 503: a dependency (the database) is unreachable.
    Unavailable(String),
    /// 503: the server is at a bound it keeps (concurrent password checks); retry later.
    Busy { retry_after_secs: u64 },
    /// 500: a fault of ours. The text is logged, never sent.
    Internal(String),
}

impl ApiError {
    pub fn bad_request(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::BadRequest {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest { .. } => ("bad-request", "The request is malformed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication is required"),
            ApiError::Forbidden(_) => ("forbidden", "The operation is not allowed"),
            ApiError::NotFound => ("not-found", "No such resource"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict { .. } => {
                ("conflict", "The request conflicts with the current state")
            }
            ApiError::PreconditionFailed { .. } => {
                ("precondition-failed", "The resource has changed")
            }
            ApiError::PreconditionRequired => ("precondition-required", "If-Match is required"),
            ApiError::PayloadTooLarge { .. } => {
                ("payload-too-large", "The request body is too large")
            }
            ApiError::RequestTimeout { .. } => {
                ("request-timeout", "The request body came too slowly")
            }
            ApiError::UnsupportedMediaType { .. } => {
                ("unsupported-media-type", "Unsupported content type")
            }
            ApiError::Validation(_) => ("validation", "The request is well-formed but invalid"),
            ApiError::IdempotencyMismatch => (
                "idempotency-key-reused",
                "Idempotency-Key reused with a different body",
            ),
            ApiError::Gone(_) => ("gone", "No longer kept"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Busy { .. } => ("busy", "The server is busy"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest { detail, .. } => detail.clone(),
            ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::Unavailable(d)
            | ApiError::Gone(d) => d.clone(),
            ApiError::NotFound => "The resource does not exist or is outside your scope.".into(),
            ApiError::MethodNotAllowed { allow } => {
                format!("Allowed methods: {}.", allow.join(", "))
            }
            ApiError::Conflict { code, detail } => format!("{detail} ({code})"),
            ApiError::PreconditionFailed { current_version } => format!(
                "If-Match does not match the current version {current_version}; fetch the resource again."
            ),
            ApiError::PreconditionRequired => "Send the ETag you last read as If-Match, so that a change made meanwhile by someone else is not overwritten (If-Match: * changes whatever version is current).".into(),
            ApiError::PayloadTooLarge { limit } => format!("The body exceeds {limit} bytes."),
            ApiError::RequestTimeout { seconds } => {
                format!("The body did not arrive within {seconds} seconds.")
            }
            ApiError::UnsupportedMediaType { expected } => format!("Send the body as {expected}."),
            ApiError::Validation(errors) => match errors.len() {
                1 => format!("{}: {}", errors[0].field, errors[0].message),
                n => format!("{n} fields are invalid"),
            },
            ApiError::IdempotencyMismatch => {
                "This Idempotency-Key was used with a different request body; use a new key.".into()
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Busy { retry_after_secs } => {
                format!("Try again in {retry_after_secs} seconds.")
            }
            ApiError::Internal(_) => {
                "An unexpected error occurred; quote the request id when reporting it.".into()
            }
        }
    }

    fn errors(&self) -> Vec<FieldError> {
        match self {
            ApiError::BadRequest { errors, .. } | ApiError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.slug_and_title().1, self.detail())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::IdempotencyMismatch => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(%cause, "internal error");
        }
        let status = self.status_code();
        let (slug, title) = self.slug_and_title();
        let context = request_context::current();
        let problem = Problem {
            problem_type: format!("https://liangxin.example/problems/{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.detail(),
            instance: context.path,
            request_id: context.request_id,
            code: match self {
                ApiError::Conflict { code, .. } => Some((*code).to_owned()),
                _ => None,
            },
            errors: self.errors(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"liangxin\""));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Busy { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::PreconditionFailed { current_version } => {
                response.insert_header((header::ETAG, etag(*current_version)));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                ApiError::conflict("unique_violation", unique_violation_message(&detail))
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => ApiError::conflict(
                "reference_violation",
                "A referenced record does not exist or is still referenced.",
            ),
            _ if unreachable(&err) => {
                ApiError::Unavailable("The database does not answer; retry later.".into())
            }
            _ => ApiError::Internal(format!("database: {err}")),
        }
    }
}

/// True when the database could not be reached (no connection, or the connection broke): a
/// 503 the client may retry, not a fault of the server's.
fn unreachable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.as_ref(),
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed
        ),
        _ => false,
    }
}

/// Names the field behind a unique index in words a client understands; the index names are
/// `uq_<table>_<field>[_live]`, and the same text comes from SQLite and PostgreSQL.
fn unique_violation_message(detail: &str) -> String {
    if detail.contains("uscc") {
        "An organization with this uscc is already registered.".into()
    } else if detail.contains("id_number") {
        "A member with this id_number is already registered.".into()
    } else if detail.contains("username") {
        "This username is taken.".into()
    } else {
        "A record with the same unique value already exists.".into()
    }
}

/// The entity tag of a resource version (`"3"`): sent with reads and with a 412, so it is
/// defined here, below the handlers that use it.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}
