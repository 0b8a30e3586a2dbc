//! `/api/v1/members`: party members and people on their way to membership. Their development
//! pipeline is in `development`, their transfers in `transfers`.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoFilter,
    NoQuery, PageParams, QueryParams, ReadParams, apply_merge_patch, refuse_read_only,
    refuse_unknown_fields, region_filter, split_version,
};
use super::imports::{self, Columns, ImportParams, ImportReport, Target, check_shape};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::{Permission, Principal};
use crate::domain::member::{Gender, MemberStatus, Stage, check_identity, is_phone_number};
use crate::domain::{RuleContext, RuleViolation, pii};
use crate::error::{ApiError, FieldError, Problem};
use crate::service::audit;
use crate::service::imports::MemberImporter;
use crate::service::members::{self as service, Enrolment, MemberFields, MemberFilter};
use crate::service::resource::{Page, PageRequest};
use crate::state::AppState;

const TAG: &str = "members";

/// The fields of a member a merge patch may change. Stage and status change only through the
/// development pipeline and transfers; the party organization only through a transfer.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct MemberDetails {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    #[serde(default)]
    pub education: Option<String>,
    /// A mainland mobile (`13812345678`) or a landline with area code (`0591-87654321`).
    #[schema(max_length = 20, pattern = "^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})$")]
    #[serde(default)]
    pub phone: Option<String>,
    /// Resident ID-card number (GB 11643): its check character must be right and its birth date
    /// and gender must agree with `birth_date` and `gender`. Unique among live members.
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{17}[0-9X]$")]
    pub id_number: String,
    /// The two-new organization the member works for.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// A party group of the member's party organization.
    #[serde(default)]
    pub party_group_id: Option<Uuid>,
    /// A mobile member (流动党员) takes part in organizational life at their host organization.
    #[serde(default)]
    pub is_mobile: bool,
    /// For a mobile member: the party organization where they take part in organizational life.
    #[serde(default)]
    pub host_party_organization_id: Option<Uuid>,
}

fn person_violations(d: &MemberDetails) -> Vec<RuleViolation> {
    let mut violations = check_identity(&d.id_number, d.birth_date, d.gender);
    if let Some(phone) = &d.phone
        && !is_phone_number(phone)
    {
        violations.push(RuleViolation::new(
            "phone",
            "format",
            "must be a mobile number (13812345678) or a landline with its area code (0591-87654321)",
        ));
    }
    violations
}

impl BodyRules for MemberDetails {
    fn rule_violations(&self, _rules: RuleContext) -> Vec<RuleViolation> {
        person_violations(self)
    }
}

impl From<MemberDetails> for MemberFields {
    fn from(d: MemberDetails) -> Self {
        MemberFields {
            name: d.name,
            gender: d.gender,
            birth_date: d.birth_date,
            ethnicity: d.ethnicity,
            education: d.education,
            phone: d.phone,
            id_number: d.id_number,
            organization_id: d.organization_id,
            party_group_id: d.party_group_id,
            is_mobile: d.is_mobile,
            host_party_organization_id: d.host_party_organization_id,
        }
    }
}

/// A new member record.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[schema(example = json!({
    "name": "李明",
    "gender": "male",
    "birth_date": "1994-03-15",
    "ethnicity": "汉族",
    "education": "本科",
    "phone": "13800135678",
    "id_number": "350102199403150011",
    "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "stage": "applicant"
}))]
pub struct MemberInput {
    #[serde(flatten)]
    #[validate(nested)]
    pub details: MemberDetails,
    /// The party organization that holds the membership relation; one you reach.
    pub party_organization_id: Uuid,
    /// `applicant` (the default) for a person starting the pipeline; `probationary` (with
    /// `joined_on`) or `full` to register an existing member. Activists and candidates are
    /// reached through the pipeline.
    #[serde(default = "applicant")]
    pub stage: Stage,
    /// The day of admission as a probationary member.
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
    /// The day of conversion to full membership.
    #[serde(default)]
    pub full_member_on: Option<NaiveDate>,
}

fn applicant() -> Stage {
    Stage::Applicant
}

impl BodyRules for MemberInput {
    fn rule_violations(&self, _rules: RuleContext) -> Vec<RuleViolation> {
        person_violations(&self.details)
    }
}

