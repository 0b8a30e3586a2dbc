//! Member education: `/api/v1/members/{id}/study-records`, `/members/{id}/study-hours` and
//! `/reports/education`.
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, JsonBody, ListQuery, NoQuery, PageParams,
    QueryParams, ReadParams, region_filter,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::education::{self as rules, StudyKind};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, FieldError, Problem};
use crate::service::education::{self as service, StudyFields};
use crate::state::AppState;

const TAG: &str = "members";

/// Study a member recorded. Attended party lectures and theme party days are not recorded: they
/// count from the meeting's attendance (`/study-hours`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e81", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "studied_on": "2026-06-12", "hours": 4.5, "kind": "online", "title": "学习贯彻党的二十届三中全会精神", "source": "中国干部网络学院",
    "created_at": "2026-06-12T10:00:00Z", "updated_at": "2026-06-12T10:00:00Z", "version": 1, "archived_at": null}))]
pub struct StudyRecord {
    pub id: Uuid,
    pub member_id: Uuid,
    pub studied_on: NaiveDate,
    /// In half-hour steps.
    pub hours: f64,
    pub kind: StudyKind,
    pub title: String,
    pub source: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::study_record::Model> for StudyRecord {
    fn from(m: entity::study_record::Model) -> Self {
        StudyRecord {
            id: m.id,
            member_id: m.member_id,
            studied_on: m.studied_on,
            hours: f64::from(m.half_hours) / 2.0,
            kind: m.kind,
            title: m.title,
            source: m.source,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

pub type StudyRecordPage = ListPage<StudyRecord>;
impl Listed for StudyRecord {}

/// Study to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"studied_on": "2026-06-12", "hours": 4.5, "kind": "online", "title": "学习贯彻党的二十届三中全会精神", "source": "中国干部网络学院"}))]
pub struct StudyRecordInput {
    /// Not in the future.
    pub studied_on: NaiveDate,
    /// 0.5 to 24, in half-hour steps.
    #[schema(minimum = 0.5, maximum = 24, multiple_of = 0.5)]
    pub hours: f64,
    pub kind: StudyKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Who gave it, or where (a school, a platform).
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub source: Option<String>,
}

impl BodyRules for StudyRecordInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        match rules::half_hours(self.hours) {
            Some(_) => Vec::new(),
            None => vec![RuleViolation::new(
                "hours",
                "half_hour_steps",
                "from 0.5 to 24 hours, in half-hour steps",
            )],
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StudyRecordFilter {
    /// Records on or after this day.
    pub from: Option<NaiveDate>,
    /// Records on or before this day.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    /// The calendar year; this year when absent.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    #[validate(range(min = 2000, max = 2100))]
    pub year: Option<i32>,
}

/// A meeting that counted for study.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudyMeeting {
    pub meeting_id: Uuid,
    /// `party_lecture` or `theme_party_day`.
    pub kind: entity::enums::MeetingKind,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// Its duration, rounded down to half hours.
    pub hours: f64,
}

/// A member's study hours of a year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "year": 2026, "hours": 36.5, "recorded_hours": 28.5,
    "meeting_hours": 8.0, "required_hours": 32.0, "meets_requirement": true,
    "meetings": [{"meeting_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e91", "kind": "party_lecture", "title": "七一专题党课", "starts_at": "2026-06-28T01:00:00Z", "hours": 2.0}]}))]
pub struct StudyHours {
    pub member_id: Uuid,
    pub year: i32,
    pub hours: f64,
    /// From study records.
    pub recorded_hours: f64,
    /// From held party lectures and theme party days the member was present at.
    pub meeting_hours: f64,
    /// 32 (`LIANGXIN_STUDY_HOURS_MEMBER`), or 56 for a secretary or committee member
    /// (`LIANGXIN_STUDY_HOURS_LEADER`).
    pub required_hours: f64,
    pub meets_requirement: bool,
    pub meetings: Vec<StudyMeeting>,
}

fn location(member_id: Uuid, id: Uuid) -> String {
    format!("{BASE_PATH}/members/{member_id}/study-records/{id}")
}

/// The feed's representation of a study record.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&StudyRecord::from(
            service::get_by_id(&state.db, access, id).await?,
        ))
    })
}

