//! `/api/v1/organizations`: the register of "two new" organizations.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, QueryParams, ReadParams, apply_merge_patch, as_read, region_filter, split_version,
};
use super::imports::{self, Columns, ImportParams, ImportReport, Target, check_shape};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::{Permission, Principal};
use crate::domain::divisions::Divisions;
use crate::domain::organization::{
    OperatingStatus, OrganizationCategory, OrganizationKind, check_identity,
};
use crate::domain::pii;
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, FieldError, Problem};
use crate::service::audit;
use crate::service::imports::OrganizationImporter;
use crate::service::organizations::{self as service, OrganizationFields, OrganizationFilter};
use crate::service::resource::{Page, PageRequest};
use crate::state::AppState;

const TAG: &str = "organizations";

/// The writable fields of an organization: the body of a create, and what a merge patch
/// changes.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "福州云帆科技有限公司",
    "kind": "new_economic",
    "category": "private_technology",
    "uscc": "91350100M000100Y43",
    "region_code": "350102",
    "address": "福州市鼓楼区软件大道89号",
    "industry": "软件和信息技术服务业",
    "employee_count": 120,
    "legal_representative": "林晓",
    "contact_name": "陈敏",
    "contact_phone": "13800135678",
    "in_survey_scope": true,
    "operating_status": "operating"
}))]
pub struct OrganizationInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: OrganizationKind,
    /// Must belong to `kind`: `social_group` and `private_non_enterprise_unit` are
    /// `new_social`, the others `new_economic`.
    pub category: OrganizationCategory,
    /// Unified Social Credit Code (GB 32100-2015): 18 characters with a valid check character;
    /// its first character must fit the kind (9 for new economic, 5 for new social).
    /// Unique among organizations that are not archived.
    #[schema(
        min_length = 18,
        max_length = 18,
        pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub uscc: String,
    /// Administrative division code (GB/T 2260) of a county (6 digits) or township (9 digits).
    #[schema(pattern = "^([0-9]{6}|[0-9]{9})$", example = "350102")]
    pub region_code: String,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub address: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    #[serde(default)]
    pub industry: Option<String>,
    /// Number of staff.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub employee_count: i32,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub legal_representative: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    #[serde(default)]
    pub contact_name: Option<String>,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Counts in coverage statistics ("三有": fixed premises, at least 10 staff — 30 for a social
    /// organization — and real business).
    pub in_survey_scope: bool,
    #[serde(default = "operating")]
    pub operating_status: OperatingStatus,
}

impl BodyRules for OrganizationInput {
    fn rule_violations(&self, rules: RuleContext) -> Vec<RuleViolation> {
        check_identity(
            rules.divisions,
            self.kind,
            self.category,
            &self.uscc,
            &self.region_code,
        )
    }
}

fn operating() -> OperatingStatus {
    OperatingStatus::Operating
}

impl From<OrganizationInput> for OrganizationFields {
    fn from(i: OrganizationInput) -> Self {
        OrganizationFields {
            name: i.name,
            kind: i.kind,
            category: i.category,
            uscc: i.uscc,
            region_code: i.region_code,
            address: i.address,
            industry: i.industry,
            employee_count: i.employee_count,
            legal_representative: i.legal_representative,
            contact_name: i.contact_name,
            contact_phone: i.contact_phone,
            in_survey_scope: i.in_survey_scope,
            operating_status: i.operating_status,
        }
    }
}