/// A member as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "name": "李明",
    "gender": "male",
    "birth_date": "1994-03-15",
    "ethnicity": "汉族",
    "education": "本科",
    "phone": "138****5678",
    "id_number": "350102********0011",
    "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "home_party_organization_id": null,
    "party_group_id": null,
    "stage": "applicant",
    "status": "active",
    "is_mobile": false,
    "host_party_organization_id": null,
    "joined_on": null,
    "probation_ends_on": null,
    "full_member_on": null,
    "created_at": "2026-11-28T03:30:00Z",
    "updated_at": "2026-11-28T03:30:00Z",
    "version": 1,
    "archived_at": null
}))]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub gender: Gender,
    pub birth_date: NaiveDate,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    /// Personal data: masked (`138****5678`) unless the caller holds `pii:read`.
    pub phone: Option<String>,
    /// Personal data: masked (`350102********0011`) unless the caller holds `pii:read`.
    pub id_number: String,
    pub organization_id: Option<Uuid>,
    /// Where the membership relation is held (for a mobile member, their home organization).
    pub party_organization_id: Uuid,
    /// For a mobile member, the same as `party_organization_id`; otherwise `null`.
    pub home_party_organization_id: Option<Uuid>,
    pub party_group_id: Option<Uuid>,
    /// Changes only through `/members/{id}/development`.
    pub stage: Stage,
    /// Changes only through the pipeline (`withdrawal`) and `/members/{id}/transfers`.
    pub status: MemberStatus,
    pub is_mobile: bool,
    pub host_party_organization_id: Option<Uuid>,
    pub joined_on: Option<NaiveDate>,
    /// One year after admission, or later when extended.
    pub probation_ends_on: Option<NaiveDate>,
    pub full_member_on: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Increases by one on every change; the `ETag` is this number in quotes.
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Member {
    fn from_model(m: entity::member::Model) -> Self {
        Member {
            gender: m.gender,
            stage: m.stage,
            status: m.status,
            home_party_organization_id: m.is_mobile.then_some(m.party_organization_id),
            id: m.id,
            name: m.name,
            birth_date: m.birth_date,
            ethnicity: m.ethnicity,
            education: m.education,
            phone: m.phone,
            id_number: m.id_number,
            organization_id: m.organization_id,
            party_organization_id: m.party_organization_id,
            party_group_id: m.party_group_id,
            is_mobile: m.is_mobile,
            host_party_organization_id: m.host_party_organization_id,
            joined_on: m.joined_on,
            probation_ends_on: m.probation_ends_on,
            full_member_on: m.full_member_on,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }

    /// Masks personal data unless the caller may read it.
    fn for_caller(mut self, principal: &Principal) -> Self {
        if !principal.holds(Permission::PiiRead) {
            self.phone = self.phone.as_deref().map(pii::mask_phone);
            self.id_number = pii::mask_id_number(&self.id_number);
        }
        self
    }

    fn details(&self) -> MemberDetails {
        MemberDetails {
            name: self.name.clone(),
            gender: self.gender,
            birth_date: self.birth_date,
            ethnicity: self.ethnicity.clone(),
            education: self.education.clone(),
            phone: self.phone.clone(),
            id_number: self.id_number.clone(),
            organization_id: self.organization_id,
            party_group_id: self.party_group_id,
            is_mobile: self.is_mobile,
            host_party_organization_id: self.host_party_organization_id,
        }
    }
}

/// Reads that return personal data unmasked are recorded in the audit log.
async fn audit_unmasked_reads(
    state: &AppState,
    actor: &audit::Actor,
    principal: &Principal,
    members: &[Member],
) -> Result<(), ApiError> {
    if !principal.holds(Permission::PiiRead) {
        return Ok(());
    }
    let records: Vec<_> = members.iter().map(|m| (m.id, None)).collect();
    audit::record_personal_data_reads(
        &state.db,
        actor,
        "member",
        &records,
        &["id_number", "phone"],
    )
    .await
}

pub type MemberPage = ListPage<Member>;
impl Listed for Member {}

/// Filters of the members list.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MemberListFilter {
    /// Members whose relation this party organization holds.
    pub party_organization_id: Option<Uuid>,
    /// With `party_organization_id`: also the members of the organizations below it.
    #[param(default = false)]
    pub include_descendants: Option<bool>,
    /// Members working for this organization.
    pub organization_id: Option<Uuid>,
    pub stage: Option<Stage>,
    pub status: Option<MemberStatus>,
    pub is_mobile: Option<bool>,
    /// Part of the name.
    #[param(min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// Members held by party organizations in this region (`35`, `3501`, `350102`).
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/members/{id}")
}

