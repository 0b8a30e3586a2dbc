//! Calendar feeds (RFC 5545) of meetings: a party organization's, and a member's own. Calendar
//! apps cannot send bearer tokens, so the feeds take a revocable calendar token in the query,
//! made at `/me/calendar-tokens` and good for nothing else.
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{Authorized, BodyRules, IfNoneMatch, JsonBody, NoQuery, QueryParams};
use super::{BASE_PATH, actor};
use crate::auth::{Permission, Principal, Role};
use crate::domain::meeting::MeetingStatus;
use crate::error::ApiError;
use crate::service::meetings::MeetingFilter;
use crate::service::{calendar as service, meetings, party_organizations};
use crate::state::AppState;

const TAG: &str = "meetings";

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// A calendar token from `POST /api/v1/me/calendar-tokens`.
    #[param(
        min_length = 1,
        max_length = 200,
        example = "Zm9yLWNhbGVuZGFyLWFwcHMtb25seQ"
    )]
    #[validate(length(min = 1, max = 200))]
    pub token: String,
}

/// The meetings as an iCalendar: one event per meeting, its id as UID, its version as SEQUENCE,
/// cancelled meetings as STATUS:CANCELLED.
fn ics(name: &str, meetings: &[entity::meeting::Model]) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", "-//Liangxin//Party organization meetings//ZH"))
        .append_property(("CALSCALE", "GREGORIAN"))
        // Calendar apps that honour it poll hourly: meetings are planned days ahead.
        .ttl(&chrono::Duration::hours(1));
    // The writer does not escape a calendar's NAME: a line break in a party organization's name
    // must not start a line of its own in the feed.
    calendar.name(&name.replace(['\r', '\n'], " "));
    for m in meetings {
        let mut event = Event::new();
        event
            .uid(&format!("{}@liangxin", m.id))
            .summary(&one_kind_of_line_break(&m.title))
            .starts(m.starts_at)
            .ends(m.ends_at)
            .sequence(m.version.max(0) as u32)
            .last_modified(m.updated_at)
            .timestamp(m.updated_at)
            .status(match m.status == MeetingStatus::Cancelled {
                true => EventStatus::Cancelled,
                false => EventStatus::Confirmed,
            });
        if let Some(location) = &m.location {
            event.location(&one_kind_of_line_break(location));
        }
        if let Some(agenda) = &m.agenda {
            event.description(&one_kind_of_line_break(agenda));
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

/// CR LF and a bare CR become LF, which the iCalendar writer escapes as `\n`: a CR must not
/// reach the feed as a line break of its own (RFC 5545 lines end with CR LF).
fn one_kind_of_line_break(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The feed with a strong `ETag` (a digest of its bytes): a calendar app that sends it back in
/// `If-None-Match` gets 304 while nothing changed.
fn calendar_response(req: &HttpRequest, body: String) -> HttpResponse {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body.as_bytes());
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let tag = format!("\"{tag}\"");
    let matches = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == tag || t.trim() == "*")
        });
    if matches {
        return HttpResponse::NotModified()
            .insert_header(("ETag", tag))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("ETag", tag))
        .body(body)
}