/// An organization as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "name": "福州云帆科技有限公司",
    "kind": "new_economic",
    "category": "private_technology",
    "uscc": "91350100M000100Y43",
    "region_code": "350102",
    "region_name": "福建省 / 福州市 / 鼓楼区",
    "address": "福州市鼓楼区软件大道89号",
    "industry": "软件和信息技术服务业",
    "employee_count": 120,
    "legal_representative": "林晓",
    "contact_name": "陈敏",
    "contact_phone": "13800135678",
    "in_survey_scope": true,
    "operating_status": "operating",
    "created_at": "2026-11-28T03:30:00Z",
    "updated_at": "2026-11-28T03:30:00Z",
    "version": 1,
    "archived_at": null
}))]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub category: OrganizationCategory,
    pub uscc: String,
    pub region_code: String,
    /// The full name of the region, from the division table (`福建省 / 福州市 / 鼓楼区`).
    pub region_name: Option<String>,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub employee_count: i32,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    /// Personal data: masked (`138****5678`) unless the caller holds `pii:read`.
    pub contact_phone: Option<String>,
    pub in_survey_scope: bool,
    pub operating_status: OperatingStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Increases by one on every change; the `ETag` is this number in quotes.
    pub version: i32,
    /// When the organization was archived (`DELETE`); archived organizations leave lists.
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Reads that return personal data unmasked are recorded in the audit log.
async fn audit_unmasked_reads(
    state: &AppState,
    actor: &audit::Actor,
    principal: &Principal,
    organizations: &[Organization],
) -> Result<(), ApiError> {
    if !principal.holds(Permission::PiiRead) {
        return Ok(());
    }
    let records: Vec<_> = organizations
        .iter()
        .filter(|o| o.contact_phone.is_some())
        .map(|o| (o.id, Some(o.region_code.clone())))
        .collect();
    audit::record_personal_data_reads(
        &state.db,
        actor,
        "organization",
        &records,
        &["contact_phone"],
    )
    .await
}

impl Organization {
    /// Masks personal data unless the caller may read it.
    fn for_caller(mut self, principal: &Principal) -> Self {
        if !principal.holds(Permission::PiiRead) {
            self.contact_phone = self.contact_phone.as_deref().map(pii::mask_phone);
        }
        self
    }

    fn from_model(m: entity::organization::Model, divisions: &Divisions) -> Self {
        Organization {
            kind: m.kind,
            category: m.category,
            operating_status: m.operating_status,
            id: m.id,
            name: m.name,
            uscc: m.uscc,
            region_name: divisions.full_name(&m.region_code),
            region_code: m.region_code,
            address: m.address,
            industry: m.industry,
            employee_count: m.employee_count,
            legal_representative: m.legal_representative,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone,
            in_survey_scope: m.in_survey_scope,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

impl From<Organization> for OrganizationInput {
    fn from(o: Organization) -> Self {
        OrganizationInput {
            name: o.name,
            kind: o.kind,
            category: o.category,
            uscc: o.uscc,
            region_code: o.region_code,
            address: o.address,
            industry: o.industry,
            employee_count: o.employee_count,
            legal_representative: o.legal_representative,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone,
            in_survey_scope: o.in_survey_scope,
            operating_status: o.operating_status,
        }
    }
}

pub type OrganizationPage = ListPage<Organization>;
impl Listed for Organization {}

/// Filters of the organizations list.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrganizationListFilter {
    pub kind: Option<OrganizationKind>,
    pub category: Option<OrganizationCategory>,
    /// A region: `1101`, `110100` and `110105` match the organizations within it.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "1101")]
    pub region_code: Option<String>,
    /// Part of the name.
    #[param(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    pub in_survey_scope: Option<bool>,
}

impl OrganizationListFilter {
    fn into_filter(self, divisions: &Divisions) -> Result<OrganizationFilter, ApiError> {
        let region_prefix = match &self.region_code {
            None => None,
            Some(code) => Some(region_filter(divisions, "region_code", code)?),
        };
        Ok(OrganizationFilter {
            kind: self.kind,
            category: self.category,
            region_prefix,
            name_contains: self.q,
            in_survey_scope: self.in_survey_scope,
        })
    }
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/organizations/{id}")
}

/// List organizations
///
/// Organizations in creation order, filtered, a page at a time. Archived organizations are left
/// out unless `include_archived=true`.
#[utoipa::path(
    operation_id = "listOrganizations",
    tag = TAG,
    security(("oauth2" = ["organizations:read"])),
    params(PageParams, OrganizationListFilter),
    responses(
        (status = 200, description = "A page of organizations.", body = OrganizationPage),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: ListQuery<OrganizationListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(req, state, principal, access, query, false).await
}

/// Export organizations as CSV or Excel
///
/// Every row the list would give (the same filters; from `cursor` on; `limit` and
/// `include_total` do not apply), personal data masked as in JSON. CSV is streamed: UTF-8 with a
/// byte-order mark, a header row of field names, cells a spreadsheet would run as a formula
/// quoted with `'`. `format=xlsx` gives an Excel workbook: headings in Chinese, identifiers as
/// text, dates as dates.
#[utoipa::path(
    operation_id = "exportOrganizations",
    tag = TAG,
    security(("oauth2" = ["organizations:read"])),
    params(PageParams, OrganizationListFilter, super::export::FormatParam),
    responses(
        (status = 200, description = "Every matching row, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/organizations/export")]
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: ListQuery<OrganizationListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(req, state, principal, access, query, true).await
}

/// A page of the list as JSON, or (`csv`) every matching row as CSV.
async fn list_as(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    access: crate::auth::Access,
    query: ListQuery<OrganizationListFilter>,
    csv: bool,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter.into_filter(&state.divisions)?;
    let actor = super::actor(&req, &principal);
    if csv {
        let page = query.page;
        return super::export::list(
            &req,
            "organizations",
            CSV_COLUMNS,
            page.after,
            move |after| {
                let (state, access, filter, principal, actor) = (
                    state.clone(),
                    access.clone(),
                    filter.clone(),
                    principal.clone(),
                    actor.clone(),
                );
                let page = page.export_from(after);
                async move { one_page(&state, &access, &filter, &page, &principal, &actor).await }
            },
        )
        .await;
    }
    let page = one_page(&state, &access, &filter, &query.page, &principal, &actor).await?;
    Ok(list_page(page))
}

/// The columns of a CSV export, in order.
const CSV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "kind",
    "category",
    "uscc",
    "region_code",
    "region_name",
    "address",
    "industry",
    "employee_count",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "in_survey_scope",
    "operating_status",
    "created_at",
    "updated_at",
    "version",
    "archived_at",
];

