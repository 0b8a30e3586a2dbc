//! `/api/v1/party-organizations`: party organizations of the two-new sector, their tree, the
//! organizations they cover, their derived member counts and formation warnings, and their
//! party groups.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoFilter,
    NoQuery, PageParams, QueryParams, ReadParams, apply_merge_patch, as_read, region_filter,
    split_version,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::divisions::Divisions;
use crate::domain::party_organization::{
    FormationFacts, FormationWarning, MemberCounts, PartyOrganizationType, warnings,
};
use crate::error::{ApiError, Problem};
use crate::service::party_organizations::{
    self as service, PartyGroupFields, PartyOrganizationFields, PartyOrganizationFilter,
    PartyOrganizationView,
};
use crate::service::resource::{Page, PageRequest};
use crate::state::AppState;

const TAG: &str = "party-organizations";

/// The writable fields of a party organization.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "中共福州云帆科技有限公司支部委员会",
    "type": "branch",
    "parent_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e20",
    "region_code": "350102",
    "covers": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11"],
    "established_on": "2021-07-01",
    "secretary_member_id": null,
    "term_starts_on": "2024-07-01",
    "term_ends_on": "2027-07-01"
}))]
pub struct PartyOrganizationInput {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: PartyOrganizationType,
    /// The party organization above this one; `null` for a root. It must be one you reach, and
    /// not this organization or one below it (409 `cycle`).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Administrative division code (GB/T 2260) of a county (6 digits) or township (9 digits).
    #[schema(pattern = "^([0-9]{6}|[0-9]{9})$", example = "350102")]
    pub region_code: String,
    /// Ids of the organizations served; a joint branch serves several (at most 5 by the rules,
    /// reported as a warning).
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub covers: Vec<Uuid>,
    #[serde(default)]
    pub established_on: Option<NaiveDate>,
    /// An active full member whose relation this organization holds. It is the current
    /// `secretary` among its party workers (`/party-workers`): setting it appoints that member
    /// secretary from today and ends the previous secretary's appointment today; `null` ends it.
    #[serde(default)]
    pub secretary_member_id: Option<Uuid>,
    /// The committee's current term (checked for its length and expiry; whether there is a
    /// committee at all is its seats among the party workers, see `committee`).
    #[serde(default)]
    pub term_starts_on: Option<NaiveDate>,
    #[serde(default)]
    pub term_ends_on: Option<NaiveDate>,
}

impl BodyRules for PartyOrganizationInput {}

impl From<PartyOrganizationInput> for PartyOrganizationFields {
    fn from(i: PartyOrganizationInput) -> Self {
        PartyOrganizationFields {
            name: i.name,
            org_type: i.org_type,
            parent_id: i.parent_id,
            region_code: i.region_code,
            covers: i.covers,
            established_on: i.established_on,
            secretary_member_id: i.secretary_member_id,
            term_starts_on: i.term_starts_on,
            term_ends_on: i.term_ends_on,
        }
    }
}

