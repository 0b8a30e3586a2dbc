//! `/api/v1/party-workers`: the people who do party work in a party organization, and their
//! trainings; the current secretary, deputies and committee members form its committee.
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, apply_merge_patch, as_read, split_version,
};
use super::respond::{
    Acted, Created, ListPage, Listed, act_idempotently, create_idempotently, list_page,
    representation,
};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::party_worker::{
    self as rules, Employment, GivenBy, PartyWorkerPosition, Portfolio,
};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::party_workers::{self as service, Appointment, TrainingFields, WorkerFilter};
use crate::state::AppState;

const TAG: &str = "party-organizations";

/// A party worker's appointment (党务工作者): current while `ended_on` is null.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8ea1", "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "position": "committee_member", "portfolio": "organization",
    "employment": "part_time", "appointed_on": "2025-01-10", "ended_on": null, "on_committee": true,
    "created_at": "2025-01-10T03:30:00Z", "updated_at": "2025-01-10T03:30:00Z", "version": 1}))]
pub struct PartyWorker {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub member_id: Uuid,
    pub position: PartyWorkerPosition,
    /// A committee member's portfolio.
    pub portfolio: Option<Portfolio>,
    pub employment: Employment,
    pub appointed_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Whether the position is a committee seat (secretary, deputy secretary, committee member).
    pub on_committee: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl From<entity::party_worker::Model> for PartyWorker {
    fn from(m: entity::party_worker::Model) -> Self {
        PartyWorker {
            on_committee: rules::on_committee(m.position),
            id: m.id,
            party_organization_id: m.party_organization_id,
            member_id: m.member_id,
            position: m.position,
            portfolio: m.portfolio,
            employment: m.employment,
            appointed_on: m.appointed_on,
            ended_on: m.ended_on,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

pub type PartyWorkerPage = ListPage<PartyWorker>;
impl Listed for PartyWorker {}

/// An appointment to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "position": "committee_member", "portfolio": "organization", "employment": "part_time", "appointed_on": "2025-01-10"}))]
pub struct PartyWorkerInput {
    pub party_organization_id: Uuid,
    /// An active full member whose relation the party organization holds.
    pub member_id: Uuid,
    /// One current `secretary` per party organization (409 `secretary_taken`); appointing one
    /// sets the party organization's `secretary_member_id`.
    pub position: PartyWorkerPosition,
    /// Required of a `committee_member`, not allowed otherwise.
    #[serde(default)]
    pub portfolio: Option<Portfolio>,
    pub employment: Employment,
    pub appointed_on: NaiveDate,
}

impl BodyRules for PartyWorkerInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        rules::check_portfolio(self.position, self.portfolio)
            .into_iter()
            .collect()
    }
}

/// A correction of an appointment (a different position is a new appointment).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
struct PartyWorkerFields {
    portfolio: Option<Portfolio>,
    employment: Employment,
    appointed_on: NaiveDate,
}

impl BodyRules for PartyWorkerFields {}

/// A merge patch of an appointment: its portfolio, employment or start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"employment": "full_time"}))]
pub struct PartyWorkerPatch {
    portfolio: Option<Portfolio>,
    #[schema(nullable = false)]
    employment: Option<Employment>,
    #[schema(nullable = false)]
    appointed_on: Option<NaiveDate>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// The end of an appointment.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ended_on": "2026-11-30"}))]
pub struct PartyWorkerEndInput {
    /// On or after `appointed_on`, not in the future; today when absent.
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
}

impl BodyRules for PartyWorkerEndInput {}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartyWorkerFilter {
    pub party_organization_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub position: Option<PartyWorkerPosition>,
    /// `true`: serving now; `false`: ended.
    pub current: Option<bool>,
}

/// A training a party worker attended.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8eb1", "held_on": "2026-04-20", "hours": 16,
    "title": "基层党务工作者示范培训班", "given_by": "experts", "created_at": "2026-04-22T03:30:00Z"}))]
pub struct PartyWorkerTraining {
    pub id: Uuid,
    pub held_on: NaiveDate,
    /// Class hours.
    pub hours: i32,
    pub title: String,
    pub given_by: GivenBy,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::party_worker_training::Model> for PartyWorkerTraining {
    fn from(m: entity::party_worker_training::Model) -> Self {
        PartyWorkerTraining {
            id: m.id,
            held_on: m.held_on,
            hours: m.hours,
            title: m.title,
            given_by: m.given_by,
            created_at: m.created_at,
        }
    }
}

/// A training to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2026-04-20", "hours": 16, "title": "基层党务工作者示范培训班", "given_by": "experts"}))]
pub struct PartyWorkerTrainingInput {
    pub held_on: NaiveDate,
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub hours: i32,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub given_by: GivenBy,
}

impl BodyRules for PartyWorkerTrainingInput {}

/// A party worker's trainings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyWorkerTrainingList {
    /// Oldest first.
    pub items: Vec<PartyWorkerTraining>,
    pub total_hours: i64,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/party-workers/{id}")
}

/// The feed's representation of a party worker.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&PartyWorker::from(
            service::get(&state.db, access, id).await?,
        ))
    })
}

