//! `/api/v1/activities`: activities of party organizations (competitions, expert evaluations,
//! innovation lists, talks with employees, theme activities…) and the ranked results of those
//! that publish them.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, QueryParams, ReadParams, apply_merge_patch, as_read, split_version,
};
use super::respond::{
    Acted, Created, ListPage, Listed, act_idempotently, create_idempotently, list_page,
    representation,
};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::activity::{
    self as rules, ActivityKind, ConcernStatus, InnovationCategory, ResultStatus,
};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::activities::{self as service, ActivityFields, ActivityFilter};
use crate::state::AppState;

const TAG: &str = "activities";

/// An activity a party organization ran.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8ed1", "kind": "skills_competition",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "title": "2026年数控车工岗位技能竞赛",
    "starts_on": "2026-09-10", "ends_on": "2026-09-12", "place": "一号车间", "organization_ids": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11"],
    "participant_ids": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31"], "employee_count": 26, "summary": "共32人参赛",
    "attachments": ["云帆党支〔2026〕9号"], "meeting_id": null,
    "created_at": "2026-09-13T03:30:00Z", "updated_at": "2026-09-13T03:30:00Z", "version": 1, "archived_at": null}))]
pub struct Activity {
    pub id: Uuid,
    pub kind: ActivityKind,
    pub party_organization_id: Uuid,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub place: Option<String>,
    /// The organizations it served (each covered by the party organization).
    pub organization_ids: Vec<Uuid>,
    /// Members who took part.
    pub participant_ids: Vec<Uuid>,
    /// Employees who took part and are not members.
    pub employee_count: i32,
    pub summary: Option<String>,
    /// Document numbers or URLs (no files are stored).
    pub attachments: Vec<String>,
    /// A theme activity's theme party day.
    pub meeting_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::activity::Model> for Activity {
    fn from(m: entity::activity::Model) -> Self {
        Activity {
            organization_ids: service::organization_ids(&m),
            participant_ids: service::participant_ids(&m),
            attachments: service::attachments(&m),
            id: m.id,
            kind: m.kind,
            party_organization_id: m.party_organization_id,
            title: m.title,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            place: m.place,
            employee_count: m.employee_count,
            summary: m.summary,
            meeting_id: m.meeting_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

pub type ActivityPage = ListPage<Activity>;
impl Listed for Activity {}

/// An activity to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "skills_competition", "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "title": "2026年数控车工岗位技能竞赛", "starts_on": "2026-09-10", "ends_on": "2026-09-12", "place": "一号车间",
    "organization_ids": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11"], "participant_ids": ["019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31"],
    "employee_count": 26}))]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub party_organization_id: Uuid,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub starts_on: NaiveDate,
    /// On or after `starts_on`; the same day when absent.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub place: Option<String>,
    /// Organizations covered by the party organization.
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub organization_ids: Vec<Uuid>,
    /// Active members.
    #[serde(default)]
    #[validate(length(max = 1000))]
    #[schema(max_items = 1000)]
    pub participant_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub employee_count: i32,
    #[serde(default)]
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub summary: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub attachments: Vec<String>,
    /// Only for a `theme_activity`: a theme party day of the party organization.
    #[serde(default)]
    pub meeting_id: Option<Uuid>,
}

impl BodyRules for ActivityInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        let mut violations: Vec<RuleViolation> = self
            .ends_on
            .and_then(|ends| rules::check_period(self.starts_on, ends))
            .into_iter()
            .collect();
        if self.meeting_id.is_some() && self.kind != ActivityKind::ThemeActivity {
            violations.push(RuleViolation::new(
                "meeting_id",
                "not_allowed",
                "only a theme activity names its theme party day",
            ));
        }
        if self
            .attachments
            .iter()
            .any(|a| a.trim().is_empty() || a.chars().count() > 500)
        {
            violations.push(RuleViolation::new(
                "attachments",
                "length",
                "each reference is 1 to 500 characters",
            ));
        }
        violations
    }
}

impl ActivityInput {
    fn into_fields(self) -> ActivityFields {
        ActivityFields {
            ends_on: self.ends_on.unwrap_or(self.starts_on),
            kind: self.kind,
            party_organization_id: self.party_organization_id,
            title: self.title,
            starts_on: self.starts_on,
            place: self.place,
            organization_ids: self.organization_ids,
            participant_ids: self.participant_ids,
            employee_count: self.employee_count,
            summary: self.summary,
            attachments: self.attachments,
            meeting_id: self.meeting_id,
        }
    }
}