/// A registration kept while another live member, outside the registering caller's scope, held
/// the same ID number (the caller was answered as for any registration, so that registering
/// tells nobody who is registered elsewhere). Names no personal data: open the two members.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "registered_at": "2026-12-02T03:30:00Z", "duplicate_of": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "holder_party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e22", "holder_archived": false
}))]
pub struct MemberDuplicate {
    /// The later record.
    pub member_id: Uuid,
    /// Where the later record's relation is held.
    pub party_organization_id: Uuid,
    pub registered_at: chrono::DateTime<chrono::Utc>,
    /// The member who held the number when it was registered again.
    pub duplicate_of: Uuid,
    pub holder_party_organization_id: Option<Uuid>,
    /// The holder has been archived since: correct (patch) the later record to release it.
    pub holder_archived: bool,
}

pub type MemberDuplicatePage = ListPage<MemberDuplicate>;
impl Listed for MemberDuplicate {}

/// List duplicate registrations
///
/// Members registered while another live member held the same ID number outside the registering
/// caller's scope, for the organization department to resolve: archive or correct one of the
/// two, or transfer. Lists those whose record or whose holder is within your scope. Each such
/// registration is also in the audit log (`duplicate_id_number`, on the holder).
#[utoipa::path(
    operation_id = "listMemberDuplicates",
    tag = TAG,
    security(("oauth2" = ["audit:read"])),
    params(PageParams),
    responses((status = 200, description = "A page of duplicate registrations.", body = MemberDuplicatePage)),
)]
#[get("/member-duplicates")]
pub async fn duplicates(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<NoFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::duplicates(&state.db, &access, &query.page).await?;
    Ok(list_page(page.map(|(member, holder)| MemberDuplicate {
        member_id: member.id,
        party_organization_id: member.party_organization_id,
        registered_at: member.created_at,
        duplicate_of: member.duplicate_of.unwrap_or_default(),
        holder_party_organization_id: holder.as_ref().map(|h| h.party_organization_id),
        holder_archived: holder.is_none_or(|h| h.archived_at.is_some()),
    })))
}

/// List members
///
/// Within your scope: a region, a party-organization subtree (members held or hosted there),
/// or, for a member, their own record. Personal data is masked without `pii:read`.
#[utoipa::path(
    operation_id = "listMembers",
    tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(PageParams, MemberListFilter),
    responses(
        (status = 200, description = "A page of members.", body = MemberPage),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/members")]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: ListQuery<MemberListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(req, state, principal, access, query, false).await
}

/// Export members as CSV or Excel
///
/// Every row the list would give (the same filters; from `cursor` on; `limit` and
/// `include_total` do not apply), personal data masked as in JSON. CSV is streamed: UTF-8 with a
/// byte-order mark, a header row of field names, cells a spreadsheet would run as a formula
/// quoted with `'`. `format=xlsx` gives an Excel workbook: headings in Chinese, identifiers as
/// text, dates as dates.
#[utoipa::path(
    operation_id = "exportMembers",
    tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(PageParams, MemberListFilter, super::export::FormatParam),
    responses(
        (status = 200, description = "Every matching row, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/members/export")]
pub async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    query: ListQuery<MemberListFilter>,
) -> Result<HttpResponse, ApiError> {
    list_as(req, state, principal, access, query, true).await
}

/// A page of the list as JSON, or (`csv`) every matching row as CSV.
async fn list_as(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    access: crate::auth::Access,
    query: ListQuery<MemberListFilter>,
    csv: bool,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let region_prefix = match &f.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let filter = MemberFilter {
        party_organization_id: f.party_organization_id,
        include_descendants: f.include_descendants.unwrap_or(false),
        organization_id: f.organization_id,
        stage: f.stage,
        status: f.status,
        is_mobile: f.is_mobile,
        name_contains: f.q,
        region_prefix,
    };
    let actor = super::actor(&req, &principal);
    if csv {
        let page = query.page;
        return super::export::list(&req, "members", CSV_COLUMNS, page.after, move |after| {
            let (state, access, filter, principal, actor) = (
                state.clone(),
                access.clone(),
                filter.clone(),
                principal.clone(),
                actor.clone(),
            );
            let page = page.export_from(after);
            async move { one_page(&state, &access, &filter, &page, &principal, &actor).await }
        })
        .await;
    }
    let page = one_page(&state, &access, &filter, &query.page, &principal, &actor).await?;
    Ok(list_page(page))
}

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "phone",
    "id_number",
    "organization_id",
    "party_organization_id",
    "party_group_id",
    "stage",
    "status",
    "is_mobile",
    "host_party_organization_id",
    "joined_on",
    "probation_ends_on",
    "full_member_on",
    "created_at",
    "updated_at",
    "version",
    "archived_at",
];

