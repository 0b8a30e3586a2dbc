//! `/api/v1/instructors`: party-building instructors and the trainings they attended.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, QueryParams, ReadParams, apply_merge_patch, as_read, region_filter, split_version,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::{Permission, Principal};
use crate::domain::instructor::{InstructorStatus, SourceUnitType};
use crate::domain::member::is_phone_number;
use crate::domain::{RuleContext, RuleViolation, pii};
use crate::error::ApiError;
use crate::service::instructors::{
    self as service, InstructorFields, InstructorFilter, TrainingFields,
};
use crate::state::AppState;

const TAG: &str = "instructors";

/// The writable fields of an instructor.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "陈立",
    "source_unit_type": "government_agency",
    "source_unit": "鼓楼区市场监督管理局",
    "region_code": "350102",
    "phone": "13900135678",
    "expertise": "企业党建、劳动关系",
    "status": "active",
    "is_full_party_member": true,
    "user_id": null
}))]
pub struct InstructorInput {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub source_unit_type: SourceUnitType,
    /// The agency, institution or enterprise the instructor comes from.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub source_unit: String,
    /// The region whose pool the instructor belongs to: a division code of any level.
    #[schema(
        pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$",
        example = "350102"
    )]
    pub region_code: String,
    #[schema(max_length = 20, pattern = "^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})$")]
    #[serde(default)]
    pub phone: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub expertise: Option<String>,
    #[serde(default = "active")]
    pub status: InstructorStatus,
    /// Only full party members are assigned to organizations.
    pub is_full_party_member: bool,
    /// The instructor's user account (with an `instructor` role naming this record).
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

fn active() -> InstructorStatus {
    InstructorStatus::Active
}

impl BodyRules for InstructorInput {
    fn rule_violations(&self, _rules: RuleContext) -> Vec<RuleViolation> {
        match &self.phone {
            Some(phone) if !is_phone_number(phone) => vec![RuleViolation::new(
                "phone",
                "format",
                "must be a mobile number (13812345678) or a landline with its area code (0591-87654321)",
            )],
            _ => Vec::new(),
        }
    }
}

impl From<InstructorInput> for InstructorFields {
    fn from(i: InstructorInput) -> Self {
        InstructorFields {
            name: i.name,
            source_unit_type: i.source_unit_type,
            source_unit: i.source_unit,
            region_code: i.region_code,
            phone: i.phone,
            expertise: i.expertise,
            status: i.status,
            is_full_party_member: i.is_full_party_member,
            user_id: i.user_id,
        }
    }
}

/// An instructor as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Instructor {
    pub id: Uuid,
    pub name: String,
    pub source_unit_type: SourceUnitType,
    pub source_unit: String,
    pub region_code: String,
    pub region_name: Option<String>,
    /// Personal data: masked (`139****5678`) unless the caller holds `pii:read`.
    pub phone: Option<String>,
    pub expertise: Option<String>,
    pub status: InstructorStatus,
    pub is_full_party_member: bool,
    pub user_id: Option<Uuid>,
    /// Class hours of training this calendar year. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_hours_this_year: Option<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Instructor {
    fn from_model(m: entity::instructor::Model, state: &AppState, principal: &Principal) -> Self {
        let masked = !principal.holds(Permission::PiiRead);
        Instructor {
            source_unit_type: m.source_unit_type,
            status: m.status,
            id: m.id,
            name: m.name,
            source_unit: m.source_unit,
            region_name: state.divisions.full_name(&m.region_code),
            region_code: m.region_code,
            phone: match masked {
                true => m.phone.as_deref().map(pii::mask_phone),
                false => m.phone,
            },
            expertise: m.expertise,
            is_full_party_member: m.is_full_party_member,
            user_id: m.user_id,
            training_hours_this_year: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }

    async fn with_training_hours(mut self, state: &AppState) -> Result<Self, ApiError> {
        let year = state.today().year();
        self.training_hours_this_year =
            Some(service::training_hours(&state.db, self.id, year).await?);
        Ok(self)
    }
}

pub type InstructorPage = ListPage<Instructor>;
impl Listed for Instructor {}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InstructorListFilter {
    pub status: Option<InstructorStatus>,
    pub source_unit_type: Option<SourceUnitType>,
    /// Instructors of pools within this region.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    /// Part of the name.
    #[param(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/instructors/{id}")
}

/// List instructors
///
/// Instructors within your scope, filtered by status, source unit type, region or name, a page at
/// a time.
#[utoipa::path(
    operation_id = "listInstructors",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(PageParams, InstructorListFilter),
    responses(
        (status = 200, description = "A page of instructors.", body = InstructorPage),
        (status = 422, description = "`region_code` is not in the division table.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/instructors")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: ListQuery<InstructorListFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let region_prefix = match &f.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let filter = InstructorFilter {
        status: f.status,
        source_unit_type: f.source_unit_type,
        region_prefix,
        name_contains: f.q,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    let page = page.map(|m| Instructor::from_model(m, &state, &principal));
    Ok(list_page(page))
}

/// Register an instructor
///
/// Registers a party-building instructor with their source unit, region and whether they are a
/// full party member.
#[utoipa::path(
    operation_id = "createInstructor",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(IdempotencyKey),
    request_body(content = InstructorInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered.", body = Instructor,
         headers(("Location" = String, description = "The new instructor's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructors")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: InstructorInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let model = service::create(txn, &state.divisions, &caller, input.into()).await?;
        let instructor = Instructor::from_model(model, &state, &principal)
            .with_training_hours(&state)
            .await?;
        Created::new(location(instructor.id), &instructor)
    })
    .await
}

