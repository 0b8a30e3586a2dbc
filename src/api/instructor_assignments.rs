//! `/api/v1/instructor-assignments`: instructors assigned to organizations ("one person, one
//! enterprise"), ending and handing over, and the visit logs of each assignment.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfNoneMatch, JsonBody, ListQuery, NoFilter, NoQuery,
    PageParams, region_filter,
};
use super::respond::{
    Acted, Created, ListPage, Listed, act_idempotently, create_idempotently, list_page,
    representation,
};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::instructor::AssignmentStatus;
use crate::error::{ApiError, Problem};
use crate::service::instructors::{self as service, AssignmentFilter, NewAssignment, VisitFields};
use crate::state::AppState;

const TAG: &str = "instructor-assignments";

/// A new assignment.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "instructor_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e61",
    "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "starts_on": "2026-11-01",
    "note": "指导企业筹建党支部"
}))]
pub struct AssignmentInput {
    /// An active instructor who is a full party member.
    pub instructor_id: Uuid,
    pub organization_id: Uuid,
    pub starts_on: NaiveDate,
    /// A planned end; the assignment holds its place until ended.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub note: Option<String>,
}

impl BodyRules for AssignmentInput {}

/// An assignment as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e71",
    "instructor_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e61",
    "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "starts_on": "2026-11-01", "ends_on": null, "status": "active",
    "note": "指导企业筹建党支部", "end_reason": null,
    "created_at": "2026-11-28T03:30:00Z", "updated_at": "2026-11-28T03:30:00Z", "version": 1
}))]
pub struct Assignment {
    pub id: Uuid,
    pub instructor_id: Uuid,
    pub organization_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub status: AssignmentStatus,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl Assignment {
    fn from_model(m: entity::instructor_assignment::Model) -> Self {
        Assignment {
            status: m.status,
            id: m.id,
            instructor_id: m.instructor_id,
            organization_id: m.organization_id,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            note: m.note,
            end_reason: m.end_reason,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

pub type AssignmentPage = ListPage<Assignment>;
impl Listed for Assignment {}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AssignmentListFilter {
    pub instructor_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// Assignments to organizations in this region.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    pub status: Option<AssignmentStatus>,
    /// Assignments whose period includes this day.
    pub active_on: Option<NaiveDate>,
    /// Active assignments with no visit in the last `LIANGXIN_VISIT_OVERDUE_DAYS` days (90 by
    /// default), begun before that.
    pub overdue: Option<bool>,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/instructor-assignments/{id}")
}

/// List assignments
///
/// Assignments within your scope, filtered by instructor, organization, status or overdue visits,
/// a page at a time.
#[utoipa::path(
    operation_id = "listInstructorAssignments",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(PageParams, AssignmentListFilter),
    responses(
        (status = 200, description = "A page of assignments.", body = AssignmentPage),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/instructor-assignments")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<AssignmentListFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let region_prefix = match &f.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let overdue_days = i64::from(state.config.visit_overdue_days);
    let filter = AssignmentFilter {
        instructor_id: f.instructor_id,
        organization_id: f.organization_id,
        region_prefix,
        status: f.status,
        active_on: f.active_on,
        no_visit_since: f
            .overdue
            .unwrap_or(false)
            .then(|| state.today() - Duration::days(overdue_days)),
    };
    let page = service::list_assignments(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(Assignment::from_model)))
}

/// Assign an instructor
///
/// "One person, one enterprise": an organization has at most one active assignment, an
/// instructor at most `LIANGXIN_MAX_ORGS_PER_INSTRUCTOR` (1 by default), periods of one pair do
/// not overlap, and only an active instructor who is a full party member is assigned. Each is a
/// 409 naming the conflicting assignment; the database holds the limits, so of concurrent
/// conflicting requests exactly one succeeds.
#[utoipa::path(
    operation_id = "createInstructorAssignment",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(IdempotencyKey),
    request_body(content = AssignmentInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Assigned.", body = Assignment,
         headers(("Location" = String, description = "The new assignment's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "One person, one enterprise would be broken (`organization_has_instructor`, `instructor_at_capacity`, `period_overlap`, `one_person_one_enterprise`), or the instructor cannot be assigned (`instructor_inactive`, `instructor_not_party_member`).", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructor-assignments")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: AssignmentInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let new = NewAssignment {
            instructor_id: input.instructor_id,
            organization_id: input.organization_id,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            note: input.note,
        };
        let model = service::create_assignment(
            &state.db,
            txn,
            &caller,
            new,
            state.config.max_orgs_per_instructor,
        )
        .await?;
        let assignment = Assignment::from_model(model);
        Created::new(location(assignment.id), &assignment)
    })
    .await
}

/// Get an assignment
///
/// The assignment with its period, status and last visit.
#[utoipa::path(
    operation_id = "getInstructorAssignment",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(("id" = Uuid, Path, description = "The assignment's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The assignment.", body = Assignment, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/instructor-assignments/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let assignment =
        Assignment::from_model(service::get_assignment(&state.db, &access, *id).await?);
    Ok(representation(&req, &etag(assignment.version), &assignment))
}

/// This assignment as `GET /instructor-assignments/{id}` shows it: the event feed's
/// representation.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&Assignment::from_model(
            service::get_assignment(&state.db, access, id).await?,
        ))
    })
}

