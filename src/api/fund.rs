//! `/api/v1/party-organizations/{id}/fund/…`: the special party-building fund's books.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, JsonBody, ListQuery, NoQuery, PageParams, QueryParams,
};
use super::respond::{
    Acted, Created, ListPage, Listed, act_idempotently, create_idempotently, list_page,
    representation,
};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::fund::{FundCategory, FundEntryKind, FundEntryStatus, FundSource};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::fund::{self as service, EntryFilter, NewEntry};
use crate::state::AppState;

const TAG: &str = "fund";

/// An entry of the ledger. Entries are never changed or deleted: a mistake is corrected by a
/// `reversal` and a new entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e61", "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "kind": "expenditure", "source": null, "category": "education_training", "reverses_id": null, "amount_fen": 120000,
    "occurred_on": "2026-11-20", "description": "党员冬训教材", "document_ref": "记账凭证 2026-118", "recorded_by": "user:019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e01",
    "status": "approved", "decided_by": null, "decided_at": null, "decision_reason": null,
    "created_at": "2026-11-20T03:30:00Z", "updated_at": "2026-11-20T03:30:00Z", "version": 1}))]
pub struct FundEntry {
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub kind: FundEntryKind,
    /// Where an allocation comes from.
    pub source: Option<FundSource>,
    /// What an expenditure is for.
    pub category: Option<FundCategory>,
    /// The entry a reversal undoes.
    pub reverses_id: Option<Uuid>,
    /// In fen (分), always positive; the kind says which way it moves the balance.
    pub amount_fen: i64,
    pub occurred_on: NaiveDate,
    pub description: String,
    /// The voucher or document (凭证号).
    pub document_ref: Option<String>,
    /// Who recorded it (`user:<id>` or `client:<client_id>`).
    pub recorded_by: String,
    pub status: FundEntryStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl From<entity::fund_entry::Model> for FundEntry {
    fn from(m: entity::fund_entry::Model) -> Self {
        FundEntry {
            id: m.id,
            party_organization_id: m.party_organization_id,
            kind: m.kind,
            source: m.source,
            category: m.category,
            reverses_id: m.reverses_id,
            amount_fen: m.amount_fen,
            occurred_on: m.occurred_on,
            description: m.description,
            document_ref: m.document_ref,
            recorded_by: m.recorded_by,
            status: m.status,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            decision_reason: m.decision_reason,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

pub type FundEntryPage = ListPage<FundEntry>;
impl Listed for FundEntry {}

/// An entry to record: an `allocation` with its `source`, an `expenditure` with its `category`,
/// or a `reversal` naming the entry it undoes (`reverses_id`; its amount is that entry's).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "allocation", "source": "management_fee", "amount_fen": 2000000,
    "occurred_on": "2026-03-01", "description": "2026年度党建工作经费（管理费列支）", "document_ref": "财务拨款单 2026-07"}))]
pub struct FundEntryInput {
    pub kind: FundEntryKind,
    #[serde(default)]
    pub source: Option<FundSource>,
    #[serde(default)]
    pub category: Option<FundCategory>,
    #[serde(default)]
    pub reverses_id: Option<Uuid>,
    /// In fen; required but for a reversal (which takes its entry's amount; if given, it must
    /// be that amount).
    #[serde(default)]
    #[validate(range(min = 1, max = 1_000_000_000_000i64))]
    #[schema(minimum = 1, maximum = 1_000_000_000_000i64)]
    pub amount_fen: Option<i64>,
    /// Not in the future.
    pub occurred_on: NaiveDate,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub document_ref: Option<String>,
}

impl BodyRules for FundEntryInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        let mut violations = Vec::new();
        let mut require = |present: bool, field: &'static str, what: &str| {
            if !present {
                violations.push(RuleViolation::new(field, "required", what.to_owned()));
            }
        };
        match self.kind {
            FundEntryKind::Allocation => {
                require(
                    self.source.is_some(),
                    "source",
                    "an allocation names its source",
                );
                require(
                    self.amount_fen.is_some(),
                    "amount_fen",
                    "an allocation has an amount",
                );
            }
            FundEntryKind::Expenditure => {
                require(
                    self.category.is_some(),
                    "category",
                    "an expenditure names its category",
                );
                require(
                    self.amount_fen.is_some(),
                    "amount_fen",
                    "an expenditure has an amount",
                );
            }
            FundEntryKind::Reversal => {
                require(
                    self.reverses_id.is_some(),
                    "reverses_id",
                    "a reversal names the entry it undoes",
                );
            }
        }
        let mut refuse = |present: bool, field: &'static str, what: &str| {
            if present {
                violations.push(RuleViolation::new(field, "not_allowed", what.to_owned()));
            }
        };
        refuse(
            self.kind != FundEntryKind::Allocation && self.source.is_some(),
            "source",
            "only an allocation has a source",
        );
        refuse(
            self.kind != FundEntryKind::Expenditure && self.category.is_some(),
            "category",
            "only an expenditure has a category",
        );
        refuse(
            self.kind != FundEntryKind::Reversal && self.reverses_id.is_some(),
            "reverses_id",
            "only a reversal names an entry it undoes",
        );
        violations
    }
}

