//! `/api/v1/meeting-schedules`: recurring meetings that plan meetings ahead.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, QueryParams, ReadParams, apply_merge_patch, refuse_read_only,
    refuse_unknown_fields, split_version,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::meeting::MeetingKind;
use crate::error::{ApiError, Problem};
use crate::service::schedules::{self as service, Materialized, ScheduleFields};
use crate::state::AppState;

const TAG: &str = "meetings";

fn shanghai() -> String {
    "Asia/Shanghai".into()
}

/// What a schedule says; a merge patch changes any of it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct ScheduleDetails {
    /// Only for group meetings.
    #[serde(default)]
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// An RFC 5545 RRULE (subset): FREQ=MONTHLY|YEARLY with INTERVAL, BYMONTHDAY, BYDAY (with an
    /// ordinal such as `1MO`, `-1FR`), BYMONTH, COUNT, UNTIL.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "FREQ=MONTHLY;BYDAY=1MO")]
    pub recurrence: String,
    /// The day the recurrence counts from.
    pub starts_on: NaiveDate,
    /// Local time of day, `HH:MM` (or `HH:MM:SS`).
    #[schema(value_type = String, example = "19:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
    pub time_of_day: NaiveTime,
    #[validate(range(min = 1, max = 1440))]
    #[schema(minimum = 1, maximum = 1440)]
    pub duration_minutes: i32,
    /// An IANA timezone; Asia/Shanghai by default.
    #[serde(default = "shanghai")]
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub timezone: String,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub location: Option<String>,
}

impl BodyRules for ScheduleDetails {}

impl From<ScheduleDetails> for ScheduleFields {
    fn from(d: ScheduleDetails) -> Self {
        ScheduleFields {
            party_group_id: d.party_group_id,
            kind: d.kind,
            title: d.title,
            recurrence: d.recurrence,
            starts_on: d.starts_on,
            time_of_day: d.time_of_day,
            duration_minutes: d.duration_minutes,
            timezone: d.timezone,
            location: d.location,
        }
    }
}

/// A schedule to create.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "kind": "theme_party_day",
    "title": "主题党日",
    "recurrence": "FREQ=MONTHLY;BYDAY=1MO",
    "starts_on": "2026-12-01",
    "time_of_day": "19:00",
    "duration_minutes": 120,
    "location": "党员活动室"
}))]
pub struct ScheduleInput {
    pub party_organization_id: Uuid,
    #[serde(flatten)]
    #[validate(nested)]
    pub details: ScheduleDetails,
}

impl BodyRules for ScheduleInput {}

/// Planned meetings made, moved and cancelled by the last change, and the occurrences it did not
/// plan because they were already past (a schedule starting in the past plans only the future;
/// record past meetings by hand).
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterializedCounts {
    pub planned: u32,
    pub moved: u32,
    pub cancelled: u32,
    pub skipped_past: Vec<chrono::NaiveDate>,
}

impl From<Materialized> for MaterializedCounts {
    fn from(m: Materialized) -> Self {
        MaterializedCounts {
            planned: m.planned,
            moved: m.moved,
            cancelled: m.cancelled,
            skipped_past: m.skipped_past,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingSchedule {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    #[serde(flatten)]
    pub details: ScheduleDetails,
    /// What this write did to the planned meetings (only on writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub materialized: Option<MaterializedCounts>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl MeetingSchedule {
    fn from_model(m: entity::meeting_schedule::Model) -> Result<Self, ApiError> {
        let corrupt = |f: &str| ApiError::Internal(format!("schedule {} has an unknown {f}", m.id));
        Ok(MeetingSchedule {
            details: ScheduleDetails {
                party_group_id: m.party_group_id,
                kind: m.kind,
                title: m.title,
                recurrence: m.recurrence,
                starts_on: m.starts_on,
                time_of_day: NaiveTime::parse_from_str(&m.time_of_day, "%H:%M")
                    .map_err(|_| corrupt("time_of_day"))?,
                duration_minutes: m.duration_minutes,
                timezone: m.timezone,
                location: m.location,
            },
            id: m.id,
            party_organization_id: m.party_organization_id,
            materialized: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        })
    }
}

pub type MeetingSchedulePage = ListPage<MeetingSchedule>;
impl Listed for MeetingSchedule {}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScheduleListFilter {
    pub party_organization_id: Option<Uuid>,
}

fn horizon(state: &AppState) -> NaiveDate {
    crate::domain::calendar::add_months(state.today(), state.config.schedule_horizon_months)
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/meeting-schedules/{id}")
}

/// List meeting schedules
///
/// Schedules of recurring meetings within your scope, a page at a time.
#[utoipa::path(
    operation_id = "listMeetingSchedules",
    tag = TAG,
    security(("oauth2" = ["meetings:read"])),
    params(PageParams, ScheduleListFilter),
    responses((status = 200, description = "A page of schedules.", body = MeetingSchedulePage)),
)]
#[get("/meeting-schedules")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<ScheduleListFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(
        &state.db,
        &access,
        query.filter.party_organization_id,
        &query.page,
    )
    .await?;
    Ok(list_page(page.try_map(MeetingSchedule::from_model)?))
}