/// Record study
///
/// A course, online study or other study of the member, in half hours. Attended party lectures
/// and theme party days count by themselves: do not record them again.
#[utoipa::path(operation_id = "createStudyRecord", tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."), IdempotencyKey),
    request_body(content = StudyRecordInput, content_type = "application/json"),
    responses((status = 201, description = "Recorded.", body = StudyRecord,
        headers(("Location" = String, description = "The record's URL."), ("ETag" = String, description = "Its version.")))))]
#[post("/members/{id}/study-records")]
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
    let input: StudyRecordInput = body.parse(state.rules())?;
    if input.studied_on > state.today() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "studied_on",
            "future_date",
            "study is recorded once it took place",
        )]));
    }
    let fields = StudyFields {
        studied_on: input.studied_on,
        half_hours: rules::half_hours(input.hours).unwrap_or(1),
        kind: input.kind,
        title: input.title,
        source: input.source,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let record = StudyRecord::from(service::create(txn, &caller, *id, fields).await?);
        Created::new(location(*id, record.id), &record)
    })
    .await
}

/// List a member's study records
///
/// What was recorded (not the meetings, which `/study-hours` lists), oldest recorded first.
#[utoipa::path(operation_id = "listStudyRecords", tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id."), PageParams, StudyRecordFilter),
    responses((status = 200, description = "A page of records.", body = StudyRecordPage)))]
#[get("/members/{id}/study-records")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<StudyRecordFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let page = service::list(&state.db, &access, *id, f.from, f.to, &query.page).await?;
    Ok(list_page(page.map(StudyRecord::from)))
}

/// Get a study record
///
/// The record as it was made.
#[utoipa::path(operation_id = "getStudyRecord", tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id."),
        ("record_id" = Uuid, Path, description = "The record's id."), ReadParams),
    responses((status = 200, description = "The record.", body = StudyRecord,
        headers(("ETag" = String, description = "Its version.")))))]
#[get("/members/{id}/study-records/{record_id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let (id, record_id) = *path;
    let archived = query.0.include_archived.unwrap_or(false);
    let record =
        StudyRecord::from(service::get(&state.db, &access, id, record_id, archived).await?);
    Ok(representation(&req, &etag(record.version), &record))
}

/// Withdraw a study record
///
/// A record made in error no longer counts (it is archived, readable with `include_archived`).
#[utoipa::path(operation_id = "archiveStudyRecord", tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."),
        ("record_id" = Uuid, Path, description = "The record's id."), IfMatch),
    responses((status = 204, description = "Withdrawn.")))]
#[delete("/members/{id}/study-records/{record_id}")]
pub async fn archive(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, record_id) = *path;
    service::archive(&state.db, &caller, id, record_id, if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Get a member's study hours
///
/// A year's hours: recorded study plus the held party lectures and theme party days the member
/// was present at (each its duration rounded down to half hours), against the requirement.
#[utoipa::path(operation_id = "getStudyHours", tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id."), YearParams),
    responses((status = 200, description = "The year's hours.", body = StudyHours)))]