/// A page of members as the caller may see them.
async fn one_page(
    state: &AppState,
    access: &crate::auth::Access,
    filter: &MemberFilter,
    page: &PageRequest,
    principal: &Principal,
    actor: &audit::Actor,
) -> Result<Page<Member>, ApiError> {
    let page = service::list(&state.db, access, filter, page).await?;
    let page = page.map(|m| Member::from_model(m).for_caller(principal));
    audit_unmasked_reads(state, actor, principal, &page.items).await?;
    Ok(page)
}

/// Register a member
///
/// Checks the ID number (check character, and agreement with birth date and gender) and the
/// phone; an ID number already registered to a live member is a 409.
#[utoipa::path(
    operation_id = "createMember",
    tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(IdempotencyKey),
    request_body(content = MemberInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered.", body = Member,
         headers(("Location" = String, description = "The new member's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "The ID number is already registered to a live member within your scope (`needs_transfer`, naming them); a number held only outside your scope is registered and left to the organization department (`GET /member-duplicates`).", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/members")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: MemberInput = body.parse(state.rules())?;
    refuse_unknown_fields(&body.0, &input)?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let enrolment = Enrolment {
            party_organization_id: input.party_organization_id,
            stage: input.stage,
            joined_on: input.joined_on,
            full_member_on: input.full_member_on,
        };
        let model =
            service::create(txn, &caller, input.details.into(), enrolment, state.today()).await?;
        let member = Member::from_model(model).for_caller(&principal);
        Created::new(location(member.id), &member)
    })
    .await
}

/// Get a member
///
/// The member as the register holds them; ID number and phone masked without `pii:read` (unmasked
/// reads are audited).
#[utoipa::path(
    operation_id = "getMember",
    tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The member.", body = Member, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/members/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let include_archived = query.0.include_archived.unwrap_or(false);
    let model = service::get(&state.db, &access, *id, include_archived).await?;
    let member = Member::from_model(model).for_caller(&principal);
    let actor = super::actor(&req, &principal);
    audit_unmasked_reads(&state, &actor, &principal, std::slice::from_ref(&member)).await?;
    Ok(representation(&req, &etag(member.version), &member))
}

/// This member as `GET /members/{id}` shows it to the caller (archived too): the event feed's
/// representation.
pub fn render<'a>(
    state: &'a AppState,
    principal: &'a Principal,
    access: &'a crate::auth::Access,
    actor: &'a audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        let model = service::get(&state.db, access, id, true).await?;
        let member = Member::from_model(model).for_caller(principal);
        audit_unmasked_reads(state, actor, principal, std::slice::from_ref(&member)).await?;
        super::rendered(&member)
    })
}

/// Fields that a merge patch cannot set, and where they change instead.
const NOT_PATCHABLE: &[(&str, &str)] = &[
    ("stage", "POST /members/{id}/development"),
    (
        "status",
        "POST /members/{id}/development or /members/{id}/transfers",
    ),
    ("party_organization_id", "POST /members/{id}/transfers"),
    ("joined_on", "POST /members/{id}/development"),
    ("probation_ends_on", "POST /members/{id}/development"),
    ("full_member_on", "POST /members/{id}/development"),
];

/// Change a member
///
/// A JSON merge patch (RFC 7396) of the personal details, employer, party group and mobility.
/// `stage`, `status` and the party organization are not patchable (422 `read_only`): they change
/// through the development pipeline and transfers.
#[utoipa::path(
    operation_id = "updateMember",
    tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."), IfMatch),
    request_body(content = MemberPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Member, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "The ID number belongs to another member, or this one is archived.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/members/{id}")]
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
    let current = Member::from_model(service::get(&state.db, &caller.access, *id, true).await?);
    let (patch, body_version) = split_version(body.0)?;
    refuse_read_only(&patch, &current, NOT_PATCHABLE)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let details: MemberDetails = apply_merge_patch::<MemberPatch, _>(
        &current,
        &current.details(),
        expected,
        patch,
        state.rules(),
    )?;
    let model = service::update(&state.db, &caller, *id, expected, details.into()).await?;
    let member = Member::from_model(model).for_caller(&principal);
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(member.version)))
        .json(member))
}