/// A page of organizations as the caller may see them.
async fn one_page(
    state: &AppState,
    access: &crate::auth::Access,
    filter: &OrganizationFilter,
    page: &PageRequest,
    principal: &Principal,
    actor: &audit::Actor,
) -> Result<Page<Organization>, ApiError> {
    let page = service::list(&state.db, access, filter, page).await?;
    let page = page.map(|m| Organization::from_model(m, &state.divisions).for_caller(principal));
    audit_unmasked_reads(state, actor, principal, &page.items).await?;
    Ok(page)
}

/// Register an organization
///
/// Checks the kind/category pairing, the USCC's check character and type prefix, and the
/// region code; a USCC already registered to a live organization is a 409. Send an
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    operation_id = "createOrganization",
    tag = TAG,
    security(("oauth2" = ["organizations:write"])),
    params(IdempotencyKey),
    request_body(content = OrganizationInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered.", body = Organization,
         headers(("Location" = String, description = "The new organization's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "The USCC is already registered.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/organizations")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: OrganizationInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let model = service::create(txn, &state.divisions, &caller, input.into()).await?;
        let organization = Organization::from_model(model, &state.divisions).for_caller(&principal);
        Created::new(location(organization.id), &organization)
    })
    .await
}

/// Get an organization
///
/// An archived organization is a 404 unless `include_archived=true`.
#[utoipa::path(
    operation_id = "getOrganization",
    tag = TAG,
    security(("oauth2" = ["organizations:read"])),
    params(("id" = Uuid, Path, description = "The organization's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The organization.", body = Organization, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/organizations/{id}")]
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
    let organization = Organization::from_model(model, &state.divisions).for_caller(&principal);
    audit_unmasked_reads(
        &state,
        &super::actor(&req, &principal),
        &principal,
        std::slice::from_ref(&organization),
    )
    .await?;
    Ok(representation(
        &req,
        &etag(organization.version),
        &organization,
    ))
}

/// This organization as `GET /organizations/{id}` shows it to the caller (archived too): the
/// event feed's representation.
pub fn render<'a>(
    state: &'a AppState,
    principal: &'a Principal,
    access: &'a crate::auth::Access,
    actor: &'a audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        let model = service::get(&state.db, access, id, true).await?;
        let organization = Organization::from_model(model, &state.divisions).for_caller(principal);
        audit_unmasked_reads(state, actor, principal, std::slice::from_ref(&organization)).await?;
        super::rendered(&organization)
    })
}