/// A party organization's meetings as a calendar
///
/// Every meeting of the organization (planned, held and cancelled), for calendar apps. The
/// token's user must reach the organization with `meetings:read`.
#[utoipa::path(
    operation_id = "getPartyOrganizationCalendar",
    tag = TAG,
    params(("id" = Uuid, Path, description = "The party organization's id."), FeedParams, IfNoneMatch),
    security(("calendar_token" = [])),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545), with an `ETag`.", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Send it back as `If-None-Match`."))),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`."),
        (status = 401, description = "The calendar token is unknown or revoked.", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user may not read meetings.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/party-organizations/{id}/calendar.ics")]
pub async fn organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let principal = service::principal(&state.db, &query.0.token).await?;
    let access = principal.require(Permission::MeetingsRead)?;
    let organization = party_organizations::get(&state.db, &access, *id, false).await?;
    let filter = MeetingFilter {
        party_organization_id: Some(*id),
        ..Default::default()
    };
    let meetings = meetings::feed(&state.db, Some(&access), &filter).await?;
    Ok(calendar_response(
        &req,
        ics(&organization.model.name, &meetings),
    ))
}

/// A member's meetings as a calendar
///
/// The meetings the token's user, as a member (a `member` role), is expected at; an empty
/// calendar for a user with no member record (an administrator, say).
#[utoipa::path(
    operation_id = "getMyCalendar",
    tag = TAG,
    params(FeedParams, IfNoneMatch),
    security(("calendar_token" = [])),
    responses(
        (status = 200, description = "An iCalendar (RFC 5545), with an `ETag`.", content_type = "text/calendar", body = String,
            headers(("ETag" = String, description = "Send it back as `If-None-Match`."))),
        (status = 304, description = "Unchanged since the `ETag` sent in `If-None-Match`."),
        (status = 401, description = "The calendar token is unknown or revoked.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/me/calendar.ics")]
pub async fn mine(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: QueryParams<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let principal = service::principal(&state.db, &query.0.token).await?;
    let member = principal
        .grants
        .iter()
        .find(|g| g.role == Role::Member)
        .and_then(|g| g.member_id);
    let meetings = match member {
        Some(member) => {
            let filter = MeetingFilter {
                member_id: Some(member),
                ..Default::default()
            };
            meetings::feed(&state.db, None, &filter).await?
        }
        None => Vec::new(),
    };
    Ok(calendar_response(&req, ics("我的组织生活", &meetings)))
}

#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"label": "手机日历"}))]
pub struct CalendarTokenInput {
    /// What the token is for, to recognize it when revoking.
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub label: Option<String>,
}

impl BodyRules for CalendarTokenInput {}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarToken {
    pub id: Uuid,
    pub label: Option<String>,
    /// Only in the answer that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The feed of the caller's own meetings, with the token (only in the answer that made it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_calendar_url: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::calendar_token::Model> for CalendarToken {
    fn from(t: entity::calendar_token::Model) -> Self {
        CalendarToken {
            id: t.id,
            label: t.label,
            token: None,
            my_calendar_url: None,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarTokenList {
    pub items: Vec<CalendarToken>,
}

/// The signed-in user (API clients have no calendar).
fn user_of(principal: &Principal) -> Result<Uuid, ApiError> {
    match principal.client {
        Some(_) => Err(ApiError::Forbidden(
            "API clients have no calendar tokens.".into(),
        )),
        None => principal
            .subject
            .parse()
            .map_err(|_| ApiError::Forbidden("Only users have calendar tokens.".into())),
    }
}

/// Make a calendar token
///
/// For a calendar app: the token is shown once, and works only for the `.ics` feeds.
#[utoipa::path(
    operation_id = "createCalendarToken",
    tag = TAG,
    security(("oauth2" = ["me:read"])),
    request_body(content = CalendarTokenInput, content_type = "application/json"),
    responses((status = 201, description = "Made; the token is shown this once.", body = CalendarToken,
        headers(("Location" = String, description = "The caller's calendar tokens.")))),
)]
#[post("/me/calendar-tokens")]
pub async fn create_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&principal)?;
    let input: CalendarTokenInput = body.parse(state.rules())?;
    let (model, token) =
        service::create(&state.db, &actor(&req, &principal), user, input.label).await?;
    let mut created = CalendarToken::from(model);
    // Absolute: it is pasted into a calendar app, which knows nothing of this server.
    let info = req.connection_info();
    created.my_calendar_url = Some(format!(
        "{}://{}{BASE_PATH}/me/calendar.ics?token={token}",
        info.scheme(),
        info.host()
    ));
    created.token = Some(token);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("{BASE_PATH}/me/calendar-tokens")))
        .json(created))
}

/// List your calendar tokens
///
/// Your calendar tokens with their labels, and whether each is revoked.
#[utoipa::path(
    operation_id = "listCalendarTokens",
    tag = TAG,
    security(("oauth2" = ["me:read"])),
    responses((status = 200, description = "The caller's calendar tokens (without the tokens).", body = CalendarTokenList)),
)]
#[get("/me/calendar-tokens")]
pub async fn list_tokens(
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&principal)?;
    let items = service::list(&state.db, user)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(CalendarTokenList { items }))
}

/// Revoke a calendar token
///
/// Feeds asked with it get 401 from now on.
#[utoipa::path(
    operation_id = "revokeCalendarToken",
    tag = TAG,
    security(("oauth2" = ["me:read"])),
    params(("id" = Uuid, Path, description = "The token's id.")),
    responses((status = 204, description = "Revoked.")),
)]
#[delete("/me/calendar-tokens/{id}")]
pub async fn revoke_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&principal)?;
    service::revoke(&state.db, &actor(&req, &principal), user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