/// A party organization as the API returns it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "name": "中共福州云帆科技有限公司支部委员会",
    "type": "branch",
    "parent_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e20",
    "region_code": "350102",
    "region_name": "福建省 / 福州市 / 鼓楼区",
    "covers": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11"],
    "established_on": "2021-07-01",
    "secretary_member_id": null,
    "term_starts_on": "2024-07-01",
    "term_ends_on": "2027-07-01",
    "member_counts": {"full": 8, "probationary": 1, "candidates": 1, "activists": 2, "applicants": 3},
    "warnings": [{"code": "committee_advised", "message": "The branch has 8 full members: with 7 or more it should elect a branch committee of 3 to 5 members.", "source": "《中国共产党支部工作条例（试行）》"}],
    "created_at": "2026-11-28T03:30:00Z",
    "updated_at": "2026-11-28T03:30:00Z",
    "version": 1,
    "archived_at": null
}))]
pub struct PartyOrganization {
    pub id: Uuid,
    pub name: String,
    #[serde(rename = "type")]
    pub org_type: PartyOrganizationType,
    pub parent_id: Option<Uuid>,
    pub region_code: String,
    /// The full name of the region, from the division table.
    pub region_name: Option<String>,
    pub covers: Vec<Uuid>,
    pub established_on: Option<NaiveDate>,
    pub secretary_member_id: Option<Uuid>,
    pub term_starts_on: Option<NaiveDate>,
    pub term_ends_on: Option<NaiveDate>,
    /// Active members whose relation is held here, by stage. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_counts: Option<MemberCounts>,
    /// Formation rules this organization does not meet (advice, not refusals). Only on a single
    /// read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<FormationWarning>>,
    /// The branch committee: its current secretary, deputy secretaries and committee members
    /// (`/party-workers`); it "has a committee" with 3 or more. Read-only. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committee: Option<Vec<CommitteeSeat>>,
    /// What its register of adopted work systems lacks (`/work-systems`). Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_systems: Option<super::work_systems::WorkSystemGaps>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Increases by one on every change; the `ETag` is this number in quotes.
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl PartyOrganization {
    fn from_view(view: PartyOrganizationView, divisions: &Divisions) -> Self {
        let m = view.model;
        PartyOrganization {
            org_type: m.org_type,
            id: m.id,
            name: m.name,
            parent_id: m.parent_id,
            region_name: divisions.full_name(&m.region_code),
            region_code: m.region_code,
            covers: view.covers,
            established_on: m.established_on,
            secretary_member_id: m.secretary_member_id,
            term_starts_on: m.term_starts_on,
            term_ends_on: m.term_ends_on,
            member_counts: None,
            warnings: None,
            work_systems: None,
            committee: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }

    /// Adds the derived counts and the formation warnings.
    async fn with_derived(mut self, state: &AppState) -> Result<Self, ApiError> {
        let (counts, full_members_by_unit) = service::member_counts(&state.db, self.id).await?;
        let seats = crate::service::party_workers::committees(&state.db.read, &[self.id])
            .await?
            .remove(&self.id)
            .unwrap_or_default();
        let covered: Vec<(Uuid, u64)> = full_members_by_unit
            .into_iter()
            .filter(|(unit, _)| self.covers.contains(unit))
            .collect();
        self.warnings = Some(warnings(&FormationFacts {
            org_type: self.org_type,
            counts,
            covered_units: self.covers.len(),
            full_members_by_unit: &covered,
            term_starts_on: self.term_starts_on,
            term_ends_on: self.term_ends_on,
            committee_seats: seats.len(),
            today: state.today(),
        }));
        self.committee = Some(
            seats
                .into_iter()
                .map(|w| CommitteeSeat {
                    party_worker_id: w.id,
                    member_id: w.member_id,
                    position: w.position,
                    portfolio: w.portfolio,
                })
                .collect(),
        );
        self.member_counts = Some(counts);
        let gaps = crate::service::work_systems::gaps_of(&state.db.read, &[self.id], state.today())
            .await?;
        self.work_systems = gaps
            .into_iter()
            .next()
            .map(|(_, in_force, gaps)| super::work_systems::WorkSystemGaps::new(in_force, gaps));
        Ok(self)
    }
}

/// A seat on the branch committee.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CommitteeSeat {
    pub party_worker_id: Uuid,
    pub member_id: Uuid,
    /// `secretary`, `deputy_secretary` or `committee_member`.
    pub position: entity::enums::PartyWorkerPosition,
    pub portfolio: Option<entity::enums::Portfolio>,
}

impl From<PartyOrganization> for PartyOrganizationInput {
    fn from(p: PartyOrganization) -> Self {
        PartyOrganizationInput {
            name: p.name,
            org_type: p.org_type,
            parent_id: p.parent_id,
            region_code: p.region_code,
            covers: p.covers,
            established_on: p.established_on,
            secretary_member_id: p.secretary_member_id,
            term_starts_on: p.term_starts_on,
            term_ends_on: p.term_ends_on,
        }
    }
}

pub type PartyOrganizationPage = ListPage<PartyOrganization>;
impl Listed for PartyOrganization {}

/// Filters of the party organizations list.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartyOrganizationListFilter {
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub org_type: Option<PartyOrganizationType>,
    /// The organizations directly below this one.
    pub parent_id: Option<Uuid>,
    /// The whole subtree below this organization (not itself).
    pub ancestor_id: Option<Uuid>,
    /// The party organizations that cover this organization (id of an organization).
    pub covers: Option<Uuid>,
    /// A region: `1101`, `110100` and `110105` match the party organizations within it.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    /// Part of the name.
    #[param(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
}