/// The end of an assignment.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-11-20", "reason": "企业已建立党支部"}))]
pub struct EndInput {
    /// The last day; not before the start, not after today.
    pub date: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
}

impl BodyRules for EndInput {}

/// End an assignment
///
/// Frees the organization and the instructor's place. Ending an ended assignment is a 409.
#[utoipa::path(
    operation_id = "endInstructorAssignment",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(("id" = Uuid, Path, description = "The assignment's id."), IdempotencyKey),
    request_body(content = EndInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Ended.", body = Assignment, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "Already ended.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructor-assignments/{id}/end")]
pub async fn end(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: EndInput = body.parse(state.rules())?;
    let today = state.today();
    act_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let model = service::end_in(txn, &caller, *id, input.date, input.reason, today).await?;
        Acted::new(&Assignment::from_model(model))
    })
    .await
}

/// A hand-over to the next instructor.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-11-20", "reason": "原指导员调任", "next_instructor_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e62"}))]
pub struct HandOverInput {
    /// The day the current assignment ends and the next begins.
    pub date: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
    pub next_instructor_id: Uuid,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub note: Option<String>,
}

impl BodyRules for HandOverInput {}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandOver {
    pub ended: Assignment,
    pub started: Assignment,
}

/// Hand an assignment over
///
/// Ends this assignment on `date` and assigns `next_instructor_id` to the same organization from
/// that day, in one transaction: both happen, or neither.
#[utoipa::path(
    operation_id = "handOverInstructorAssignment",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(("id" = Uuid, Path, description = "The assignment's id."), IdempotencyKey),
    request_body(content = HandOverInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Handed over.", body = HandOver,
         headers(("Location" = String, description = "The new assignment's URL."))),
        (status = 409, description = "Already ended, or the next instructor cannot take it.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructor-assignments/{id}/handover")]
pub async fn hand_over(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: HandOverInput = body.parse(state.rules())?;
    let request = service::HandOverRequest {
        date: input.date,
        reason: input.reason,
        next_instructor: input.next_instructor_id,
        note: input.note,
        today: state.today(),
        max_per_instructor: state.config.max_orgs_per_instructor,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let (ended, started) = service::hand_over(txn, &caller, *id, request).await?;
        let handed = HandOver {
            ended: Assignment::from_model(ended),
            started: Assignment::from_model(started),
        };
        Created::new(location(handed.started.id), &handed)
    })
    .await
}

/// A visit to record.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "visited_on": "2026-11-18", "topic": "指导召开党员大会",
    "findings": "党员教育管理台账不完整", "follow_ups": "两周内补齐台账", "next_visit_on": "2026-12-16"
}))]
pub struct VisitInput {
    /// Within the assignment's period, not after today.
    pub visited_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub topic: String,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub findings: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub follow_ups: Option<String>,
    /// After `visited_on`.
    #[serde(default)]
    pub next_visit_on: Option<NaiveDate>,
}

impl BodyRules for VisitInput {}

#[derive(Debug, Serialize, ToSchema)]
pub struct Visit {
    pub id: Uuid,
    pub assignment_id: Uuid,
    pub visited_on: NaiveDate,
    pub topic: String,
    pub findings: Option<String>,
    pub follow_ups: Option<String>,
    pub next_visit_on: Option<NaiveDate>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl From<entity::instructor_visit::Model> for Visit {
    fn from(v: entity::instructor_visit::Model) -> Self {
        Visit {
            id: v.id,
            assignment_id: v.assignment_id,
            visited_on: v.visited_on,
            topic: v.topic,
            findings: v.findings,
            follow_ups: v.follow_ups,
            next_visit_on: v.next_visit_on,
            recorded_by: v.recorded_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
            version: v.version,
        }
    }
}

pub type VisitPage = ListPage<Visit>;
impl Listed for Visit {}

/// List the visits of an assignment
///
/// The visit log of the assignment, in the order the visits were recorded.
#[utoipa::path(
    operation_id = "listInstructorVisits",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(("id" = Uuid, Path, description = "The assignment's id."), PageParams),
    responses((status = 200, description = "A page of visits, in the order recorded.", body = VisitPage)),
)]
#[get("/instructor-assignments/{id}/visits")]
pub async fn visits(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<NoFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list_visits(&state.db, &access, *id, &query.page).await?;
    Ok(list_page(page.map(Visit::from)))
}

/// Record a visit
///
/// Instructors record their own assignments' visits; organization departments those of their
/// region.
#[utoipa::path(
    operation_id = "recordInstructorVisit",
    tag = TAG,
    security(("oauth2" = ["visits:write"])),
    params(("id" = Uuid, Path, description = "The assignment's id."), IdempotencyKey),
    request_body(content = VisitInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = Visit,
         headers(("Location" = String, description = "The assignment's visits."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructor-assignments/{id}/visits")]
pub async fn record_visit(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: VisitInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let fields = VisitFields {
            visited_on: input.visited_on,
            topic: input.topic,
            findings: input.findings,
            follow_ups: input.follow_ups,
            next_visit_on: input.next_visit_on,
        };
        let visit =
            Visit::from(service::record_visit(txn, &caller, *id, fields, state.today()).await?);
        Created::new(format!("{}/visits", location(*id)), &visit)
    })
    .await
}