/// Create a meeting schedule
///
/// Plans a meeting for each occurrence from now up to the horizon (12 months by default),
/// at the local time in the schedule's timezone.
#[utoipa::path(
    operation_id = "createMeetingSchedule",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(IdempotencyKey),
    request_body(content = ScheduleInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, with the meetings it planned.", body = MeetingSchedule,
         headers(("Location" = String, description = "The new schedule's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/meeting-schedules")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: ScheduleInput = body.parse(state.rules())?;
    refuse_unknown_fields(&body.0, &input)?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let (model, done) = service::create(
            txn,
            &caller,
            input.party_organization_id,
            input.details.into(),
            horizon(&state),
        )
        .await?;
        let mut schedule = MeetingSchedule::from_model(model)?;
        schedule.materialized = Some(done.into());
        Created::new(location(schedule.id), &schedule)
    })
    .await
}

/// Get a meeting schedule
///
/// The schedule with its recurrence rule, and how many meetings it has planned.
#[utoipa::path(
    operation_id = "getMeetingSchedule",
    tag = TAG,
    security(("oauth2" = ["meetings:read"])),
    params(("id" = Uuid, Path, description = "The schedule's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The schedule.", body = MeetingSchedule, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/meeting-schedules/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let schedule = MeetingSchedule::from_model(
        service::get(
            &state.db,
            &access,
            *id,
            query.0.include_archived.unwrap_or(false),
        )
        .await?,
    )?;
    Ok(representation(&req, &etag(schedule.version), &schedule))
}

/// This schedule as `GET /meeting-schedules/{id}` shows it (archived too): the event feed's
/// representation.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&MeetingSchedule::from_model(
            service::get(&state.db, access, id, true).await?,
        )?)
    })
}

/// A merge patch of a schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"time_of_day": "18:30"}))]
pub struct SchedulePatch {
    party_group_id: Option<Uuid>,
    #[schema(nullable = false)]
    kind: Option<MeetingKind>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    recurrence: Option<String>,
    #[schema(nullable = false)]
    starts_on: Option<NaiveDate>,
    #[schema(nullable = false, value_type = Option<String>, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$")]
    time_of_day: Option<NaiveTime>,
    #[schema(nullable = false, minimum = 1, maximum = 1440)]
    duration_minutes: Option<i32>,
    #[schema(nullable = false, min_length = 1, max_length = 64)]
    timezone: Option<String>,
    #[schema(max_length = 200)]
    location: Option<String>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// Change a meeting schedule
///
/// Future planned meetings follow the change (moved, planned or cancelled); held meetings stay
/// as they were. Sending an empty patch plans ahead again up to the horizon.
#[utoipa::path(
    operation_id = "updateMeetingSchedule",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The schedule's id."), IfMatch),
    request_body(content = SchedulePatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed, with what it did to the planned meetings.", body = MeetingSchedule, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The schedule is archived.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/meeting-schedules/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let current =
        MeetingSchedule::from_model(service::get(&state.db, &caller.access, *id, true).await?)?;
    let (patch, body_version) = split_version(body.0)?;
    refuse_read_only(
        &patch,
        &current,
        &[(
            "party_organization_id",
            "creating a schedule for that organization",
        )],
    )?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let details: ScheduleDetails = apply_merge_patch::<SchedulePatch, _>(
        &current,
        &current.details,
        expected,
        patch,
        state.rules(),
    )?;
    let (model, done) = service::update(
        &state.db,
        &caller,
        *id,
        expected,
        details.into(),
        horizon(&state),
    )
    .await?;
    let mut schedule = MeetingSchedule::from_model(model)?;
    schedule.materialized = Some(done.into());
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(schedule.version)))
        .json(schedule))
}

/// Archive a meeting schedule
///
/// Its future planned meetings are cancelled; held ones stay.
#[utoipa::path(
    operation_id = "archiveMeetingSchedule",
    tag = TAG,
    security(("oauth2" = ["meetings:write"])),
    params(("id" = Uuid, Path, description = "The schedule's id."), IfMatch),
    responses((status = 204, description = "Archived.")),
)]
#[delete("/meeting-schedules/{id}")]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    service::archive(&state.db, &caller, *id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