impl PartyOrganizationListFilter {
    fn into_filter(self, divisions: &Divisions) -> Result<PartyOrganizationFilter, ApiError> {
        let region_prefix = match &self.region_code {
            None => None,
            Some(code) => Some(region_filter(divisions, "region_code", code)?),
        };
        Ok(PartyOrganizationFilter {
            org_type: self.org_type,
            parent_id: self.parent_id,
            ancestor_id: self.ancestor_id,
            covers: self.covers,
            region_prefix,
            name_contains: self.q,
        })
    }
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/party-organizations/{id}")
}

/// List party organizations
///
/// In creation order, a page at a time, within your scope: a region for organization
/// departments, a subtree for branch secretaries.
#[utoipa::path(
    operation_id = "listPartyOrganizations",
    tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(PageParams, PartyOrganizationListFilter),
    responses(
        (status = 200, description = "A page of party organizations.", body = PartyOrganizationPage),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/party-organizations")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<PartyOrganizationListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(state, access, query, None).await
}

/// Export party organizations as CSV or Excel
///
/// Every row the list would give (the same filters; from `cursor` on; `limit` and
/// `include_total` do not apply), personal data masked as in JSON. CSV is streamed: UTF-8 with a
/// byte-order mark, a header row of field names, cells a spreadsheet would run as a formula
/// quoted with `'`. `format=xlsx` gives an Excel workbook: headings in Chinese, identifiers as
/// text, dates as dates.
#[utoipa::path(
    operation_id = "exportPartyOrganizations",
    tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(PageParams, PartyOrganizationListFilter, super::export::FormatParam),
    responses(
        (status = 200, description = "Every matching row, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/party-organizations/export")]
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<PartyOrganizationListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(state, access, query, Some(&req)).await
}

/// A page of the list as JSON, or (`as_file`) every matching row as a file.
async fn list_as(
    state: web::Data<AppState>,
    access: crate::auth::Access,
    query: ListQuery<PartyOrganizationListFilter>,
    as_file: Option<&HttpRequest>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter.into_filter(&state.divisions)?;
    if let Some(req) = as_file {
        let page = query.page;
        return super::export::list(
            req,
            "party-organizations",
            CSV_COLUMNS,
            page.after,
            move |after| {
                let (state, access, filter) = (state.clone(), access.clone(), filter.clone());
                let page = page.export_from(after);
                async move { one_page(&state, &access, &filter, &page).await }
            },
        )
        .await;
    }
    let page = one_page(&state, &access, &filter, &query.page).await?;
    Ok(list_page(page))
}

/// The columns of a CSV export, in order.
const CSV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "type",
    "parent_id",
    "region_code",
    "region_name",
    "covers",
    "established_on",
    "secretary_member_id",
    "term_starts_on",
    "term_ends_on",
    "created_at",
    "updated_at",
    "version",
    "archived_at",
];

async fn one_page(
    state: &AppState,
    access: &crate::auth::Access,
    filter: &PartyOrganizationFilter,
    page: &PageRequest,
) -> Result<Page<PartyOrganization>, ApiError> {
    let page = service::list(&state.db, access, filter, page).await?;
    Ok(page.map(|v| PartyOrganization::from_view(v, &state.divisions)))
}

/// Create a party organization
///
/// Places it in the tree under `parent_id` (which you must reach). A branch secretary creates
/// organizations below their own. The secretary is set later, once members are registered here.
#[utoipa::path(
    operation_id = "createPartyOrganization",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(IdempotencyKey),
    request_body(content = PartyOrganizationInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = PartyOrganization,
         headers(("Location" = String, description = "The new party organization's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/party-organizations")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: PartyOrganizationInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let view = service::create(txn, &state.divisions, &caller, input.into()).await?;
        let created = PartyOrganization::from_view(view, &state.divisions)
            .with_derived(&state)
            .await?;
        Created::new(location(created.id), &created)
    })
    .await
}

