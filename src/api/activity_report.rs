//! `/party-organizations/{id}/activity-summary` and `/reports/activity`: what party organizations
//! did with their activity carriers in a period, "decorative" ones (no activity, no post) first.
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::compliance::{PeriodParams, period_of};
use super::extract::{Authorized, QueryParams, region_filter};
use crate::error::{ApiError, Problem};
use crate::service::activities::{self as service, Summary};
use crate::state::AppState;

/// A member who took part in no carrier in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdleMember {
    pub member_id: Uuid,
    pub name: String,
}

/// One party organization's activity carriers in a period.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "name": "福州云帆科技有限公司党支部",
    "region_code": "350102", "region_name": "福建省 / 福州市 / 鼓楼区", "period": "2026-Q3", "decorative": false,
    "activities": 3, "activities_by_kind": {"skills_competition": 1, "face_to_face": 2}, "member_participants": 9,
    "employee_participants": 66, "posts_held": 4, "ratings": {"excellent": 1, "good": 2},
    "concerns_raised": 5, "concerns_resolved": 3, "concerns_overdue": 1,
    "idle_members": [{"member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "name": "李明"}]}))]
pub struct ActivitySummary {
    pub party_organization_id: Uuid,
    pub name: String,
    pub region_code: String,
    pub region_name: Option<String>,
    pub period: String,
    /// Ran no activity and held no post in the period ("mere decoration").
    pub decorative: bool,
    pub activities: u64,
    /// By activity kind.
    pub activities_by_kind: BTreeMap<String, u64>,
    /// Distinct members who took part in an activity or held a post.
    pub member_participants: u64,
    /// Non-member employees who took part (summed over activities).
    pub employee_participants: u64,
    /// Responsibility posts held in the period.
    pub posts_held: u64,
    /// Evaluations made in the period, by rating.
    pub ratings: BTreeMap<String, u64>,
    pub concerns_raised: u64,
    pub concerns_resolved: u64,
    /// Open or in progress past their due date today.
    pub concerns_overdue: u64,
    /// Active full and probationary members who took part in no activity and held no post.
    pub idle_members: Vec<IdleMember>,
}

fn summary_of(
    state: &AppState,
    party: &entity::party_organization::Model,
    period: &str,
    summary: Summary,
) -> ActivitySummary {
    ActivitySummary {
        party_organization_id: party.id,
        name: party.name.clone(),
        region_code: party.region_code.clone(),
        region_name: state.divisions.full_name(&party.region_code),
        period: period.to_owned(),
        decorative: summary.decorative(),
        activities: summary.activities,
        activities_by_kind: summary.activities_by_kind,
        member_participants: summary.member_participants,
        employee_participants: summary.employee_participants,
        posts_held: summary.posts_held,
        ratings: summary.ratings,
        concerns_raised: summary.concerns_raised,
        concerns_resolved: summary.concerns_resolved,
        concerns_overdue: summary.concerns_overdue,
        idle_members: summary
            .idle_members
            .into_iter()
            .map(|(member_id, name)| IdleMember { member_id, name })
            .collect(),
    }
}

/// Summarize a party organization's activity carriers
///
/// For a year, quarter or month: activities by kind, participants (members and employees), posts
/// held and their ratings, concerns raised, resolved and overdue, and the members who took part
/// in no carrier.
#[utoipa::path(operation_id = "getActivitySummary", tag = "activities",
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), PeriodParams),
    responses((status = 200, description = "The summary.", body = ActivitySummary)))]
