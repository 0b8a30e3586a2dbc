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
    /// The rule, machine-readable (`check_digit`, `required`, `unknown_field`, `range`, …): one of
    /// the codes the contract's description lists under "Error codes".
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

/// A kind of problem: its `type` is `/problems/{slug}` on the deployment, which explains it.
pub struct ProblemType {
    pub slug: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub title_zh: &'static str,
    /// What it means and what to do, in English and in Chinese.
    pub about: &'static str,
    pub about_zh: &'static str,
}

/// Every kind of problem the API answers with.
pub const PROBLEM_TYPES: &[ProblemType] = &[
    ProblemType {
        slug: "bad-request",
        title: "The request is malformed",
        status: 400,
        title_zh: "请求格式错误",
        about: "A query parameter, header or body could not be read (JSON that does not parse, a field the resource does not have, a malformed id). `errors` names each.",
        about_zh: "查询参数、请求头或请求体无法读取（JSON 无法解析、资源没有的字段、格式错误的 ID）。`errors` 逐项列出。",
    },
    ProblemType {
        slug: "unauthorized",
        title: "Authentication is required",
        status: 401,
        title_zh: "需要身份认证",
        about: "No bearer token, or an invalid or expired one. Get a token at /api/v1/auth/token.",
        about_zh: "缺少访问令牌，或令牌无效、已过期。请在 /api/v1/auth/token 获取令牌。",
    },
    ProblemType {
        slug: "forbidden",
        title: "The operation is not allowed",
        status: 403,
        title_zh: "无权执行此操作",
        about: "Your roles (or your client's scopes) do not allow this operation.",
        about_zh: "您的角色（或客户端的授权范围）不允许此操作。",
    },
    ProblemType {
        slug: "not-found",
        title: "No such resource",
        status: 404,
        title_zh: "资源不存在",
        about: "The resource does not exist, or it is outside your scope.",
        about_zh: "资源不存在，或不在您的管辖范围内。",
    },
    ProblemType {
        slug: "method-not-allowed",
        title: "Method not allowed",
        status: 405,
        title_zh: "不支持该请求方法",
        about: "The path exists, but not with this method; `Allow` lists those it has.",
        about_zh: "路径存在，但不支持该方法；`Allow` 响应头列出可用的方法。",
    },
    ProblemType {
        slug: "request-timeout",
        title: "The request body came too slowly",
        status: 408,
        title_zh: "请求体传输超时",
        about: "The body did not arrive within LIANGXIN_BODY_TIMEOUT_SECS.",
        about_zh: "请求体未在规定时间（LIANGXIN_BODY_TIMEOUT_SECS）内送达。",
    },
    ProblemType {
        slug: "conflict",
        title: "The request conflicts with the current state",
        status: 409,
        title_zh: "与当前状态冲突",
        about: "The request conflicts with the current state: a duplicate, an archived record, or a rule about state changes. `code` names the rule.",
        about_zh: "请求与当前状态冲突：重复登记、记录已归档，或违反状态变更规则。`code` 给出规则代码。",
    },
    ProblemType {
        slug: "gone",
        title: "No longer kept",
        status: 410,
        title_zh: "已不再保留",
        about: "What was asked for is no longer kept (events past their retention).",
        about_zh: "所请求的内容已不再保留（超过保留期的事件）。",
    },
    ProblemType {
        slug: "precondition-failed",
        title: "The resource has changed",
        status: 412,
        title_zh: "资源已被修改",
        about: "If-Match names an older version: someone changed the resource since you read it. Read it again (the current ETag is in the answer) and redo your change.",
        about_zh: "If-Match 给出的是旧版本：您读取之后有人修改了该资源。请重新读取（响应中带有当前 ETag）后再修改。",
    },
    ProblemType {
        slug: "payload-too-large",
        title: "The request body is too large",
        status: 413,
        title_zh: "请求体过大",
        about: "The body is larger than the limit (1 MiB for JSON).",
        about_zh: "请求体超过上限（JSON 为 1 MiB）。",
    },
    ProblemType {
        slug: "unsupported-media-type",
        title: "Unsupported content type",
        status: 415,
        title_zh: "不支持的内容类型",
        about: "The body is not in a content type this operation takes.",
        about_zh: "请求体的内容类型不被此操作支持。",
    },
    ProblemType {
        slug: "validation",
        title: "The request is well-formed but invalid",
        status: 422,
        title_zh: "请求内容不符合规则",
        about: "The body is well-formed but breaks its schema or a rule. `errors` lists every field at fault at once, each with a machine-readable `code`: required, type, enum, format, range, length, unknown_field, masked_value, read_only, control_character, check_digit and the domain rules' own codes.",
        about_zh: "请求格式正确，但不符合字段定义或业务规则。`errors` 一次列出所有有问题的字段，每项带有可供程序识别的 `code`：required、type、enum、format、range、length、unknown_field、masked_value、read_only、control_character、check_digit 以及各业务规则的代码。",
    },
    ProblemType {
        slug: "idempotency-key-reused",
        title: "Idempotency-Key reused with a different body",
        status: 422,
        title_zh: "幂等键已用于其他请求",
        about: "This Idempotency-Key was used with a different request body; use a new key.",
        about_zh: "该 Idempotency-Key 已用于内容不同的请求；请换用新的键。",
    },
    ProblemType {
        slug: "precondition-required",
        title: "If-Match is required",
        status: 428,
        title_zh: "缺少 If-Match",
        about: "A change (PATCH, DELETE) needs If-Match with the ETag you last read, so that a change made meanwhile by someone else is not overwritten; If-Match: * changes whatever version is current.",
        about_zh: "修改（PATCH、DELETE）必须带上您最后读取到的 ETag 作为 If-Match，以免覆盖他人在此期间的修改；If-Match: * 表示修改当前任意版本。",
    },
    ProblemType {
        slug: "too-many-requests",
        title: "Too many requests",
        status: 429,
        title_zh: "请求过于频繁",
        about: "Too many requests from this caller; wait Retry-After seconds.",
        about_zh: "该调用方请求过于频繁；请等待 Retry-After 秒后重试。",
    },
    ProblemType {
        slug: "internal",
        title: "Internal server error",
        status: 500,
        title_zh: "服务器内部错误",
        about: "A fault of ours. Quote the request id when reporting it.",
        about_zh: "服务器内部错误。报告问题时请提供 request_id。",
    },
    ProblemType {
        slug: "unavailable",
        title: "Service unavailable",
        status: 503,
        title_zh: "服务暂不可用",
        about: "The database does not answer. Nothing was changed; retry after Retry-After seconds.",
        about_zh: "数据库无响应，未做任何修改；请在 Retry-After 秒后重试。",
    },
    ProblemType {
        slug: "busy",
        title: "The server is busy",
        status: 503,
        title_zh: "服务器繁忙",
        about: "The server is at one of its bounds (password checks, imports). Nothing was changed; retry after Retry-After seconds.",
        about_zh: "服务器已达到某项上限（密码校验、导入）。未做任何修改；请在 Retry-After 秒后重试。",
    },
];