/// Change an organization
///
/// A JSON merge patch (RFC 7396): fields present are set, `null` clears an optional field,
/// absent fields stay. Send the `ETag` you read as `If-Match` (or the `version` in the body) so
/// that a change made meanwhile by someone else is not overwritten: a stale one gets 412.
#[utoipa::path(
    operation_id = "updateOrganization",
    tag = TAG,
    security(("oauth2" = ["organizations:write"])),
    params(("id" = Uuid, Path, description = "The organization's id."), IfMatch),
    request_body(content = OrganizationPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Organization, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The USCC belongs to another organization, or this one is archived.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/organizations/{id}")]
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
    let current = Organization::from_model(
        service::get(&state.db, &caller.access, *id, true).await?,
        &state.divisions,
    );
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let input: OrganizationInput = apply_merge_patch::<OrganizationPatch, _>(
        &read,
        &OrganizationInput::from(current),
        expected,
        patch,
        state.rules(),
    )?;
    let model = service::update(
        &state.db,
        &state.divisions,
        &caller,
        *id,
        expected,
        input.into(),
    )
    .await?;
    let organization = Organization::from_model(model, &state.divisions).for_caller(&principal);
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(organization.version)))
        .json(organization))
}

/// Archive an organization
///
/// Organizations are never erased: this sets `archived_at`, after which the organization
/// leaves lists (unless `include_archived=true`) and can no longer be changed. Archiving an
/// archived organization changes nothing.
#[utoipa::path(
    operation_id = "archiveOrganization",
    tag = TAG,
    security(("oauth2" = ["organizations:write"])),
    params(("id" = Uuid, Path, description = "The organization's id."), IfMatch),
    responses((status = 204, description = "Archived.")),
)]
#[delete("/organizations/{id}")]
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

/// A merge patch of an organization: any subset of the writable fields, plus optionally the
/// `version` it was based on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"employee_count": 150, "contact_phone": null, "version": 1}))]
pub struct OrganizationPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    name: Option<String>,
    #[schema(nullable = false)]
    kind: Option<OrganizationKind>,
    #[schema(nullable = false)]
    category: Option<OrganizationCategory>,
    #[schema(
        nullable = false,
        min_length = 18,
        max_length = 18,
        pattern = "^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    uscc: Option<String>,
    #[schema(nullable = false, pattern = "^([0-9]{6}|[0-9]{9})$")]
    region_code: Option<String>,
    #[schema(max_length = 500)]
    address: Option<String>,
    #[schema(max_length = 200)]
    industry: Option<String>,
    #[schema(nullable = false, minimum = 0)]
    employee_count: Option<i32>,
    #[schema(max_length = 100)]
    legal_representative: Option<String>,
    #[schema(max_length = 100)]
    contact_name: Option<String>,
    #[schema(max_length = 40)]
    contact_phone: Option<String>,
    #[schema(nullable = false)]
    in_survey_scope: Option<bool>,
    #[schema(nullable = false)]
    operating_status: Option<OperatingStatus>,
    /// The version this change is based on, as an alternative to `If-Match`.
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// How an import reads rows.
const IMPORT_COLUMNS: Columns = Columns {
    accepted: &[
        "name",
        "kind",
        "category",
        "uscc",
        "region_code",
        "address",
        "industry",
        "employee_count",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "in_survey_scope",
        "operating_status",
    ],
    ignored: &[
        "id",
        "region_name",
        "created_at",
        "updated_at",
        "version",
        "archived_at",
    ],
    booleans: &["in_survey_scope"],
    integers: &["employee_count"],
};

fn organization_row(
    value: serde_json::Value,
    rules: RuleContext,
) -> Result<crate::service::organizations::OrganizationFields, Vec<FieldError>> {
    check_shape::<OrganizationInput>(value, rules).map(Into::into)
}