#[get("/party-organizations/{id}/activity-summary")]
pub async fn activity_summary(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<PeriodParams>,
) -> Result<HttpResponse, ApiError> {
    let period = period_of(&query.0.period)?;
    let party = crate::service::party_organizations::get(&state.db, &access, *id, false)
        .await?
        .model;
    let mut found = service::summaries(
        &state.db.read,
        &[party.id],
        period.first_day(),
        period.end(),
        state.today(),
    )
    .await?;
    let summary = found.remove(&party.id).unwrap_or_default();
    Ok(HttpResponse::Ok().json(summary_of(&state, &party, &query.0.period, summary)))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityReportParams {
    /// Party organizations of this region (any level); all you reach when absent.
    #[param(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$", example = "3501")]
    pub region_code: Option<String>,
    /// A quarter (`2026-Q3`), a month (`2026-07`) or a year (`2026`).
    #[param(pattern = "^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$", example = "2026-Q3")]
    pub period: String,
}

/// The party organizations of a region and their activity carriers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityReport {
    pub period: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub party_organizations: usize,
    /// Those that ran no activity and held no post in the period.
    pub decorative: usize,
    /// Decorative ones first, then by activities, fewest first.
    pub items: Vec<ActivitySummary>,
}

async fn report_of(
    state: &AppState,
    access: &crate::auth::Access,
    params: ActivityReportParams,
) -> Result<ActivityReport, ApiError> {
    let period = period_of(&params.period)?;
    let prefix = match &params.region_code {
        None => None,
        Some(code) => Some(region_filter(&state.divisions, "region_code", code)?),
    };
    let parties = service::party_organizations_in(&state.db, access, prefix.as_deref()).await?;
    let ids: Vec<Uuid> = parties.iter().map(|p| p.id).collect();
    let mut found = service::summaries(
        &state.db.read,
        &ids,
        period.first_day(),
        period.end(),
        state.today(),
    )
    .await?;
    let mut items: Vec<ActivitySummary> = parties
        .iter()
        .map(|party| {
            let summary = found.remove(&party.id).unwrap_or_default();
            summary_of(state, party, &params.period, summary)
        })
        .collect();
    items.sort_by_key(|s| (!s.decorative, s.activities + s.posts_held));
    let region_name = prefix.as_deref().and_then(|p| {
        state
            .divisions
            .full_name(&crate::domain::region::full_code(p))
    });
    Ok(ActivityReport {
        period: params.period,
        region_code: params.region_code,
        region_name,
        party_organizations: items.len(),
        decorative: items.iter().filter(|s| s.decorative).count(),
        items,
    })
}

/// Report on activity carriers by region
///
/// For each party organization you reach in a region: the summary's figures for the period,
/// with the "decorative" ones (no activity, no post) first.
#[utoipa::path(operation_id = "getActivityReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(ActivityReportParams),
    responses(
        (status = 200, description = "The report.", body = ActivityReport),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/activity")]
pub async fn report(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<ActivityReportParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(report_of(&state, &access, query.0).await?))
}

/// Export the activity report as CSV or Excel
///
/// One row per party organization, decorative ones first (UTF-8).
#[utoipa::path(operation_id = "exportActivityReport", tag = "reports",
    security(("oauth2" = ["reports:read"])),
    params(ActivityReportParams, super::export::FormatParam),
    responses(
        (status = 200, description = "The report, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, description = "`region_code` is not in the division table.", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/reports/activity/export")]
pub async fn report_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: QueryParams<ActivityReportParams>,
) -> Result<HttpResponse, ApiError> {
    let activity = report_of(&state, &access, query.0).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "party_organization_id",
            "name",
            "region_code",
            "region_name",
            "decorative",
            "activities",
            "member_participants",
            "employee_participants",
            "posts_held",
            "concerns_raised",
            "concerns_resolved",
            "concerns_overdue",
            "idle_members",
        ])
        .map_err(fail)?;
    for row in &activity.items {
        writer
            .write_record([
                row.party_organization_id.to_string(),
                crate::domain::text::defuse_formula(&row.name),
                row.region_code.clone(),
                row.region_name.clone().unwrap_or_default(),
                row.decorative.to_string(),
                row.activities.to_string(),
                row.member_participants.to_string(),
                row.employee_participants.to_string(),
                row.posts_held.to_string(),
                row.concerns_raised.to_string(),
                row.concerns_resolved.to_string(),
                row.concerns_overdue.to_string(),
                row.idle_members.len().to_string(),
            ])
            .map_err(fail)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    super::export::report(&req, "activity-report", body).await
}