/// An approval (with an optional note) or a rejection (with its reason).
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "超出年度预算，请压缩后重报"}))]
pub struct DecisionInput {
    /// Required to reject.
    #[serde(default)]
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
}

impl BodyRules for DecisionInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        Vec::new()
    }
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FundEntryFilter {
    pub kind: Option<FundEntryKind>,
    pub category: Option<FundCategory>,
    pub source: Option<FundSource>,
    pub status: Option<FundEntryStatus>,
    /// Entries on or after this date.
    pub from: Option<NaiveDate>,
    /// Entries on or before this date.
    pub to: Option<NaiveDate>,
}

/// The balance.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "balance_fen": 1880000, "pending_fen": 600000}))]
pub struct FundBalance {
    pub party_organization_id: Uuid,
    /// What the counted entries add up to; never negative.
    pub balance_fen: i64,
    /// Expenditures waiting for approval (not counted yet).
    pub pending_fen: i64,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The calendar year.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
}

/// An amount of one source or category.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceAmount {
    pub source: FundSource,
    pub amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryAmount {
    pub category: FundCategory,
    pub amount_fen: i64,
}

/// A year's books: opening balance, money in by source, money out by category, reversals,
/// closing balance, and what waits for approval.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "year": 2026, "opening_fen": 700000,
    "allocations": [{"source": "management_fee", "amount_fen": 2000000}], "allocations_fen": 2000000,
    "expenditures": [{"category": "education_training", "amount_fen": 120000}], "expenditures_fen": 120000,
    "allocations_reversed_fen": 0, "expenditures_reversed_fen": 0, "closing_fen": 2580000, "pending_fen": 0,
    "previous_year_payroll_fen": 300000000, "warnings": []}))]
pub struct FundReport {
    pub party_organization_id: Uuid,
    pub year: i32,
    pub opening_fen: i64,
    pub allocations: Vec<SourceAmount>,
    pub allocations_fen: i64,
    pub expenditures: Vec<CategoryAmount>,
    pub expenditures_fen: i64,
    /// Allocations reversed in the year (taken back out).
    pub allocations_reversed_fen: i64,
    /// Expenditures reversed in the year (put back).
    pub expenditures_reversed_fen: i64,
    pub closing_fen: i64,
    /// Expenditures of the year waiting for approval.
    pub pending_fen: i64,
    /// The previous year's payroll of the organizations this party organization covers, when
    /// recorded (`PUT /organizations/{id}/payrolls/{year}`).
    pub previous_year_payroll_fen: Option<i64>,
    /// E.g. management-fee allocations below half of the usual 1% of the previous year's payroll
    /// (中组部 2014 notice on work funds in non-public enterprises).
    pub warnings: Vec<String>,
}

fn entry_location(party_organization_id: Uuid, id: Uuid) -> String {
    format!("{BASE_PATH}/party-organizations/{party_organization_id}/fund/entries/{id}")
}

/// The feed's representation of a fund entry.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&FundEntry::from(
            service::get_by_id(&state.db, access, id).await?,
        ))
    })
}

/// Record a fund entry
///
/// An allocation or a reversal counts at once; an expenditure counts at once up to
/// `LIANGXIN_FUND_APPROVAL_THRESHOLD_FEN` (¥5,000 by default) and above it is `pending` until
/// approved. The balance never goes below zero: what would overdraw it is a 409
/// `insufficient_funds` naming the balance (a pending expenditure must be covered when recorded,
/// and again when approved).
#[utoipa::path(operation_id = "createFundEntry", tag = TAG,
    security(("oauth2" = ["fund:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), IdempotencyKey),
    request_body(content = FundEntryInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = FundEntry,
         headers(("Location" = String, description = "The entry's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "`insufficient_funds` (naming the balance), `already_reversed`, `reversal_of_reversal`, `not_counted` (a pending or rejected entry cannot be reversed), `partial_reversal`, `unknown_entry`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/party-organizations/{id}/fund/entries")]
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
    let input: FundEntryInput = body.parse(state.rules())?;
    if input.occurred_on > state.today() {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            "occurred_on",
            "future_date",
            "an entry records what happened, not what is planned",
        )]));
    }
    let new = NewEntry {
        kind: input.kind,
        source: input.source,
        category: input.category,
        reverses_id: input.reverses_id,
        amount_fen: input.amount_fen,
        occurred_on: input.occurred_on,
        description: input.description,
        document_ref: input.document_ref,
    };
    let threshold = state.config.fund_approval_threshold_fen;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let entry = FundEntry::from(service::record(txn, &caller, threshold, *id, new).await?);
        Created::new(entry_location(*id, entry.id), &entry)
    })
    .await
}