/// List party workers
///
/// Appointments in the party organizations you reach, filtered by party organization, member,
/// position and whether they are current.
#[utoipa::path(operation_id = "listPartyWorkers", tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(PageParams, PartyWorkerFilter),
    responses((status = 200, description = "A page of appointments.", body = PartyWorkerPage)))]
#[get("/party-workers")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<PartyWorkerFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = WorkerFilter {
        party_organization_id: f.party_organization_id,
        member_id: f.member_id,
        position: f.position,
        current: f.current,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(PartyWorker::from)))
}

/// Appoint a party worker
///
/// A secretary, deputy secretary or committee member (the committee), or a liaison, organizer
/// or other party worker. Appointing a secretary sets the party organization's
/// `secretary_member_id`.
#[utoipa::path(operation_id = "createPartyWorker", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(IdempotencyKey),
    request_body(content = PartyWorkerInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Appointed.", body = PartyWorker,
         headers(("Location" = String, description = "The appointment's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "`secretary_taken`, `already_serving`, or `not_full_member`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/party-workers")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: PartyWorkerInput = body.parse(state.rules())?;
    let appointment = Appointment {
        party_organization_id: input.party_organization_id,
        member_id: input.member_id,
        position: input.position,
        portfolio: input.portfolio,
        employment: input.employment,
        appointed_on: input.appointed_on,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let worker = PartyWorker::from(service::appoint(txn, &caller, appointment, true).await?);
        Created::new(location(worker.id), &worker)
    })
    .await
}

/// Get a party worker
///
/// The appointment.
#[utoipa::path(operation_id = "getPartyWorker", tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The appointment's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The appointment.", body = PartyWorker, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/party-workers/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let worker = PartyWorker::from(service::get(&state.db, &access, *id).await?);
    Ok(representation(&req, &etag(worker.version), &worker))
}

/// Correct a party worker's appointment
///
/// A JSON merge patch of `portfolio`, `employment` or `appointed_on`.
#[utoipa::path(operation_id = "updatePartyWorker", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The appointment's id."), IfMatch),
    request_body(content = PartyWorkerPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Corrected.", body = PartyWorker,
        headers(("ETag" = String, description = "The new version.")))))]
#[patch("/party-workers/{id}")]
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
    let current = PartyWorker::from(service::get(&state.db, &caller.access, *id).await?);
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let base = PartyWorkerFields {
        portfolio: current.portfolio,
        employment: current.employment,
        appointed_on: current.appointed_on,
    };
    let input: PartyWorkerFields =
        apply_merge_patch::<PartyWorkerPatch, _>(&read, &base, expected, patch, state.rules())?;
    let worker = PartyWorker::from(
        service::update(
            &state.db,
            &caller,
            *id,
            expected,
            input.portfolio,
            input.employment,
            input.appointed_on,
        )
        .await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(worker.version)))
        .json(worker))
}

/// End a party worker's appointment
///
/// The position ends on `ended_on`; ending the secretary clears the party organization's
/// `secretary_member_id`.
#[utoipa::path(operation_id = "endPartyWorker", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The appointment's id."), IdempotencyKey),
    request_body(content = PartyWorkerEndInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Ended.", body = PartyWorker),
        (status = 409, description = "`already_ended`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/party-workers/{id}/end")]
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
    let input: PartyWorkerEndInput = body.parse(state.rules())?;
    let ended_on = input.ended_on.unwrap_or_else(|| state.today());
    if ended_on > state.today() {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            "ended_on",
            "future_date",
            "an appointment is ended once it has ended",
        )]));
    }
    act_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let ended = service::end(txn, &caller, *id, ended_on, true).await?;
        Acted::new(&PartyWorker::from(ended))
    })
    .await
}

/// List a party worker's trainings
///
/// Oldest first, with the total class hours.
#[utoipa::path(operation_id = "listPartyWorkerTrainings", tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The appointment's id.")),
    responses((status = 200, description = "The trainings.", body = PartyWorkerTrainingList)))]
#[get("/party-workers/{id}/trainings")]
pub async fn trainings(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<PartyWorkerTraining> = service::trainings(&state.db, &access, *id)
        .await?
        .into_iter()
        .map(PartyWorkerTraining::from)
        .collect();
    let total_hours = items.iter().map(|t| i64::from(t.hours)).sum();
    Ok(HttpResponse::Ok().json(PartyWorkerTrainingList { items, total_hours }))
}

/// Record a party worker's training
///
/// A training attended, given by leaders or experts, with its class hours.
#[utoipa::path(operation_id = "addPartyWorkerTraining", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The appointment's id."), IdempotencyKey),
    request_body(content = PartyWorkerTrainingInput, content_type = "application/json"),
    responses((status = 201, description = "Recorded.", body = PartyWorkerTraining,
        headers(("Location" = String, description = "The trainings' URL.")))))]
#[post("/party-workers/{id}/trainings")]
pub async fn add_training(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: PartyWorkerTrainingInput = body.parse(state.rules())?;
    let fields = TrainingFields {
        held_on: input.held_on,
        hours: input.hours,
        title: input.title,
        given_by: input.given_by,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let training =
            PartyWorkerTraining::from(service::add_training(txn, &caller, *id, fields).await?);
        Created::new(format!("{}/trainings", location(*id)), &training)
    })
    .await
}