/// Get a party organization
///
/// With its member counts by stage and the formation rules it does not meet (`warnings`).
#[utoipa::path(
    operation_id = "getPartyOrganization",
    tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The party organization.", body = PartyOrganization, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/party-organizations/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let include_archived = query.0.include_archived.unwrap_or(false);
    let view = service::get(&state.db, &access, *id, include_archived).await?;
    let organization = PartyOrganization::from_view(view, &state.divisions)
        .with_derived(&state)
        .await?;
    Ok(representation(
        &req,
        &etag(organization.version),
        &organization,
    ))
}

/// This party organization as `GET /party-organizations/{id}` shows it (archived too): the
/// event feed's representation.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        let view = service::get(&state.db, access, id, true).await?;
        let organization = PartyOrganization::from_view(view, &state.divisions)
            .with_derived(state)
            .await?;
        super::rendered(&organization)
    })
}

/// This group as `GET /party-organizations/{id}/groups/{group_id}` shows it (archived too): the
/// event feed's representation.
pub fn render_group<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&PartyGroup::from(
            service::get_group_by_id(&state.db, access, id).await?,
        ))
    })
}

/// Change a party organization
///
/// A JSON merge patch (RFC 7396). Changing `parent_id` moves the organization with everything
/// below it; placing it under itself or its own subtree is a 409 `cycle`. `covers` is replaced
/// as a whole. Send `If-Match` (or `version`) to avoid overwriting someone else's change.
#[utoipa::path(
    operation_id = "updatePartyOrganization",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), IfMatch),
    request_body(content = PartyOrganizationPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = PartyOrganization, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The new parent is in this organization's subtree (`cycle`), or it is archived.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/party-organizations/{id}")]
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
    let current = PartyOrganization::from_view(
        service::get(&state.db, &caller.access, *id, true).await?,
        &state.divisions,
    );
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current.clone().with_derived(&state).await?)?;
    let input: PartyOrganizationInput = apply_merge_patch::<PartyOrganizationPatch, _>(
        &read,
        &PartyOrganizationInput::from(current),
        expected,
        patch,
        state.rules(),
    )?;
    let view = service::update(
        &state.db,
        &state.divisions,
        &caller,
        *id,
        expected,
        input.into(),
        state.today(),
    )
    .await?;
    let organization = PartyOrganization::from_view(view, &state.divisions)
        .with_derived(&state)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(organization.version)))
        .json(organization))
}

/// Archive a party organization
///
/// Only an organization with no live organizations below it and no active members (held or
/// hosted) can be archived (409 `has_children` / `has_members`): transfer them first.
#[utoipa::path(
    operation_id = "archivePartyOrganization",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), IfMatch),
    responses(
        (status = 204, description = "Archived."),
        (status = 409, description = "Organizations below it or active members remain.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/party-organizations/{id}")]
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

/// A merge patch of a party organization.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"secretary_member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "version": 1}))]
pub struct PartyOrganizationPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    name: Option<String>,
    #[serde(rename = "type")]
    #[schema(nullable = false)]
    org_type: Option<PartyOrganizationType>,
    parent_id: Option<Uuid>,
    #[schema(nullable = false, pattern = "^([0-9]{6}|[0-9]{9})$")]
    region_code: Option<String>,
    #[schema(nullable = false, max_items = 200)]
    covers: Option<Vec<Uuid>>,
    established_on: Option<NaiveDate>,
    secretary_member_id: Option<Uuid>,
    term_starts_on: Option<NaiveDate>,
    term_ends_on: Option<NaiveDate>,
    /// The version this change is based on, as an alternative to `If-Match`.
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// A party group (党小组) of a party organization.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "研发党小组", "leader_member_id": null}))]
pub struct PartyGroupInput {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// An active member of the party organization.
    #[serde(default)]
    pub leader_member_id: Option<Uuid>,
}

impl BodyRules for PartyGroupInput {}

