//! Compliance with the required rhythm of meetings: one party organization
//! (`/party-organizations/{id}/compliance`) or every one in a region (`/reports/compliance`).
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{Authorized, QueryParams, region_filter};
use crate::domain::compliance::{KindCompliance, Period, rate};
use crate::error::{ApiError, Problem};
use crate::service::compliance::{self as service, OrganizationCompliance, Rules};
use crate::state::AppState;

const TAG: &str = "reports";
const PERIOD_PATTERN: &str = "^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$";

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// A quarter (`2026-Q3`), a month (`2026-07`) or a year (`2026`).
    #[param(pattern = "^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", example = "2026-Q3")]
    pub period: String,
}

pub(super) fn period_of(text: &str) -> Result<Period, ApiError> {
    Period::parse(text).ok_or_else(|| {
        ApiError::bad_request(
            "period",
            "format",
            format!("must be a year, a month or a quarter such as 2026-Q3 ({PERIOD_PATTERN})"),
        )
    })
}

fn rules<'a>(state: &'a AppState, period: Period) -> Rules<'a> {
    Rules {
        period,
        frequencies: &state.config.meeting_frequencies,
        offset: state.config.utc_offset,
        now: chrono::Utc::now(),
    }
}

/// A member flagged by their attendance.
#[derive(Debug, Serialize, ToSchema)]
pub struct AbsentMember {
    pub member_id: Uuid,
    /// The longest run of held meetings missed without excuse in the period.
    pub consecutive_absences: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Compliance {
    pub party_organization_id: Uuid,
    pub name: String,
    pub period: String,
    /// Required units (a month, quarter or year of a kind) that are over with a held meeting ÷
    /// required units that are over; `null` when none is over yet (a unit still running is
    /// `due`, not missed).
    pub compliance_rate: Option<f64>,
    pub kinds: Vec<KindCompliance>,
    /// Present ÷ expected over the period's held meetings.
    pub attendance_rate: Option<f64>,
    /// Absent without excuse from three or more consecutive held meetings.
    pub repeatedly_absent: Vec<AbsentMember>,
    /// Expected members present at no held meeting in the six months before the period ended
    /// (the charter's lapse rule: six months without organizational life).
    pub no_organizational_life: Vec<Uuid>,
}

/// A party organization's compliance
///
/// For each kind of meeting: the required count in the period (per the configured frequencies:
/// by default general meetings and lectures quarterly, committee and group meetings and theme
/// party days monthly, the organizational life meeting and democratic review yearly; committee
/// meetings only with a committee, group meetings per party group), the held count, the months
/// or quarters with none, and planned meetings left overdue; the attendance rate; members
/// absent without excuse three or more times running, and members with six months of no
/// organizational life.
#[utoipa::path(
    operation_id = "getPartyOrganizationCompliance",
    tag = TAG,
    security(("oauth2" = ["meetings:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), PeriodParams),
    responses((status = 200, description = "The organization's compliance.", body = Compliance)),
)]
#[get("/party-organizations/{id}/compliance")]
pub async fn organization(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<PeriodParams>,
) -> Result<HttpResponse, ApiError> {
    let period = period_of(&query.0.period)?;
    let (compliance, findings) =
        service::organization(&state.db, &access, *id, &rules(&state, period)).await?;
    Ok(HttpResponse::Ok().json(Compliance {
        party_organization_id: compliance.organization.id,
        name: compliance.organization.name,
        period: query.0.period,
        compliance_rate: rate(compliance.satisfied, compliance.due),
        kinds: compliance.kinds,
        attendance_rate: findings.attendance_rate,
        repeatedly_absent: findings
            .repeatedly_absent
            .into_iter()
            .map(|(member_id, consecutive_absences)| AbsentMember {
                member_id,
                consecutive_absences,
            })
            .collect(),
        no_organizational_life: findings.no_organizational_life,
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RegionComplianceParams {
    /// A quarter (`2026-Q3`), a month (`2026-07`) or a year (`2026`).
    #[param(pattern = "^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", example = "2026-Q3")]
    pub period: String,
    /// Party organizations in this region (`35`, `3501`, `350102`…), within your scope.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationComplianceRow {
    pub party_organization_id: Uuid,
    pub name: String,
    pub region_code: String,
    pub region_name: Option<String>,
    /// Over the units that are over (see `Compliance.compliance_rate`).
    pub compliance_rate: Option<f64>,
    /// Required units that are over.
    pub required: u32,
    pub satisfied: u32,
    /// Required units that are over with none held: the report sorts by it, most first.
    pub missed_units: u32,
    /// Kinds with a unit missed, and which.
    pub shortfalls: Vec<KindCompliance>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionCompliance {
    pub period: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub party_organizations: usize,
    /// Organizations meeting every requirement.
    pub fully_compliant: usize,
    /// All required units satisfied ÷ all required, over the region.
    pub compliance_rate: Option<f64>,
    /// Most missed units first, then the lowest rate.
    pub items: Vec<OrganizationComplianceRow>,
}

fn row(state: &AppState, c: OrganizationCompliance) -> OrganizationComplianceRow {
    let missed_units = u32::try_from(c.missed()).unwrap_or(u32::MAX);
    OrganizationComplianceRow {
        party_organization_id: c.organization.id,
        name: c.organization.name,
        region_name: state.divisions.full_name(&c.organization.region_code),
        region_code: c.organization.region_code,
        compliance_rate: rate(c.satisfied, c.due),
        required: c.due,
        satisfied: c.satisfied,
        missed_units,
        shortfalls: c
            .kinds
            .into_iter()
            .filter(|k| !k.missing.is_empty())
            .collect(),
    }
}

fn csv_of(report: &RegionCompliance) -> Result<String, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "party_organization_id",
            "name",
            "region_code",
            "region_name",
            "compliance_rate",
            "required",
            "satisfied",
            "missed_units",
            "missing",
        ])
        .map_err(fail)?;
    for r in &report.items {
        let missing: Vec<String> = r
            .shortfalls
            .iter()
            .map(|k| format!("{}: {}", k.kind, k.missing.join(" ")))
            .collect();
        writer
            .write_record([
                r.party_organization_id.to_string(),
                crate::domain::text::defuse_formula(&r.name),
                r.region_code.clone(),
                r.region_name.clone().unwrap_or_default(),
                r.compliance_rate.map_or(String::new(), |v| v.to_string()),
                r.required.to_string(),
                r.satisfied.to_string(),
                r.missed_units.to_string(),
                missing.join("; "),
            ])
            .map_err(fail)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The compliance report of a region
///
/// Every party organization within the region and your scope with its compliance rate and
/// shortfalls, worst first, and the region's totals.
#[utoipa::path(
    operation_id = "getComplianceReport",
    tag = TAG,
    security(("oauth2" = ["reports:read"])),
    params(RegionComplianceParams),
    responses(
        (status = 200, description = "The report.", body = RegionCompliance),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/reports/compliance")]
pub async fn region(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<RegionComplianceParams>,
) -> Result<HttpResponse, ApiError> {
    region_as(state, access, query, None).await
}

/// Export the compliance report as CSV or Excel
///
/// The same table as CSV (UTF-8, a header row; cells a spreadsheet would run as a formula
/// quoted with `'`).
#[utoipa::path(
    operation_id = "exportComplianceReport",
    tag = TAG,
    security(("oauth2" = ["reports:read"])),
    params(RegionComplianceParams, super::export::FormatParam),
    responses(
        (status = 200, description = "The report, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/reports/compliance/export")]
pub async fn region_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<RegionComplianceParams>,
) -> Result<HttpResponse, ApiError> {
    region_as(state, access, query, Some(&req)).await
}

/// The report as JSON, or (`csv`) as CSV.
async fn region_as(
    state: web::Data<AppState>,
    access: crate::auth::Access,
    query: QueryParams<RegionComplianceParams>,
    csv: Option<&HttpRequest>,
) -> Result<HttpResponse, ApiError> {
    let params = query.0;
    let period = period_of(&params.period)?;
    let prefix = match &params.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let assessed = service::region(
        &state.db,
        &access,
        prefix.as_deref(),
        &rules(&state, period),
    )
    .await?;
    let (satisfied, due) = assessed
        .iter()
        .fold((0, 0), |(s, d), c| (s + c.satisfied, d + c.due));
    let fully_compliant = assessed.iter().filter(|c| c.satisfied == c.due).count();
    let items: Vec<_> = assessed.into_iter().map(|c| row(&state, c)).collect();
    let region_name = prefix.as_deref().and_then(|p| {
        state
            .divisions
            .full_name(&crate::domain::region::full_code(p))
    });
    let report = RegionCompliance {
        period: params.period,
        region_code: params.region_code,
        region_name,
        party_organizations: items.len(),
        fully_compliant,
        compliance_rate: rate(satisfied, due),
        items,
    };
    if let Some(req) = csv {
        return super::export::report(req, "compliance-report", csv_of(&report)?.into_bytes())
            .await;
    }
    Ok(HttpResponse::Ok().json(report))
}