/// Get an instructor
///
/// With the class hours of training attended this year.
#[utoipa::path(
    operation_id = "getInstructor",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(("id" = Uuid, Path, description = "The instructor's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The instructor.", body = Instructor, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/instructors/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let model = service::get(
        &state.db,
        &access,
        *id,
        query.0.include_archived.unwrap_or(false),
    )
    .await?;
    let instructor = Instructor::from_model(model, &state, &principal)
        .with_training_hours(&state)
        .await?;
    Ok(representation(&req, &etag(instructor.version), &instructor))
}

/// This instructor as `GET /instructors/{id}` shows it (archived too): the event feed's
/// representation.
pub fn render<'a>(
    state: &'a AppState,
    principal: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        let model = service::get(&state.db, access, id, true).await?;
        let instructor = Instructor::from_model(model, state, principal)
            .with_training_hours(state)
            .await?;
        super::rendered(&instructor)
    })
}

/// A merge patch of an instructor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"status": "inactive"}))]
pub struct InstructorPatch {
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(nullable = false)]
    source_unit_type: Option<SourceUnitType>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    source_unit: Option<String>,
    #[schema(nullable = false, pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$")]
    region_code: Option<String>,
    #[schema(max_length = 20, pattern = "^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})$")]
    phone: Option<String>,
    #[schema(max_length = 500)]
    expertise: Option<String>,
    #[schema(nullable = false)]
    status: Option<InstructorStatus>,
    #[schema(nullable = false)]
    is_full_party_member: Option<bool>,
    user_id: Option<Uuid>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// Change an instructor
///
/// A JSON merge patch. An inactive instructor, or one who is not a full party member, keeps the
/// assignments they hold but cannot be given new ones.
#[utoipa::path(
    operation_id = "updateInstructor",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(("id" = Uuid, Path, description = "The instructor's id."), IfMatch),
    request_body(content = InstructorPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Instructor, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The instructor is archived.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/instructors/{id}")]
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
    let current = service::get(&state.db, &caller.access, *id, true).await?;
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(
        &Instructor::from_model(current.clone(), &state, &principal)
            .with_training_hours(&state)
            .await?,
    )?;
    let base = InstructorInput {
        name: current.name,
        source_unit_type: current.source_unit_type,
        source_unit: current.source_unit,
        region_code: current.region_code,
        phone: current.phone,
        expertise: current.expertise,
        status: current.status,
        is_full_party_member: current.is_full_party_member,
        user_id: current.user_id,
    };
    let input: InstructorInput =
        apply_merge_patch::<InstructorPatch, _>(&read, &base, expected, patch, state.rules())?;
    let model = service::update(
        &state.db,
        &state.divisions,
        &caller,
        *id,
        expected,
        input.into(),
    )
    .await?;
    let instructor = Instructor::from_model(model, &state, &principal)
        .with_training_hours(&state)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(instructor.version)))
        .json(instructor))
}

/// Archive an instructor
///
/// Only without an active assignment (409 `has_active_assignment`).
#[utoipa::path(
    operation_id = "archiveInstructor",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(("id" = Uuid, Path, description = "The instructor's id."), IfMatch),
    responses(
        (status = 204, description = "Archived."),
        (status = 409, description = "The instructor still holds an active assignment.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/instructors/{id}")]
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

/// A training attended.
#[derive(Clone, Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "非公企业党建工作专题培训", "held_on": "2026-09-15", "hours": 8, "organizer": "福州市委组织部"}))]
pub struct TrainingInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub held_on: NaiveDate,
    /// Class hours.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub hours: i32,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub organizer: Option<String>,
}

impl BodyRules for TrainingInput {}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingRecord {
    pub id: Uuid,
    pub instructor_id: Uuid,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: i32,
    pub organizer: Option<String>,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::instructor_training::Model> for TrainingRecord {
    fn from(t: entity::instructor_training::Model) -> Self {
        TrainingRecord {
            id: t.id,
            instructor_id: t.instructor_id,
            title: t.title,
            held_on: t.held_on,
            hours: t.hours,
            organizer: t.organizer,
            recorded_by: t.recorded_by,
            recorded_at: t.created_at,
        }
    }
}

/// An instructor's trainings, latest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingList {
    pub items: Vec<TrainingRecord>,
}

/// List an instructor's trainings
///
/// The instructor's training records, newest first.
#[utoipa::path(
    operation_id = "listInstructorTrainings",
    tag = TAG,
    security(("oauth2" = ["instructors:read"])),
    params(("id" = Uuid, Path, description = "The instructor's id.")),
    responses((status = 200, description = "The trainings, latest first (at most 500).", body = TrainingList)),
)]
#[get("/instructors/{id}/trainings")]
pub async fn trainings(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let items = service::trainings(&state.db, &access, *id).await?;
    Ok(HttpResponse::Ok().json(TrainingList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Record a training
///
/// Records a training the instructor attended, with its hours (counted in the instructor's
/// training hours).
#[utoipa::path(
    operation_id = "addInstructorTraining",
    tag = TAG,
    security(("oauth2" = ["instructors:write"])),
    params(("id" = Uuid, Path, description = "The instructor's id."), IdempotencyKey),
    request_body(content = TrainingInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = TrainingRecord,
         headers(("Location" = String, description = "The instructor's trainings."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/instructors/{id}/trainings")]
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
    let input: TrainingInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let fields = TrainingFields {
            title: input.title,
            held_on: input.held_on,
            hours: input.hours,
            organizer: input.organizer,
        };
        let record = service::add_training(txn, &caller, *id, fields, state.today()).await?;
        Created::new(
            format!("{}/trainings", location(*id)),
            &TrainingRecord::from(record),
        )
    })
    .await
}
