//! `/api/v1/party-organizations/{id}/work-systems`: the written work systems a party
//! organization has adopted; `/api/v1/reports/work-systems`: what the registers lack.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
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
use crate::auth::Principal;
use crate::domain::work_system::{Gaps, WorkSystemKind};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::work_systems::{self as service, WorkSystemFields};
use crate::state::AppState;

const TAG: &str = "party-organizations";

/// A written work system in force (or repealed: `archived_at`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e71", "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "kind": "fund_management", "title": "党建工作经费管理办法", "adopted_on": "2025-03-01", "document_ref": "云帆党支〔2025〕2号",
    "review_due_on": "2027-03-01", "created_at": "2026-11-28T03:30:00Z", "updated_at": "2026-11-28T03:30:00Z", "version": 1, "archived_at": null}))]
pub struct WorkSystem {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub kind: WorkSystemKind,
    pub title: String,
    pub adopted_on: NaiveDate,
    pub document_ref: Option<String>,
    /// When it is due for review; past it, its kind counts as `review_overdue` (unless another
    /// system of the kind is current).
    pub review_due_on: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::work_system::Model> for WorkSystem {
    fn from(m: entity::work_system::Model) -> Self {
        WorkSystem {
            id: m.id,
            party_organization_id: m.party_organization_id,
            kind: m.kind,
            title: m.title,
            adopted_on: m.adopted_on,
            document_ref: m.document_ref,
            review_due_on: m.review_due_on,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

pub type WorkSystemPage = ListPage<WorkSystem>;
impl Listed for WorkSystem {}

/// A system to register, or a system's fields after a merge patch.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "fund_management", "title": "党建工作经费管理办法", "adopted_on": "2025-03-01",
    "document_ref": "云帆党支〔2025〕2号", "review_due_on": "2027-03-01"}))]
pub struct WorkSystemInput {
    pub kind: WorkSystemKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub adopted_on: NaiveDate,
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub document_ref: Option<String>,
    /// After `adopted_on`.
    #[serde(default)]
    pub review_due_on: Option<NaiveDate>,
}

impl BodyRules for WorkSystemInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        match self.review_due_on {
            Some(due) if due <= self.adopted_on => vec![RuleViolation::new(
                "review_due_on",
                "order",
                "a review falls after the system was adopted",
            )],
            _ => Vec::new(),
        }
    }
}

impl From<WorkSystemInput> for WorkSystemFields {
    fn from(input: WorkSystemInput) -> Self {
        WorkSystemFields {
            kind: input.kind,
            title: input.title,
            adopted_on: input.adopted_on,
            document_ref: input.document_ref,
            review_due_on: input.review_due_on,
        }
    }
}

/// A merge patch of a system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"review_due_on": "2028-03-01"}))]
pub struct WorkSystemPatch {
    #[schema(nullable = false)]
    kind: Option<WorkSystemKind>,
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(nullable = false)]
    adopted_on: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 200)]
    document_ref: Option<String>,
    review_due_on: Option<NaiveDate>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkSystemFilter {
    pub kind: Option<WorkSystemKind>,
}

/// What a party organization's register lacks: standard kinds with no system in force, and kinds
/// whose systems are all past their review date.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"in_force": 7, "missing": ["employee_invites_member", "face_to_face"], "review_overdue": ["fund_management"]}))]
pub struct WorkSystemGaps {
    /// Systems in force (any kind).
    pub in_force: usize,
    pub missing: Vec<WorkSystemKind>,
    pub review_overdue: Vec<WorkSystemKind>,
}

impl WorkSystemGaps {
    pub fn new(in_force: usize, gaps: Gaps) -> Self {
        WorkSystemGaps {
            in_force,
            missing: gaps.missing,
            review_overdue: gaps.review_overdue,
        }
    }
}

fn location(party_organization_id: Uuid, id: Uuid) -> String {
    format!("{BASE_PATH}/party-organizations/{party_organization_id}/work-systems/{id}")
}

/// The feed's representation of a work system.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&WorkSystem::from(
            service::get_by_id(&state.db, access, id).await?,
        ))
    })
}

/// List a party organization's work systems
///
/// The systems in force (with `include_archived`, repealed ones too). The party organization's
/// single read says which standard kinds are missing or past review.
#[utoipa::path(operation_id = "listWorkSystems", tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), PageParams, WorkSystemFilter),
    responses((status = 200, description = "A page of systems.", body = WorkSystemPage)))]
#[get("/party-organizations/{id}/work-systems")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<WorkSystemFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.db, &access, *id, query.filter.kind, &query.page).await?;
    Ok(list_page(page.map(WorkSystem::from)))
}

/// Register an adopted work system
///
/// A written system the party organization has adopted, with its document and review date.
#[utoipa::path(operation_id = "createWorkSystem", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), IdempotencyKey),
    request_body(content = WorkSystemInput, content_type = "application/json"),
    responses((status = 201, description = "Registered.", body = WorkSystem,
        headers(("Location" = String, description = "The system's URL."), ("ETag" = String, description = "Its version.")))))]
#[post("/party-organizations/{id}/work-systems")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: WorkSystemInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let system = WorkSystem::from(service::create(txn, &caller, *id, input.into()).await?);
        Created::new(location(*id, system.id), &system)
    })
    .await
}

/// Get a work system
///
/// The system, with its review date.
#[utoipa::path(operation_id = "getWorkSystem", tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("system_id" = Uuid, Path, description = "The system's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The system.", body = WorkSystem, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/party-organizations/{id}/work-systems/{system_id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let (id, system_id) = *path;
    let include_archived = query.0.include_archived.unwrap_or(false);
    let system =
        WorkSystem::from(service::get(&state.db, &access, id, system_id, include_archived).await?);
    Ok(representation(&req, &etag(system.version), &system))
}