/// A merge patch of an activity (not its kind or party organization).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"employee_count": 30, "summary": "共36人参赛"}))]
pub struct ActivityPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(nullable = false)]
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 200)]
    place: Option<String>,
    #[schema(nullable = false, max_items = 100)]
    organization_ids: Option<Vec<Uuid>>,
    #[schema(nullable = false, max_items = 1000)]
    participant_ids: Option<Vec<Uuid>>,
    #[schema(nullable = false, minimum = 0, maximum = 1_000_000)]
    employee_count: Option<i32>,
    #[schema(min_length = 1, max_length = 5000)]
    summary: Option<String>,
    #[schema(nullable = false, max_items = 20)]
    attachments: Option<Vec<String>>,
    meeting_id: Option<Uuid>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityListFilter {
    pub party_organization_id: Option<Uuid>,
    pub kind: Option<ActivityKind>,
    /// Activities ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Activities starting on or before this day.
    pub to: Option<NaiveDate>,
    /// Activities this member took part in.
    pub member_id: Option<Uuid>,
}

/// One ranked entry.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResultEntry {
    /// 1..n in the listed order; ties share a rank and the next skips (1, 1, 3).
    #[validate(range(min = 1, max = 10000))]
    #[schema(minimum = 1, maximum = 10000)]
    pub rank: u32,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// When the person is a member.
    #[serde(default)]
    pub member_id: Option<Uuid>,
    /// Title or award (一等奖, 岗位能手…).
    #[serde(default)]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub award: Option<String>,
    #[serde(default)]
    pub score: Option<f64>,
    /// Innovation lists only (required there).
    #[serde(default)]
    pub category: Option<InnovationCategory>,
    /// Innovation lists only: the economic benefit in fen (≥ 0, required there).
    #[serde(default)]
    #[validate(range(min = 0, max = 1_000_000_000_000i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000i64)]
    pub amount_fen: Option<i64>,
}

/// The ranked entries of a revision.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entries": [
    {"rank": 1, "name": "李明", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31", "award": "一等奖", "score": 96.5},
    {"rank": 1, "name": "王芳", "award": "一等奖", "score": 96.5},
    {"rank": 3, "name": "陈立", "award": "二等奖", "score": 91.0}]}))]
pub struct ResultsInput {
    #[validate(length(min = 1, max = 1000), nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub entries: Vec<ResultEntry>,
}

impl BodyRules for ResultsInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        let ranks: Vec<u32> = self.entries.iter().map(|e| e.rank).collect();
        rules::check_ranks(&ranks).into_iter().collect()
    }
}

/// One revision of an activity's results.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"revision": 1, "status": "published", "published_at": "2026-09-13T03:30:00Z",
    "entries": [{"rank": 1, "name": "李明", "member_id": null, "award": "一等奖", "score": 96.5, "category": null, "amount_fen": null}],
    "created_at": "2026-09-12T10:00:00Z", "updated_at": "2026-09-13T03:30:00Z"}))]
pub struct ActivityResults {
    /// 1, 2, …: a correction of a published list is a new revision; earlier ones stay readable.
    pub revision: i32,
    /// `draft` (can be replaced) or `published` (never changes).
    pub status: ResultStatus,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub entries: Vec<ResultEntry>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::activity_result::Model> for ActivityResults {
    fn from(m: entity::activity_result::Model) -> Self {
        ActivityResults {
            revision: m.revision,
            status: m.status,
            published_at: m.published_at,
            entries: serde_json::from_str(&m.entries).unwrap_or_default(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Every revision of an activity's results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityResultList {
    /// Oldest first; the current list is the last `published` one.
    pub items: Vec<ActivityResults>,
}

/// Checks the entries against the activity's kind: innovation lists carry a category and a
/// benefit; other lists neither.
fn checked_entries(kind: ActivityKind, input: &ResultsInput) -> Result<String, ApiError> {
    let innovation = kind == ActivityKind::InnovationContribution;
    let mut errors = Vec::new();
    for (i, entry) in input.entries.iter().enumerate() {
        let has = entry.category.is_some() && entry.amount_fen.is_some();
        let none = entry.category.is_none() && entry.amount_fen.is_none();
        if innovation && !has {
            errors.push(crate::error::FieldError::new(
                format!("entries[{i}]"),
                "required",
                "an innovation entry has a category and an amount_fen",
            ));
        } else if !innovation && !none {
            errors.push(crate::error::FieldError::new(
                format!("entries[{i}]"),
                "not_allowed",
                "only innovation entries have a category and an amount_fen",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    serde_json::to_string(&input.entries).map_err(|e| ApiError::Internal(e.to_string()))
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/activities/{id}")
}

/// The feed's representation of an activity.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&Activity::from(
            service::get(&state.db, access, id, true).await?,
        ))
    })
}

/// List activities
///
/// Activities of the party organizations you reach (a member: those they took part in), by
/// party organization, kind, dates and participant.
#[utoipa::path(operation_id = "listActivities", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(PageParams, ActivityListFilter),
    responses((status = 200, description = "A page of activities.", body = ActivityPage)))]
#[get("/activities")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<ActivityListFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = ActivityFilter {
        party_organization_id: f.party_organization_id,
        kind: f.kind,
        from: f.from,
        to: f.to,
        member_id: f.member_id,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(Activity::from)))
}