/// A merge patch of a party group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"name": "市场党小组"}))]
pub struct PartyGroupPatch {
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    name: Option<String>,
    leader_member_id: Option<Uuid>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e41",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "name": "研发党小组",
    "leader_member_id": null,
    "created_at": "2026-11-28T03:30:00Z",
    "updated_at": "2026-11-28T03:30:00Z",
    "version": 1,
    "archived_at": null
}))]
pub struct PartyGroup {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub name: String,
    pub leader_member_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::party_group::Model> for PartyGroup {
    fn from(m: entity::party_group::Model) -> Self {
        PartyGroup {
            id: m.id,
            party_organization_id: m.party_organization_id,
            name: m.name,
            leader_member_id: m.leader_member_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

pub type PartyGroupPage = ListPage<PartyGroup>;
impl Listed for PartyGroup {}

/// List the party groups of a party organization
///
/// The party groups of the party organization, a page at a time.
#[utoipa::path(
    operation_id = "listPartyGroups",
    tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), PageParams),
    responses((status = 200, description = "A page of party groups.", body = PartyGroupPage)),
)]
#[get("/party-organizations/{id}/groups")]
pub async fn list_groups(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<NoFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list_groups(&state.db, &access, *id, &query.page).await?;
    Ok(list_page(page.map(PartyGroup::from)))
}

fn group_location(party_organization_id: Uuid, id: Uuid) -> String {
    format!("{BASE_PATH}/party-organizations/{party_organization_id}/groups/{id}")
}

/// Create a party group
///
/// Adds a party group; its leader must be a member of this party organization.
#[utoipa::path(
    operation_id = "createPartyGroup",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), IdempotencyKey),
    request_body(content = PartyGroupInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = PartyGroup,
         headers(("Location" = String, description = "The new group's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "Conflicts with what is registered; the problem's `code` says how.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/party-organizations/{id}/groups")]
pub async fn create_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: PartyGroupInput = body.parse(state.rules())?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let fields = PartyGroupFields {
            name: input.name,
            leader_member_id: input.leader_member_id,
        };
        let group = PartyGroup::from(service::create_group(txn, &caller, *id, fields).await?);
        Created::new(group_location(*id, group.id), &group)
    })
    .await
}

/// Get a party group
///
/// The group with its leader.
#[utoipa::path(
    operation_id = "getPartyGroup",
    tag = TAG,
    security(("oauth2" = ["party_organizations:read"])),
    params(
        ("id" = Uuid, Path, description = "The party organization's id."),
        ("group_id" = Uuid, Path, description = "The group's id."),
        IfNoneMatch,
    ),
    responses(
        (status = 200, description = "The group.", body = PartyGroup, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/party-organizations/{id}/groups/{group_id}")]
pub async fn get_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (id, group_id) = path.into_inner();
    let group = PartyGroup::from(service::get_group(&state.db, &access, id, group_id).await?);
    Ok(representation(&req, &etag(group.version), &group))
}

/// Change a party group
///
/// A JSON merge patch of the group's name or leader, at the version named by `If-Match`.
#[utoipa::path(
    operation_id = "updatePartyGroup",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(
        ("id" = Uuid, Path, description = "The party organization's id."),
        ("group_id" = Uuid, Path, description = "The group's id."),
        IfMatch,
    ),
    request_body(content = PartyGroupPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = PartyGroup, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The group is archived.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/party-organizations/{id}/groups/{group_id}")]
pub async fn update_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, group_id) = path.into_inner();
    let current =
        PartyGroup::from(service::get_group(&state.db, &caller.access, id, group_id).await?);
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let base = PartyGroupInput {
        name: current.name,
        leader_member_id: current.leader_member_id,
    };
    let input: PartyGroupInput =
        apply_merge_patch::<PartyGroupPatch, _>(&read, &base, expected, patch, state.rules())?;
    let fields = PartyGroupFields {
        name: input.name,
        leader_member_id: input.leader_member_id,
    };
    let group = PartyGroup::from(
        service::update_group(&state.db, &caller, id, group_id, expected, fields).await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(group.version)))
        .json(group))
}

/// Archive a party group
///
/// Its members then belong to no group.
#[utoipa::path(
    operation_id = "archivePartyGroup",
    tag = TAG,
    security(("oauth2" = ["party_organizations:write"])),
    params(
        ("id" = Uuid, Path, description = "The party organization's id."),
        ("group_id" = Uuid, Path, description = "The group's id."),
        IfMatch,
    ),
    responses((status = 204, description = "Archived.")),
)]
#[delete("/party-organizations/{id}/groups/{group_id}")]
pub async fn archive_group(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, group_id) = path.into_inner();
    service::archive_group(&state.db, &caller, id, group_id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
