//! `/api/v1/reports`: figures computed live over the caller's scope.
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::extract::{Authorized, QueryParams, region_filter};
use crate::domain::divisions::Divisions;
use crate::domain::member::Stage;
use crate::error::{ApiError, Problem};
use crate::service::reports::{self as service, CoverageCounts, Grouping};
use crate::state::AppState;

const TAG: &str = "reports";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageGrouping {
    /// One level below the requested region (provinces → cities → counties → townships).
    Region,
    Kind,
    Category,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// The region reported on (`35`, `3501`, `350102`…); within your scope.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    /// The day the figures are for (default today): party organizations established and
    /// assignments running on that day.
    pub as_of: Option<NaiveDate>,
    #[param(inline)]
    pub group_by: Option<CoverageGrouping>,
}

/// Active members by stage.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct MemberFigures {
    pub applicants: i64,
    pub activists: i64,
    pub candidates: i64,
    pub probationary: i64,
    pub full: i64,
    /// Mobile members (流动党员) among them.
    pub mobile: i64,
}

/// The "two coverages" of one group.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageRow {
    /// The group: a region code, a kind or a category; `total` for the whole.
    #[schema(example = "350102")]
    pub group: String,
    /// The region's full name, when grouping by region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_name: Option<String>,
    /// Operating organizations in the survey scope ("三有").
    pub organizations: i64,
    /// With a party organization of their own (a branch, general branch or committee).
    pub with_own_party_organization: i64,
    /// Without their own, but covered by a joint branch.
    pub covered_by_joint_party_organization: i64,
    /// With an instructor assigned on `as_of`.
    pub with_active_instructor: i64,
    /// Covered by a party organization, or with an active instructor.
    pub work_covered: i64,
    /// (own + joint) ÷ organizations; `null` without organizations.
    pub organization_coverage_rate: Option<f64>,
    /// own ÷ organizations.
    pub own_organization_rate: Option<f64>,
    /// work_covered ÷ organizations.
    pub work_coverage_rate: Option<f64>,
    pub members: MemberFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageReport {
    pub as_of: NaiveDate,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub group_by: Option<CoverageGrouping>,
    pub totals: CoverageRow,
    /// One row per group, when `group_by` is given.
    pub groups: Vec<CoverageRow>,
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

fn row(group: String, region_name: Option<String>, c: &CoverageCounts) -> CoverageRow {
    let stage = |s: Stage| c.members_by_stage.get(&s).copied().unwrap_or(0);
    let covered = c.with_own_party_organization + c.covered_by_joint_party_organization;
    CoverageRow {
        group,
        region_name,
        organizations: c.organizations,
        with_own_party_organization: c.with_own_party_organization,
        covered_by_joint_party_organization: c.covered_by_joint_party_organization,
        with_active_instructor: c.with_active_instructor,
        work_covered: c.work_covered,
        organization_coverage_rate: rate(covered, c.organizations),
        own_organization_rate: rate(c.with_own_party_organization, c.organizations),
        work_coverage_rate: rate(c.work_covered, c.organizations),
        members: MemberFigures {
            applicants: stage(Stage::Applicant),
            activists: stage(Stage::Activist),
            candidates: stage(Stage::Candidate),
            probationary: stage(Stage::Probationary),
            full: stage(Stage::Full),
            mobile: c.mobile_members,
        },
    }
}

fn add(total: &mut CoverageCounts, c: &CoverageCounts) {
    total.organizations += c.organizations;
    total.with_own_party_organization += c.with_own_party_organization;
    total.covered_by_joint_party_organization += c.covered_by_joint_party_organization;
    total.with_active_instructor += c.with_active_instructor;
    total.work_covered += c.work_covered;
    total.mobile_members += c.mobile_members;
    for (stage, n) in &c.members_by_stage {
        *total.members_by_stage.entry(*stage).or_default() += n;
    }
}

/// A region group's code in full (`3501` → `350100`) and its name.
fn region_group(divisions: &Divisions, key: &str) -> (String, Option<String>) {
    let code = crate::domain::region::full_code(key);
    let name = divisions.full_name(&code);
    (code, name)
}

const CSV_HEADER: &[&str] = &[
    "group",
    "region_name",
    "organizations",
    "with_own_party_organization",
    "covered_by_joint_party_organization",
    "with_active_instructor",
    "work_covered",
    "organization_coverage_rate",
    "own_organization_rate",
    "work_coverage_rate",
    "applicants",
    "activists",
    "candidates",
    "probationary",
    "full",
    "mobile",
];

fn csv_of(report: &CoverageReport) -> Result<String, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer.write_record(CSV_HEADER).map_err(fail)?;
    let number = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for r in report.groups.iter().chain(std::iter::once(&report.totals)) {
        let m = &r.members;
        writer
            .write_record([
                r.group.clone(),
                r.region_name.clone().unwrap_or_default(),
                r.organizations.to_string(),
                r.with_own_party_organization.to_string(),
                r.covered_by_joint_party_organization.to_string(),
                r.with_active_instructor.to_string(),
                r.work_covered.to_string(),
                number(r.organization_coverage_rate),
                number(r.own_organization_rate),
                number(r.work_coverage_rate),
                m.applicants.to_string(),
                m.activists.to_string(),
                m.candidates.to_string(),
                m.probationary.to_string(),
                m.full.to_string(),
                m.mobile.to_string(),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The coverage report
///
/// The "two coverages" (中办发〔2012〕11号) over operating organizations in the survey scope,
/// within `region_code` and your scope, on `as_of`: organizations with their own party
/// organization, covered by a joint branch, with an active instructor; organization coverage,
/// own-organization and work coverage rates; members by stage and mobile members. Computed live.
/// Group by region (one level below the region asked for, with its name), kind or category.
#[utoipa::path(
    operation_id = "getCoverageReport",
    tag = TAG,
    security(("oauth2" = ["reports:read"])),
    params(CoverageParams),
    responses(
        (status = 200, description = "The report.", body = CoverageReport),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/reports/coverage")]
pub async fn coverage(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<CoverageParams>,
) -> Result<HttpResponse, ApiError> {
    coverage_as(state, access, query, None).await
}

/// Export the coverage report as CSV or Excel
///
/// The same table as CSV (UTF-8, a header row; cells a spreadsheet would run as a formula
/// quoted with `'`).
#[utoipa::path(
    operation_id = "exportCoverageReport",
    tag = TAG,
    security(("oauth2" = ["reports:read"])),
    params(CoverageParams, super::export::FormatParam),
    responses(
        (status = 200, description = "The report, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/reports/coverage/export")]
pub async fn coverage_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<CoverageParams>,
) -> Result<HttpResponse, ApiError> {
    coverage_as(state, access, query, Some(&req)).await
}

/// The report as JSON, or (`csv`) as CSV.
async fn coverage_as(
    state: web::Data<AppState>,
    access: crate::auth::Access,
    query: QueryParams<CoverageParams>,
    csv: Option<&HttpRequest>,
) -> Result<HttpResponse, ApiError> {
    let params = query.0;
    let prefix = match &params.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let grouping = match params.group_by {
        None => Grouping::None,
        Some(CoverageGrouping::Kind) => Grouping::Kind,
        Some(CoverageGrouping::Category) => Grouping::Category,
        Some(CoverageGrouping::Region) => Grouping::Region(match prefix.as_deref().map(str::len) {
            None => 2,
            Some(2) => 4,
            Some(4) => 6,
            Some(_) => 9,
        }),
    };
    let as_of = params.as_of.unwrap_or_else(|| state.today());
    let groups = service::coverage(&state.db, &access, prefix.as_deref(), as_of, grouping).await?;
    let mut total = CoverageCounts::default();
    groups.values().for_each(|c| add(&mut total, c));
    let rows = match grouping {
        Grouping::None => Vec::new(),
        _ => groups
            .iter()
            .filter_map(|(key, counts)| {
                let key = key.as_deref()?;
                let (group, name) = match grouping {
                    Grouping::Region(_) => region_group(&state.divisions, key),
                    _ => (key.to_owned(), None),
                };
                Some(row(group, name, counts))
            })
            .collect(),
    };
    let region_name = params.region_code.as_deref().and_then(|c| {
        state
            .divisions
            .full_name(&region_group(&state.divisions, c).0)
    });
    let report = CoverageReport {
        as_of,
        region_code: params.region_code,
        region_name,
        group_by: params.group_by,
        totals: row("total".into(), None, &total),
        groups: rows,
    };
    if let Some(req) = csv {
        return super::export::report(req, "coverage-report", csv_of(&report)?.into_bytes()).await;
    }
    Ok(HttpResponse::Ok().json(report))
}