/// Record an activity
///
/// Its party organization, the organizations it served (covered by it), participants, dates,
/// summary and attachment references; a theme activity may name its theme party day.
#[utoipa::path(operation_id = "createActivity", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(IdempotencyKey),
    request_body(content = ActivityInput, content_type = "application/json"),
    responses((status = 201, description = "Recorded.", body = Activity,
        headers(("Location" = String, description = "The activity's URL."), ("ETag" = String, description = "Its version.")))))]
#[post("/activities")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: ActivityInput = body.parse(state.rules())?;
    let fields = input.into_fields();
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let activity = Activity::from(service::create(txn, &caller, fields).await?);
        Created::new(location(activity.id), &activity)
    })
    .await
}

/// Get an activity
///
/// The activity as recorded.
#[utoipa::path(operation_id = "getActivity", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The activity's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The activity.", body = Activity, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/activities/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let archived = query.0.include_archived.unwrap_or(false);
    let activity = Activity::from(service::get(&state.db, &access, *id, archived).await?);
    Ok(representation(&req, &etag(activity.version), &activity))
}

/// Change an activity
///
/// A JSON merge patch of anything but its kind and party organization.
#[utoipa::path(operation_id = "updateActivity", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."), IfMatch),
    request_body(content = ActivityPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Changed.", body = Activity,
        headers(("ETag" = String, description = "The new version.")))))]
#[patch("/activities/{id}")]
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
    let current = Activity::from(service::get(&state.db, &caller.access, *id, false).await?);
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let base = ActivityInput {
        kind: current.kind,
        party_organization_id: current.party_organization_id,
        title: current.title,
        starts_on: current.starts_on,
        ends_on: Some(current.ends_on),
        place: current.place,
        organization_ids: current.organization_ids,
        participant_ids: current.participant_ids,
        employee_count: current.employee_count,
        summary: current.summary,
        attachments: current.attachments,
        meeting_id: current.meeting_id,
    };
    let input: ActivityInput =
        apply_merge_patch::<ActivityPatch, _>(&read, &base, expected, patch, state.rules())?;
    let activity = Activity::from(
        service::update(&state.db, &caller, *id, expected, input.into_fields()).await?,
    );
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(activity.version)))
        .json(activity))
}

/// Archive an activity
///
/// An activity recorded in error; it stays readable with `include_archived`.
#[utoipa::path(operation_id = "archiveActivity", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."), IfMatch),
    responses((status = 204, description = "Archived.")))]
#[delete("/activities/{id}")]
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

/// List an activity's results
///
/// Every revision, oldest first: drafts and published lists (a published list never changes).
#[utoipa::path(operation_id = "listActivityResults", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The activity's id.")),
    responses((status = 200, description = "The revisions.", body = ActivityResultList)))]
#[get("/activities/{id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let activity = service::get(&state.db, &access, *id, true).await?;
    let items = service::results(&state.db.read, activity.id)
        .await?
        .into_iter()
        .map(ActivityResults::from)
        .collect();
    Ok(HttpResponse::Ok().json(ActivityResultList { items }))
}