/// List fund entries
///
/// The ledger, in the order entries were recorded, filtered by kind, source, category, status
/// and date.
#[utoipa::path(operation_id = "listFundEntries", tag = TAG,
    security(("oauth2" = ["fund:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), PageParams, FundEntryFilter),
    responses((status = 200, description = "A page of entries.", body = FundEntryPage)))]
#[get("/party-organizations/{id}/fund/entries")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: ListQuery<FundEntryFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = EntryFilter {
        kind: f.kind,
        category: f.category,
        source: f.source,
        status: f.status,
        from: f.from,
        to: f.to,
    };
    let page = service::list(&state.db, &access, *id, &filter, &query.page).await?;
    Ok(list_page(page.map(FundEntry::from)))
}

/// Get a fund entry
///
/// The entry with its approval state.
#[utoipa::path(operation_id = "getFundEntry", tag = TAG,
    security(("oauth2" = ["fund:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("entry_id" = Uuid, Path, description = "The entry's id.")),
    responses((status = 200, description = "The entry.", body = FundEntry,
        headers(("ETag" = String, description = "Its version.")))))]
#[get("/party-organizations/{id}/fund/entries/{entry_id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (id, entry_id) = *path;
    let entry = FundEntry::from(service::get(&state.db, &access, id, entry_id).await?);
    Ok(representation(&req, &etag(entry.version), &entry))
}

#[allow(clippy::too_many_arguments)]
async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    access: crate::auth::Access,
    path: (Uuid, Uuid),
    key: IdempotencyKey,
    body: JsonBody,
    approving: bool,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: DecisionInput = body.parse(state.rules())?;
    if !approving && input.reason.is_none() {
        return Err(ApiError::Validation(vec![crate::error::FieldError::new(
            "reason",
            "required",
            "a rejection says why",
        )]));
    }
    let (id, entry_id) = path;
    act_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let entry = service::decide(txn, &caller, id, entry_id, approving, input.reason).await?;
        Acted::new(&FundEntry::from(entry))
    })
    .await
}

/// Approve an expenditure
///
/// A pending expenditure counts from now, if the balance covers it (409 `insufficient_funds`
/// otherwise). Approved by someone other than who recorded it (409 `same_person`) who reaches
/// the party organization from above: the secretary of a party organization above it, the
/// organization department, or an administrator (403 otherwise).
#[utoipa::path(operation_id = "approveFundEntry", tag = TAG,
    security(("oauth2" = ["fund:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("entry_id" = Uuid, Path, description = "The entry's id."), IdempotencyKey),
    request_body(content = DecisionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Approved.", body = FundEntry),
        (status = 409, description = "`insufficient_funds`, `same_person`, or `already_decided`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/party-organizations/{id}/fund/entries/{entry_id}/approve")]
pub async fn approve_expenditure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    decide(req, state, principal, access, *path, key, body, true).await
}

/// Reject an expenditure
///
/// A pending expenditure never counts; the `reason` is kept. Same deciders as approval.
#[utoipa::path(operation_id = "rejectFundEntry", tag = TAG,
    security(("oauth2" = ["fund:write"])),
    params(("id" = Uuid, Path, description = "The party organization's id."),
        ("entry_id" = Uuid, Path, description = "The entry's id."), IdempotencyKey),
    request_body(content = DecisionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Rejected.", body = FundEntry),
        (status = 409, description = "`same_person`, or `already_decided`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/party-organizations/{id}/fund/entries/{entry_id}/reject")]
pub async fn reject_expenditure(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, Uuid)>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    decide(req, state, principal, access, *path, key, body, false).await
}

/// Get the fund's balance
///
/// What the counted entries add up to, and what pending expenditures would take.
#[utoipa::path(operation_id = "getFundBalance", tag = TAG,
    security(("oauth2" = ["fund:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id.")),
    responses((status = 200, description = "The balance.", body = FundBalance)))]