/// The problem type of a slug.
pub fn problem_type(slug: &str) -> Option<&'static ProblemType> {
    PROBLEM_TYPES.iter().find(|p| p.slug == slug)
}

/// The Chinese message of a field error: for the codes every resource shares, with the
/// specifics (allowed values, bounds) as the English message gives them; for a rule's code, its
/// message in [`crate::error_codes`].
fn message_zh(error: &FieldError) -> String {
    let generic = match error.code.as_str() {
        "required" => "必填",
        "type" => "类型不正确",
        "enum" => "不是允许的取值",
        "format" => "格式不正确",
        "range" => "超出允许范围",
        "length" => "长度不符合要求",
        "unknown_field" => "不是此请求的字段",
        "unknown_parameter" => "不是此操作的查询参数",
        "masked_value" => "包含脱敏字符 *：请填写真实值，或原样发回读取到的脱敏值以保持不变",
        "read_only" => "为只读字段：请原样发回读取到的值，或省略",
        "control_character" => "不能包含控制字符（只允许制表符、换行符和回车符）",
        "check_digit" => "校验位不正确",
        "json_syntax" => "不是有效的 JSON",
        "charset" => "编码无法识别：请使用 UTF-8，或 GBK/GB18030（charset=gbk）",
        "etag" => "不是有效的 ETag（如 \"3\"）",
        code => {
            return match crate::error_codes::error_code(code) {
                Some(known) => known.message_zh.to_owned(),
                None => format!("不符合规则（{}）：{}", error.code, error.message),
            };
        }
    };
    // The specifics (the allowed values, the bounds) stay as the English message gives them.
    match error.code.as_str() {
        "enum" | "range" | "length" | "format" | "type" => format!("{generic}：{}", error.message),
        _ => generic.to_owned(),
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "The request is well-formed but invalid",
    "status": 422,
    "detail": "1 field is invalid",
    "instance": "/api/v1/organizations",
    "request_id": "01936f0e-8b8a-7c61-9d55-8a1c2b3e4f50",
    "errors": [{"field": "uscc", "code": "check_digit", "message": "the check character should be 3"}]
}))]
pub struct Problem {
    /// The kind of problem, a URI reference relative to the deployment: `GET` it for what it
    /// means (HTML for browsers, JSON otherwise).
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

    /// The problem type's slug and its English title (from [`PROBLEM_TYPES`]).
    fn slug_and_title(&self) -> (&'static str, &'static str) {
        let slug = match self {
            ApiError::BadRequest { .. } => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not-found",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PreconditionFailed { .. } => "precondition-failed",
            ApiError::PreconditionRequired => "precondition-required",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::RequestTimeout { .. } => "request-timeout",
            ApiError::UnsupportedMediaType { .. } => "unsupported-media-type",
            ApiError::Validation(_) => "validation",
            ApiError::IdempotencyMismatch => "idempotency-key-reused",
            ApiError::Gone(_) => "gone",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Busy { .. } => "busy",
            ApiError::Internal(_) => "internal",
        };
        (slug, problem_type(slug).map_or("Error", |kind| kind.title))
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
        let zh = context.chinese.then(|| problem_type(slug)).flatten();
        let mut errors = self.errors();
        if context.chinese {
            for error in &mut errors {
                error.message = message_zh(error);
            }
        }
        let detail = match (zh, self) {
            (Some(_), ApiError::Validation(_) | ApiError::BadRequest { .. }) => {
                match errors.as_slice() {
                    [one] => format!("{}：{}", one.field, one.message),
                    many => format!("{} 个字段有误", many.len()),
                }
            }
            (Some(kind), ApiError::Conflict { code, detail }) => {
                match crate::error_codes::error_code(code) {
                    Some(known) => format!("{}：{}", kind.title_zh, known.message_zh),
                    None => format!("{}（{code}）：{detail}", kind.title_zh),
                }
            }
            (Some(kind), _) => kind.about_zh.to_owned(),
            (None, _) => self.detail(),
        };
        let problem = Problem {
            // Relative to the deployment, which serves it (`/problems/{slug}`).
            problem_type: format!("/problems/{slug}"),
            title: zh.map_or(title, |kind| kind.title_zh).into(),
            status: status.as_u16(),
            detail,
            instance: context.path,
            request_id: context.request_id,
            code: match self {
                ApiError::Conflict { code, .. } => Some((*code).to_owned()),
                _ => None,
            },
            errors,
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