/// Change a work system
///
/// A JSON merge patch (a new review date after a review, a corrected title).
#[utoipa::path(operation_id = "updateWorkSystem", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("system_id" = Uuid, Path, description = "The system's id."), IfMatch),
    request_body(content = WorkSystemPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Changed.", body = WorkSystem,
        headers(("ETag" = String, description = "The new version.")))))]
#[patch("/party-organizations/{id}/work-systems/{system_id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, system_id) = *path;
    let current =
        WorkSystem::from(service::get(&state.db, &caller.access, id, system_id, false).await?);
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let base = WorkSystemInput {
        kind: current.kind,
        title: current.title,
        adopted_on: current.adopted_on,
        document_ref: current.document_ref,
        review_due_on: current.review_due_on,
    };
    let input: WorkSystemInput =
        apply_merge_patch::<WorkSystemPatch, _>(&read, &base, expected, patch, state.rules())?;
    let system = WorkSystem::from(
        service::update(&state.db, &caller, id, system_id, expected, input.into()).await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(system.version)))
        .json(system))
}

/// Repeal a work system
///
/// Archives it: it no longer counts as in force, and stays readable with `include_archived`.
#[utoipa::path(operation_id = "archiveWorkSystem", tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("system_id" = Uuid, Path, description = "The system's id."), IfMatch),
    responses((status = 204, description = "Repealed.")))]
#[delete("/party-organizations/{id}/work-systems/{system_id}")]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, system_id) = *path;
    service::archive(&state.db, &caller, id, system_id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkSystemReportParams {
    /// Party organizations of this region (any level); all you reach when absent.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
}

/// One party organization's register.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkSystemReportRow {
    pub party_organization_id: Uuid,
    pub name: String,
    pub region_code: String,
    pub region_name: Option<String>,
    #[serde(flatten)]
    pub gaps: WorkSystemGaps,
}

/// The registers of the party organizations in a region.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"region_code": "3501", "region_name": "福建省 / 福州市", "party_organizations": 1, "complete": 0,
    "items": [{"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "name": "福州云帆科技有限公司党支部",
        "region_code": "350102", "region_name": "福建省 / 福州市 / 鼓楼区", "in_force": 7,
        "missing": ["employee_invites_member", "face_to_face"], "review_overdue": []}]}))]
pub struct WorkSystemReport {
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub party_organizations: usize,
    /// Party organizations with every standard kind in force and none past review.
    pub complete: usize,
    pub items: Vec<WorkSystemReportRow>,
}

async fn report_of(
    state: &AppState,
    access: &crate::auth::Access,
    params: WorkSystemReportParams,
) -> Result<WorkSystemReport, ApiError> {
    let prefix = match &params.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let rows = service::report(&state.db, access, prefix.as_deref(), state.today()).await?;
    let items: Vec<WorkSystemReportRow> = rows
        .into_iter()
        .map(|row| WorkSystemReportRow {
            party_organization_id: row.party_organization.id,
            region_name: state
                .divisions
                .full_name(&row.party_organization.region_code),
            name: row.party_organization.name,
            region_code: row.party_organization.region_code,
            gaps: WorkSystemGaps::new(row.in_force, row.gaps),
        })
        .collect();
    let complete = items
        .iter()
        .filter(|r| r.gaps.missing.is_empty() && r.gaps.review_overdue.is_empty())
        .count();
    let region_name = prefix.as_deref().and_then(|p| {
        state
            .divisions
            .full_name(&crate::domain::region::full_code(p))
    });
    Ok(WorkSystemReport {
        region_code: params.region_code,
        region_name,
        party_organizations: items.len(),
        complete,
        items,
    })
}

/// Report on adopted work systems
///
/// For each party organization you reach (in a region), how many systems are in force, which
/// standard kinds are missing, and which are past review; with the count that lack nothing.
#[utoipa::path(operation_id = "getWorkSystemReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(WorkSystemReportParams),
    responses(
        (status = 200, description = "The report.", body = WorkSystemReport),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/work-systems")]
pub async fn report(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<WorkSystemReportParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(report_of(&state, &access, query.0).await?))
}

/// Export the work-systems report as CSV or Excel
///
/// The same rows as CSV (UTF-8; kinds joined with `;`).
#[utoipa::path(operation_id = "exportWorkSystemReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(WorkSystemReportParams, super::export::FormatParam),
    responses(
        (status = 200, description = "The report, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/work-systems/export")]
pub async fn report_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<WorkSystemReportParams>,
) -> Result<HttpResponse, ApiError> {
    let registers = report_of(&state, &access, query.0).await?;
    let kinds = |kinds: &[WorkSystemKind]| -> String {
        kinds
            .iter()
            .filter_map(|k| serde_json::to_value(k).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "party_organization_id",
            "name",
            "region_code",
            "region_name",
            "in_force",
            "missing",
            "review_overdue",
        ])
        .map_err(fail)?;
    for row in &registers.items {
        writer
            .write_record([
                row.party_organization_id.to_string(),
                crate::domain::text::defuse_formula(&row.name),
                row.region_code.clone(),
                row.region_name.clone().unwrap_or_default(),
                row.gaps.in_force.to_string(),
                kinds(&row.gaps.missing),
                kinds(&row.gaps.review_overdue),
            ])
            .map_err(fail)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    super::export::report(&req, "work-systems", body).await
}