#[get("/party-organizations/{id}/fund/balance")]
pub async fn balance(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let (balance_fen, pending_fen) = service::balance(&state.db, &access, *id).await?;
    Ok(HttpResponse::Ok().json(FundBalance {
        party_organization_id: *id,
        balance_fen,
        pending_fen,
    }))
}

async fn report_of(
    state: &AppState,
    access: &crate::auth::Access,
    id: Uuid,
    year: i32,
) -> Result<FundReport, ApiError> {
    let (books, warnings, payroll) = service::report(&state.db, access, id, year).await?;
    Ok(FundReport {
        party_organization_id: id,
        year,
        opening_fen: books.opening_fen,
        allocations: books
            .allocations_by_source
            .iter()
            .map(|(source, amount_fen)| SourceAmount {
                source: *source,
                amount_fen: *amount_fen,
            })
            .collect(),
        allocations_fen: books.allocations_fen,
        expenditures: books
            .expenditures_by_category
            .iter()
            .map(|(category, amount_fen)| CategoryAmount {
                category: *category,
                amount_fen: *amount_fen,
            })
            .collect(),
        expenditures_fen: books.expenditures_fen,
        allocations_reversed_fen: books.allocations_reversed_fen,
        expenditures_reversed_fen: books.expenditures_reversed_fen,
        closing_fen: books.closing_fen,
        pending_fen: books.pending_fen,
        previous_year_payroll_fen: payroll,
        warnings,
    })
}

/// Get the fund's annual report
///
/// Opening balance, allocations by source, expenditures by category, reversals, closing
/// balance and pending expenditures of a calendar year, with a warning when management-fee
/// allocations fall below half of the usual 1% of the previous year's payroll.
#[utoipa::path(operation_id = "getFundReport", tag = TAG,
    security(("oauth2" = ["fund:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), ReportParams),
    responses((status = 200, description = "The year's books.", body = FundReport)))]
#[get("/party-organizations/{id}/fund/report")]
pub async fn annual_report(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(report_of(&state, &access, *id, query.0.year).await?))
}

/// Export the fund's annual report as CSV or Excel
///
/// The same report as rows of `item,detail,amount_fen,amount_yuan` (UTF-8).
#[utoipa::path(operation_id = "exportFundReport", tag = TAG,
    security(("oauth2" = ["fund:read"])),
    params(("id" = Uuid, Path, description = "The party organization's id."), ReportParams, super::export::FormatParam),
    responses((status = 200, description = "The report, as CSV or as an xlsx workbook (`format=xlsx`).",
         content((String = "text/csv"), (super::export::XlsxFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
#[get("/party-organizations/{id}/fund/report/export")]
pub async fn report_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReportParams>,
) -> Result<HttpResponse, ApiError> {
    let report = report_of(&state, &access, *id, query.0.year).await?;
    let mut rows: Vec<(String, String, Option<i64>)> =
        vec![("opening".into(), String::new(), Some(report.opening_fen))];
    rows.extend(report.allocations.iter().map(|a| {
        (
            "allocation".to_owned(),
            snake(&a.source),
            Some(a.amount_fen),
        )
    }));
    rows.push((
        "allocations".into(),
        String::new(),
        Some(report.allocations_fen),
    ));
    rows.extend(report.expenditures.iter().map(|e| {
        (
            "expenditure".to_owned(),
            snake(&e.category),
            Some(e.amount_fen),
        )
    }));
    rows.push((
        "expenditures".into(),
        String::new(),
        Some(report.expenditures_fen),
    ));
    rows.push((
        "allocations_reversed".into(),
        String::new(),
        Some(report.allocations_reversed_fen),
    ));
    rows.push((
        "expenditures_reversed".into(),
        String::new(),
        Some(report.expenditures_reversed_fen),
    ));
    rows.push(("closing".into(), String::new(), Some(report.closing_fen)));
    rows.push(("pending".into(), String::new(), Some(report.pending_fen)));
    rows.extend(
        report
            .warnings
            .iter()
            .map(|w| ("warning".to_owned(), w.clone(), None)),
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    writer
        .write_record(["item", "detail", "amount_fen", "amount_yuan"])
        .map_err(fail)?;
    for (item, detail, amount) in rows {
        let fen = amount.map_or(String::new(), |a| a.to_string());
        let yuan = amount.map_or(String::new(), |a| format!("{}.{:02}", a / 100, a % 100));
        writer
            .write_record([
                item,
                crate::domain::text::defuse_formula(&detail),
                fen,
                yuan,
            ])
            .map_err(fail)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    super::export::report(&req, &format!("fund-{}-{}", id, report.year), body).await
}

/// A report enum's name as the JSON has it (`management_fee`).
fn snake(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