#[get("/members/{id}/study-hours")]
pub async fn hours(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<YearParams>,
) -> Result<HttpResponse, ApiError> {
    let member = crate::service::members::get(&state.db, &access, *id, false).await?;
    let year = query.0.year.unwrap_or_else(|| state.today().year());
    let span = service::year_span(year, state.config.utc_offset);
    let days = (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default(),
    );
    let total = service::half_hours_of(&state.db.read, &[member.id], days, span).await?;
    let meetings = service::attended(&state.db.read, &[member.id], span).await?;
    let leader = !service::leaders(&state.db.read, &[member.id])
        .await?
        .is_empty();
    let half_hours = total.get(&member.id).copied().unwrap_or(0);
    let meeting_half_hours: i64 = meetings.iter().map(|m| m.half_hours).sum();
    let required_hours = state.config.study_requirement.of(leader);
    let hours = half_hours as f64 / 2.0;
    Ok(HttpResponse::Ok().json(StudyHours {
        member_id: member.id,
        year,
        hours,
        recorded_hours: (half_hours - meeting_half_hours) as f64 / 2.0,
        meeting_hours: meeting_half_hours as f64 / 2.0,
        required_hours,
        meets_requirement: hours >= required_hours,
        meetings: meetings
            .into_iter()
            .map(|m| StudyMeeting {
                meeting_id: m.meeting_id,
                kind: m.kind,
                title: m.title,
                starts_at: m.starts_at,
                hours: m.half_hours as f64 / 2.0,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EducationReportParams {
    /// Party organizations of this region (any level); all you reach when absent.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    /// The calendar year; this year when absent.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    #[validate(range(min = 2000, max = 2100))]
    pub year: Option<i32>,
}

/// A member below the requirement.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBelow {
    pub member_id: Uuid,
    pub name: String,
    pub hours: f64,
    pub required_hours: f64,
}

/// One party organization's members' study.
#[derive(Debug, Serialize, ToSchema)]
pub struct EducationReportRow {
    pub party_organization_id: Uuid,
    pub name: String,
    pub region_code: String,
    pub region_name: Option<String>,
    /// Active full and probationary members held here.
    pub members: usize,
    pub meeting_requirement: usize,
    pub below: Vec<MemberBelow>,
}

/// The members' study hours of a year, by party organization.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2026, "region_code": "3501", "region_name": "福建省 / 福州市", "members": 12, "meeting_requirement": 10,
    "items": [{"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "name": "福州云帆科技有限公司党支部",
        "region_code": "350102", "region_name": "福建省 / 福州市 / 鼓楼区", "members": 12, "meeting_requirement": 10,
        "below": [{"member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "name": "李明", "hours": 20.5, "required_hours": 32.0}]}]}))]
pub struct EducationReport {
    pub year: i32,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub members: usize,
    pub meeting_requirement: usize,
    pub items: Vec<EducationReportRow>,
}

async fn report_of(
    state: &AppState,
    access: &crate::auth::Access,
    params: EducationReportParams,
) -> Result<EducationReport, ApiError> {
    let prefix = match &params.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let year = params.year.unwrap_or_else(|| state.today().year());
    let rows = service::report(
        &state.db,
        access,
        prefix.as_deref(),
        year,
        state.config.utc_offset,
        state.config.study_requirement,
    )
    .await?;
    let items: Vec<EducationReportRow> = rows
        .into_iter()
        .map(|row| EducationReportRow {
            party_organization_id: row.party_organization.id,
            region_name: state
                .divisions
                .full_name(&row.party_organization.region_code),
            name: row.party_organization.name,
            region_code: row.party_organization.region_code,
            members: row.members.len(),
            meeting_requirement: row.members.iter().filter(|m| m.meets()).count(),
            below: row
                .members
                .iter()
                .filter(|m| !m.meets())
                .map(|m| MemberBelow {
                    member_id: m.member.id,
                    name: m.member.name.clone(),
                    hours: m.hours(),
                    required_hours: m.required_hours,
                })
                .collect(),
        })
        .collect();
    let region_name = prefix.as_deref().and_then(|p| {
        state
            .divisions
            .full_name(&crate::domain::region::full_code(p))
    });
    Ok(EducationReport {
        year,
        region_code: params.region_code,
        region_name,
        members: items.iter().map(|r| r.members).sum(),
        meeting_requirement: items.iter().map(|r| r.meeting_requirement).sum(),
        items,
    })
}

/// Report on member education
///
/// For each party organization you reach (in a region), how many of its active full and
/// probationary members studied the required hours in a year (32, or 56 for secretaries and
/// committee members), and
/// those below with their hours.
#[utoipa::path(operation_id = "getEducationReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(EducationReportParams),
    responses(
        (status = 200, description = "The report.", body = EducationReport),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/education")]
pub async fn report(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<EducationReportParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(report_of(&state, &access, query.0).await?))
}

/// Export the education report as CSV or Excel
///
/// One row per member below the requirement, with their party organization (UTF-8).
#[utoipa::path(operation_id = "exportEducationReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(EducationReportParams, super::export::FormatParam),
    responses(
        (status = 200, description = "The members below the requirement, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/education/export")]
pub async fn report_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<EducationReportParams>,
) -> Result<HttpResponse, ApiError> {
    let education = report_of(&state, &access, query.0).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "party_organization_id",
            "party_organization",
            "region_code",
            "region_name",
            "member_id",
            "member",
            "hours",
            "required_hours",
        ])
        .map_err(fail)?;
    for row in &education.items {
        for member in &row.below {
            writer
                .write_record([
                    row.party_organization_id.to_string(),
                    crate::domain::text::defuse_formula(&row.name),
                    row.region_code.clone(),
                    row.region_name.clone().unwrap_or_default(),
                    member.member_id.to_string(),
                    crate::domain::text::defuse_formula(&member.name),
                    member.hours.to_string(),
                    member.required_hours.to_string(),
                ])
                .map_err(fail)?;
        }
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    super::export::report(&req, "study-hours", body).await
}