/// Archive a member
///
/// Records are never erased: this sets `archived_at`; the member leaves lists and counts, and
/// their ID number may be registered again.
#[utoipa::path(
    operation_id = "archiveMember",
    tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."), IfMatch),
    responses((status = 204, description = "Archived.")),
)]
#[delete("/members/{id}")]
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

/// A merge patch of a member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"phone": "13900135678", "is_mobile": true, "host_party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e22"}))]
pub struct MemberPatch {
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(nullable = false)]
    gender: Option<Gender>,
    #[schema(nullable = false)]
    birth_date: Option<NaiveDate>,
    #[schema(max_length = 50)]
    ethnicity: Option<String>,
    #[schema(max_length = 50)]
    education: Option<String>,
    #[schema(max_length = 20, pattern = "^(1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8})$")]
    phone: Option<String>,
    #[schema(
        nullable = false,
        min_length = 18,
        max_length = 18,
        pattern = "^[0-9]{17}[0-9X]$"
    )]
    id_number: Option<String>,
    organization_id: Option<Uuid>,
    party_group_id: Option<Uuid>,
    #[schema(nullable = false)]
    is_mobile: Option<bool>,
    host_party_organization_id: Option<Uuid>,
    /// The version this change is based on, as an alternative to `If-Match`.
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

/// How an import reads rows.
const IMPORT_COLUMNS: Columns = Columns {
    accepted: &[
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "education",
        "phone",
        "id_number",
        "organization_id",
        "party_organization_id",
        "party_group_id",
        "stage",
        "is_mobile",
        "host_party_organization_id",
        "joined_on",
        "full_member_on",
    ],
    ignored: &[
        "id",
        "status",
        "probation_ends_on",
        "created_at",
        "updated_at",
        "version",
        "archived_at",
    ],
    booleans: &["is_mobile"],
    integers: &[],
};

fn member_row(
    value: serde_json::Value,
    rules: RuleContext,
) -> Result<crate::service::imports::MemberRow, Vec<FieldError>> {
    let input: MemberInput = check_shape(value, rules)?;
    let enrolment = Enrolment {
        party_organization_id: input.party_organization_id,
        stage: input.stage,
        joined_on: input.joined_on,
        full_member_on: input.full_member_on,
    };
    Ok((input.details.into(), enrolment))
}

/// Import members from CSV
///
/// The header names the columns, as in the member create body (`name`, `gender`,
/// `birth_date`, `id_number`, `party_organization_id`, …; an export's server-owned columns such
/// as `id` and `status` are ignored). Every row is checked as a create would be, and reported.
/// `mode=all_or_nothing` (the default) writes nothing if any row is refused (422 with the
/// report); `mode=valid_rows` writes the rows that pass. `dry_run=true` only checks. The body
/// is UTF-8, or GBK with `Content-Type: text/csv; charset=gbk`; it is streamed, up to
/// `LIANGXIN_IMPORT_MAX_BYTES`.
#[utoipa::path(
    operation_id = "importMembers",
    tag = imports::TAG,
    security(("oauth2" = ["members:write"])),
    params(ImportParams, IdempotencyKey),
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row; or an xlsx workbook, whose first sheet's first row is the header (field names, or the Chinese headings of an xlsx export).",
        example = json!("name,gender,birth_date,id_number,party_organization_id,stage\n李明,male,1994-03-15,350102199403150011,019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21,full\n")),
    responses(
        (status = 200, description = "Every row checked; the accepted ones written (unless a dry run).", body = ImportReport),
        (status = 413, description = "The body exceeds `LIANGXIN_IMPORT_MAX_BYTES`; nothing was written.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`all_or_nothing`: some rows were refused, so nothing was written; the report says which and why (`application/json`). Or the header names a column the import does not know (a problem).",
         content((ImportReport = "application/json"), (Problem = "application/problem+json"))),
    ),
)]
#[post("/imports/members")]
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
    let importer = MemberImporter::new(state.today());
    let target = Target {
        columns: &IMPORT_COLUMNS,
        shape: member_row,
        importer,
    };
    imports::run(&state, &caller, &req, query.0, key, payload, target).await
}