/// Start a revision of an activity's results
///
/// A new draft (revision 1, or the next one to correct a published list); one draft at a time
/// (409 `draft_exists`). Competitions, expert evaluations and innovation lists only (409
/// `no_results`).
#[utoipa::path(operation_id = "draftActivityResults", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."), IdempotencyKey),
    request_body(content = ResultsInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Drafted.", body = ActivityResults,
         headers(("Location" = String, description = "The results' URL."))),
        (status = 409, description = "`draft_exists` or `no_results`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/activities/{id}/results")]
pub async fn draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: ResultsInput = body.parse(state.rules())?;
    let activity = service::get(&state.db, &caller.access, *id, false).await?;
    let entries = checked_entries(activity.kind, &input)?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let drafted = ActivityResults::from(service::draft(txn, &caller, *id, entries).await?);
        Created::new(
            format!("{}/results/{}", location(*id), drafted.revision),
            &drafted,
        )
    })
    .await
}

/// Replace a draft's entries
///
/// Only a draft changes (409 `published`).
#[utoipa::path(operation_id = "replaceActivityResults", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."),
        ("revision" = i32, Path, description = "The revision.", minimum = 1, example = 1)),
    request_body(content = ResultsInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced.", body = ActivityResults),
        (status = 409, description = "`published`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[put("/activities/{id}/results/{revision}")]
pub async fn replace(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, i32)>,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, revision) = *path;
    let input: ResultsInput = body.parse(state.rules())?;
    let activity = service::get(&state.db, &caller.access, id, false).await?;
    let entries = checked_entries(activity.kind, &input)?;
    let txn = crate::service::begin_write(&state.db.write).await?;
    let saved = service::change_revision(&txn, &caller, id, revision, Some(entries)).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(ActivityResults::from(saved)))
}

/// Publish a draft of the results
///
/// From now on the revision never changes; a correction is a new revision.
#[utoipa::path(operation_id = "publishActivityResults", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."),
        ("revision" = i32, Path, description = "The revision.", minimum = 1, example = 1), IdempotencyKey),
    responses(
        (status = 200, description = "Published.", body = ActivityResults),
        (status = 409, description = "`published` already.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/activities/{id}/results/{revision}/publish")]
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    path: web::Path<(Uuid, i32)>,
    key: IdempotencyKey,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let (id, revision) = *path;
    act_idempotently(
        &state,
        &principal,
        key,
        &req,
        &serde_json::Value::Null,
        async |txn| {
            let saved = service::change_revision(txn, &caller, id, revision, None).await?;
            Acted::new(&ActivityResults::from(saved))
        },
    )
    .await
}

/// A concern employees raised, followed to its end.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8ee1", "activity_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8ed1",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "text": "夜班通勤不便，希望增开班车", "responsible": "王书记",
    "due_on": "2026-10-31", "status": "in_progress", "decline_reason": null, "closed_on": null, "overdue": false,
    "created_at": "2026-09-13T03:30:00Z", "updated_at": "2026-09-20T03:30:00Z", "version": 2}))]
pub struct Concern {
    pub id: Uuid,
    /// The discussion, invitation or face-to-face session it was raised in.
    pub activity_id: Uuid,
    pub party_organization_id: Uuid,
    pub text: String,
    /// Who follows it up.
    pub responsible: String,
    pub due_on: NaiveDate,
    pub status: ConcernStatus,
    pub decline_reason: Option<String>,
    /// When it was resolved or declined.
    pub closed_on: Option<NaiveDate>,
    /// Open or in progress past `due_on`.
    pub overdue: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl Concern {
    fn of(m: entity::concern::Model, today: NaiveDate) -> Self {
        Concern {
            overdue: rules::overdue(m.status, m.due_on, today),
            id: m.id,
            activity_id: m.activity_id,
            party_organization_id: m.party_organization_id,
            text: m.text,
            responsible: m.responsible,
            due_on: m.due_on,
            status: m.status,
            decline_reason: m.decline_reason,
            closed_on: m.closed_on,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

pub type ConcernPage = ListPage<Concern>;
impl Listed for Concern {}

/// A concern to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "夜班通勤不便，希望增开班车", "responsible": "王书记", "due_on": "2026-10-31"}))]
pub struct ConcernInput {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub responsible: String,
    pub due_on: NaiveDate,
}

impl BodyRules for ConcernInput {}

/// A concern's fields after a merge patch.
#[derive(Debug, Deserialize, Serialize, Validate)]
#[serde(deny_unknown_fields)]
struct ConcernFields {
    status: ConcernStatus,
    #[validate(length(min = 1, max = 100))]
    responsible: String,
    due_on: NaiveDate,
    #[validate(length(min = 1, max = 2000))]
    decline_reason: Option<String>,
}

impl BodyRules for ConcernFields {}

/// A merge patch of a concern: move it on (open → in_progress → resolved, or declined with a
/// `decline_reason`), or change who follows it and when it is due.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"status": "declined", "decline_reason": "不属企业职责，已向街道反映"}))]
pub struct ConcernPatch {
    #[schema(nullable = false)]
    status: Option<ConcernStatus>,
    #[schema(nullable = false, min_length = 1, max_length = 100)]
    responsible: Option<String>,
    #[schema(nullable = false)]
    due_on: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 2000)]
    decline_reason: Option<String>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConcernListFilter {
    pub activity_id: Option<Uuid>,
    pub party_organization_id: Option<Uuid>,
    pub status: Option<ConcernStatus>,
    /// `true`: only those open or in progress past their due date.
    pub overdue: Option<bool>,
}

/// The feed's representation of a concern.
pub fn render_concern<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        super::rendered(&Concern::of(
            service::concern(&state.db, access, id).await?,
            state.today(),
        ))
    })
}