/// Import organizations from CSV
///
/// As for members: the header names the columns of the organization create body (`name`,
/// `kind`, `category`, `uscc`, `region_code`, `employee_count`, `in_survey_scope`, …); every
/// row is checked and reported; `mode`, `dry_run`, encodings and the size limit work the same.
#[utoipa::path(
    operation_id = "importOrganizations",
    tag = imports::TAG,
    security(("oauth2" = ["organizations:write"])),
    params(ImportParams, IdempotencyKey),
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row; or an xlsx workbook, whose first sheet's first row is the header (field names, or the Chinese headings of an xlsx export).",
        example = json!("name,kind,category,uscc,region_code,employee_count,in_survey_scope\n福州云帆科技有限公司,new_economic,private_technology,91350100M000100Y43,350102,120,true\n")),
    responses(
        (status = 200, description = "Every row checked; the accepted ones written (unless a dry run).", body = ImportReport),
        (status = 413, description = "The body exceeds `LIANGXIN_IMPORT_MAX_BYTES`; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`all_or_nothing`: some rows were refused, so nothing was written; the report says which and why (`application/json`). Or the header names a column the import does not know (a problem).",
         content((ImportReport = "application/json"), (Problem = "application/problem+json"))),
    ),
)]
#[post("/imports/organizations")]
pub async fn import(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: QueryParams<ImportParams>,
    key: IdempotencyKey,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = key.0.map(|key| (principal.caller_key(), key));
    let caller = super::caller(&req, &principal, access);
    let importer = OrganizationImporter::default();
    let target = Target {
        columns: &IMPORT_COLUMNS,
        shape: organization_row,
        importer,
    };
    imports::run(&state, &caller, &req, query.0, key, payload, target).await
}

/// An organization's payroll of one year (工资总额), in fen.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025, "payroll_fen": 300000000, "updated_at": "2026-01-15T03:30:00Z"}))]
pub struct Payroll {
    pub year: i32,
    pub payroll_fen: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::organization_payroll::Model> for Payroll {
    fn from(m: entity::organization_payroll::Model) -> Self {
        Payroll {
            year: m.year,
            payroll_fen: m.payroll_fen,
            updated_at: m.updated_at,
        }
    }
}

/// A year's payroll to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"payroll_fen": 300000000}))]
pub struct PayrollInput {
    #[validate(range(min = 0, max = 100_000_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000_000i64)]
    pub payroll_fen: i64,
}

impl BodyRules for PayrollInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        Vec::new()
    }
}

/// The payrolls of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayrollList {
    /// Latest year first.
    pub items: Vec<Payroll>,
}

/// List an organization's payrolls
///
/// The payroll recorded for each year, latest first: the party organization's fund report
/// reckons the usual management-fee allocation (about 1%) from the previous year's.
#[utoipa::path(operation_id = "listOrganizationPayrolls", tag = TAG,
    security(("oauth2" = ["organizations:read"])),
    params(("id" = Uuid, Path, description = "The organization's id.")),
    responses((status = 200, description = "The payrolls.", body = PayrollList)))]
#[get("/organizations/{id}/payrolls")]
pub async fn payrolls(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let items = service::payrolls(&state.db, &access, *id).await?;
    Ok(HttpResponse::Ok().json(PayrollList {
        items: items.into_iter().map(Payroll::from).collect(),
    }))
}

/// Record an organization's payroll of a year
///
/// Replaces what was recorded for that year.
#[utoipa::path(operation_id = "setOrganizationPayroll", tag = TAG,
    security(("oauth2" = ["organizations:write"])),
    params(("id" = Uuid, Path, description = "The organization's id."),
        ("year" = i32, Path, description = "The calendar year (2000–2100).", minimum = 2000, maximum = 2100, example = 2025)),
    request_body(content = PayrollInput, content_type = "application/json"),
    responses((status = 200, description = "Recorded.", body = Payroll)))]
#[put("/organizations/{id}/payrolls/{year}")]
pub async fn set_payroll(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, i32)>,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let (id, year) = *path;
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::bad_request(
            "year",
            "range",
            "a year from 2000 to 2100",
        ));
    }
    let input: PayrollInput = body.parse(state.rules())?;
    let caller = super::caller(&req, &principal, access);
    let saved = service::set_payroll(&state.db, &caller, id, year, input.payroll_fen).await?;
    Ok(HttpResponse::Ok().json(Payroll::from(saved)))
}