/// Record a concern
///
/// A concern employees raised in a discussion, invitation or face-to-face session (409
/// `not_ideological_work` for other activities), with who follows it up and by when.
#[utoipa::path(operation_id = "raiseConcern", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The activity's id."), IdempotencyKey),
    request_body(content = ConcernInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = Concern,
         headers(("Location" = String, description = "The concern's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "`not_ideological_work`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/activities/{id}/concerns")]
pub async fn raise_concern(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: ConcernInput = body.parse(state.rules())?;
    let fields = service::ConcernFields {
        text: input.text,
        responsible: input.responsible,
        due_on: input.due_on,
    };
    let today = state.today();
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let concern = Concern::of(
            service::raise_concern(txn, &caller, *id, fields).await?,
            today,
        );
        Created::new(format!("{BASE_PATH}/concerns/{}", concern.id), &concern)
    })
    .await
}

/// List concerns
///
/// Concerns in the party organizations you reach, by activity, party organization and status;
/// `overdue=true` for those open or in progress past their due date.
#[utoipa::path(operation_id = "listConcerns", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(PageParams, ConcernListFilter),
    responses((status = 200, description = "A page of concerns.", body = ConcernPage)))]
#[get("/concerns")]
pub async fn list_concerns(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<ConcernListFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let today = state.today();
    let filter = service::ConcernFilter {
        activity_id: f.activity_id,
        party_organization_id: f.party_organization_id,
        status: f.status,
        overdue_on: f.overdue.unwrap_or(false).then_some(today),
    };
    let page = service::concerns(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(|c| Concern::of(c, today))))
}

/// Get a concern
///
/// The concern and where it stands.
#[utoipa::path(operation_id = "getConcern", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The concern's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The concern.", body = Concern, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/concerns/{id}")]
pub async fn get_concern(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let concern = Concern::of(
        service::concern(&state.db, &access, *id).await?,
        state.today(),
    );
    Ok(representation(&req, &etag(concern.version), &concern))
}

/// Follow up a concern
///
/// A JSON merge patch: move it on (open → in_progress → resolved, or declined with a
/// `decline_reason`; 409 `closed`, `backwards`, `reason_required`), or change who follows it
/// and when it is due.
#[utoipa::path(operation_id = "updateConcern", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The concern's id."), IfMatch),
    request_body(content = ConcernPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = Concern, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "`closed`, `backwards` or `reason_required`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/concerns/{id}")]
pub async fn update_concern(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let current = service::concern(&state.db, &caller.access, *id).await?;
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&Concern::of(current.clone(), state.today()))?;
    let base = ConcernFields {
        status: current.status,
        responsible: current.responsible,
        due_on: current.due_on,
        decline_reason: current.decline_reason,
    };
    let input: ConcernFields =
        apply_merge_patch::<ConcernPatch, _>(&read, &base, expected, patch, state.rules())?;
    let today = state.today();
    let updated = service::follow_up(
        &state.db,
        &caller,
        *id,
        expected,
        input.status,
        input.responsible,
        input.due_on,
        input.decline_reason,
        today,
    )
    .await?;
    let concern = Concern::of(updated, today);
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(concern.version)))
        .json(concern))
}
