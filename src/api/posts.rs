//! `/api/v1/responsibility-posts`: members' responsibility areas, demonstration posts and pioneer
//! posts, with their yearly evaluations.
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, QueryParams, ReadParams, apply_merge_patch, as_read, split_version,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::Principal;
use crate::domain::post::{self as rules, PostKind, Rating};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::posts::{self as service, EvaluationFields, PostFields, PostFilter};
use crate::state::AppState;

const TAG: &str = "activities";

/// A yearly evaluation of a post.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8ec1", "evaluated_on": "2026-12-20", "year": 2026,
    "rating": "excellent", "evaluator": "支部委员会", "comment": "带头攻关，按期完成承诺", "created_at": "2026-12-20T08:00:00Z"}))]
pub struct PostEvaluation {
    pub id: Uuid,
    pub evaluated_on: NaiveDate,
    /// The calendar year it counts for (one a year).
    pub year: i32,
    pub rating: Rating,
    pub evaluator: String,
    pub comment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::post_evaluation::Model> for PostEvaluation {
    fn from(m: entity::post_evaluation::Model) -> Self {
        PostEvaluation {
            id: m.id,
            evaluated_on: m.evaluated_on,
            year: m.year,
            rating: m.rating,
            evaluator: m.evaluator,
            comment: m.comment,
            created_at: m.created_at,
        }
    }
}

/// A member's post in an organization (党员责任区 / 示范岗 / 先锋岗).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8eb1", "kind": "pioneer_post", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21", "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
    "title": "研发中心党员先锋岗", "description": "负责核心模块攻关", "commitments": ["按期交付核心模块", "带教两名新员工"],
    "starts_on": "2026-01-05", "ends_on": null, "evaluations": [],
    "created_at": "2026-01-05T03:30:00Z", "updated_at": "2026-01-05T03:30:00Z", "version": 1, "archived_at": null}))]
pub struct ResponsibilityPost {
    pub id: Uuid,
    pub kind: PostKind,
    pub member_id: Uuid,
    /// The member's party organization when the post was made.
    pub party_organization_id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    /// 承诺.
    pub commitments: Vec<String>,
    pub starts_on: NaiveDate,
    /// `null`: open-ended.
    pub ends_on: Option<NaiveDate>,
    /// Oldest first. Only on a single read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluations: Option<Vec<PostEvaluation>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::responsibility_post::Model> for ResponsibilityPost {
    fn from(m: entity::responsibility_post::Model) -> Self {
        ResponsibilityPost {
            commitments: service::commitments_of(&m),
            id: m.id,
            kind: m.kind,
            member_id: m.member_id,
            party_organization_id: m.party_organization_id,
            organization_id: m.organization_id,
            title: m.title,
            description: m.description,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            evaluations: None,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
            archived_at: m.archived_at,
        }
    }
}

impl ResponsibilityPost {
    async fn with_evaluations(mut self, state: &AppState) -> Result<Self, ApiError> {
        let found = service::evaluations(&state.db.read, self.id).await?;
        self.evaluations = Some(found.into_iter().map(PostEvaluation::from).collect());
        Ok(self)
    }
}

pub type ResponsibilityPostPage = ListPage<ResponsibilityPost>;
impl Listed for ResponsibilityPost {}

fn commitment_violations(commitments: &[String]) -> Vec<RuleViolation> {
    commitments
        .iter()
        .filter(|c| c.trim().is_empty() || c.chars().count() > 200)
        .map(|_| {
            RuleViolation::new(
                "commitments",
                "length",
                "each commitment is 1 to 200 characters",
            )
        })
        .take(1)
        .collect()
}

/// A post to make.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "pioneer_post", "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11", "title": "研发中心党员先锋岗",
    "commitments": ["按期交付核心模块", "带教两名新员工"], "starts_on": "2026-01-05"}))]
pub struct ResponsibilityPostInput {
    pub kind: PostKind,
    /// An active full or probationary member of a party organization that covers the
    /// organization.
    pub member_id: Uuid,
    pub organization_id: Uuid,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: Option<String>,
    /// Up to 20 short texts.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub commitments: Vec<String>,
    pub starts_on: NaiveDate,
    /// On or after `starts_on`; absent for open-ended.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

impl BodyRules for ResponsibilityPostInput {
    fn rule_violations(&self, _: RuleContext) -> Vec<RuleViolation> {
        let mut violations = commitment_violations(&self.commitments);
        violations.extend(rules::check_period(self.starts_on, self.ends_on));
        violations
    }
}

/// A merge patch of a post: its title, description, commitments or period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types
#[schema(example = json!({"ends_on": "2026-12-31"}))]
pub struct ResponsibilityPostPatch {
    #[schema(nullable = false, min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    description: Option<String>,
    #[schema(nullable = false, max_items = 20)]
    commitments: Option<Vec<String>>,
    #[schema(nullable = false)]
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    #[schema(nullable = false, minimum = 1)]
    version: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponsibilityPostFilter {
    pub member_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub party_organization_id: Option<Uuid>,
    pub kind: Option<PostKind>,
    /// Posts held on this day.
    pub active_on: Option<NaiveDate>,
}

/// An evaluation to record.
#[derive(Debug, Deserialize, Serialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"evaluated_on": "2026-12-20", "rating": "excellent", "evaluator": "支部委员会", "comment": "带头攻关，按期完成承诺"}))]
pub struct PostEvaluationInput {
    /// Not before the post starts; one evaluation per calendar year.
    pub evaluated_on: NaiveDate,
    pub rating: Rating,
    /// Who evaluated (a person or a body).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub evaluator: String,
    #[serde(default)]
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: Option<String>,
}

impl BodyRules for PostEvaluationInput {}

/// A post's evaluations.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostEvaluationList {
    /// Oldest first.
    pub items: Vec<PostEvaluation>,
}

fn location(id: Uuid) -> String {
    format!("{BASE_PATH}/responsibility-posts/{id}")
}

/// The feed's representation of a post, as its GET shows it.
pub fn render<'a>(
    state: &'a AppState,
    _: &'a Principal,
    access: &'a crate::auth::Access,
    _: &'a crate::service::audit::Actor,
    id: Uuid,
) -> super::Rendered<'a> {
    Box::pin(async move {
        let post = ResponsibilityPost::from(service::get(&state.db, access, id, true).await?)
            .with_evaluations(state)
            .await?;
        super::rendered(&post)
    })
}

/// List responsibility posts
///
/// Posts in the party organizations you reach (a member: their own), filtered by member,
/// organization, party organization, kind and the day they are held on.
#[utoipa::path(operation_id = "listResponsibilityPosts", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(PageParams, ResponsibilityPostFilter),
    responses((status = 200, description = "A page of posts.", body = ResponsibilityPostPage)))]
#[get("/responsibility-posts")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    query: ListQuery<ResponsibilityPostFilter>,
) -> Result<HttpResponse, ApiError> {
    let f = query.filter;
    let filter = PostFilter {
        member_id: f.member_id,
        organization_id: f.organization_id,
        party_organization_id: f.party_organization_id,
        kind: f.kind,
        active_on: f.active_on,
    };
    let page = service::list(&state.db, &access, &filter, &query.page).await?;
    Ok(list_page(page.map(ResponsibilityPost::from)))
}

/// Make a responsibility post
///
/// A member's responsibility area, demonstration post or pioneer post in an organization their
/// party organization covers. A member holds one post of a kind in an organization at a time
/// (409 `post_overlaps` naming the other).
#[utoipa::path(operation_id = "createResponsibilityPost", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(IdempotencyKey),
    request_body(content = ResponsibilityPostInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Made.", body = ResponsibilityPost,
         headers(("Location" = String, description = "The post's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "`post_overlaps`, `not_a_party_member`, or `not_covered`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/responsibility-posts")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: ResponsibilityPostInput = body.parse(state.rules())?;
    let fields = PostFields {
        kind: input.kind,
        member_id: input.member_id,
        organization_id: input.organization_id,
        title: input.title,
        description: input.description,
        commitments: input.commitments,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let mut post = ResponsibilityPost::from(service::create(txn, &caller, fields).await?);
        post.evaluations = Some(Vec::new());
        Created::new(location(post.id), &post)
    })
    .await
}

/// Get a responsibility post
///
/// With its evaluations.
#[utoipa::path(operation_id = "getResponsibilityPost", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The post's id."), ReadParams, IfNoneMatch),
    responses(
        (status = 200, description = "The post.", body = ResponsibilityPost, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match.")))]
#[get("/responsibility-posts/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    query: QueryParams<ReadParams>,
) -> Result<HttpResponse, ApiError> {
    let archived = query.0.include_archived.unwrap_or(false);
    let post = ResponsibilityPost::from(service::get(&state.db, &access, *id, archived).await?)
        .with_evaluations(&state)
        .await?;
    Ok(representation(&req, &etag(post.version), &post))
}

/// Change a responsibility post
///
/// A JSON merge patch of its title, description, commitments or period (end it by setting
/// `ends_on`).
#[utoipa::path(operation_id = "updateResponsibilityPost", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The post's id."), IfMatch),
    request_body(content = ResponsibilityPostPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed.", body = ResponsibilityPost, headers(("ETag" = String, description = "The new version."))),
        (status = 409, description = "`post_overlaps`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[patch("/responsibility-posts/{id}")]
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
    let current =
        ResponsibilityPost::from(service::get(&state.db, &caller.access, *id, false).await?);
    let (patch, body_version) = split_version(body.0)?;
    let expected = if_match.0.or(body_version).unwrap_or(current.version);
    let read = as_read(&current)?;
    let base = ResponsibilityPostInput {
        kind: current.kind,
        member_id: current.member_id,
        organization_id: current.organization_id,
        title: current.title,
        description: current.description,
        commitments: current.commitments,
        starts_on: current.starts_on,
        ends_on: current.ends_on,
    };
    let input: ResponsibilityPostInput = apply_merge_patch::<ResponsibilityPostPatch, _>(
        &read,
        &base,
        expected,
        patch,
        state.rules(),
    )?;
    let fields = PostFields {
        kind: input.kind,
        member_id: input.member_id,
        organization_id: input.organization_id,
        title: input.title,
        description: input.description,
        commitments: input.commitments,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
    };
    let post =
        ResponsibilityPost::from(service::update(&state.db, &caller, *id, expected, fields).await?)
            .with_evaluations(&state)
            .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(post.version)))
        .json(post))
}

/// Archive a responsibility post
///
/// A post made in error; it stays readable with `include_archived`.
#[utoipa::path(operation_id = "archiveResponsibilityPost", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The post's id."), IfMatch),
    responses((status = 204, description = "Archived.")))]
#[delete("/responsibility-posts/{id}")]
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

/// List a post's evaluations
///
/// Oldest first, one per calendar year.
#[utoipa::path(operation_id = "listPostEvaluations", tag = TAG,
    security(("oauth2" = ["activities:read"])),
    params(("id" = Uuid, Path, description = "The post's id.")),
    responses((status = 200, description = "The evaluations.", body = PostEvaluationList)))]
#[get("/responsibility-posts/{id}/evaluations")]
pub async fn evaluations(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let post = service::get(&state.db, &access, *id, true).await?;
    let items = service::evaluations(&state.db.read, post.id)
        .await?
        .into_iter()
        .map(PostEvaluation::from)
        .collect();
    Ok(HttpResponse::Ok().json(PostEvaluationList { items }))
}

/// Evaluate a post
///
/// The year's rating: not before the post starts (409 `before_post`), once a calendar year of
/// the evaluation date (409 `already_evaluated`).
#[utoipa::path(operation_id = "evaluateResponsibilityPost", tag = TAG,
    security(("oauth2" = ["activities:write"])),
    params(("id" = Uuid, Path, description = "The post's id."), IdempotencyKey),
    request_body(content = PostEvaluationInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = PostEvaluation,
         headers(("Location" = String, description = "The evaluations' URL."))),
        (status = 409, description = "`before_post` or `already_evaluated`.", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/responsibility-posts/{id}/evaluations")]
pub async fn evaluate(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input: PostEvaluationInput = body.parse(state.rules())?;
    let fields = EvaluationFields {
        evaluated_on: input.evaluated_on,
        rating: input.rating,
        evaluator: input.evaluator,
        comment: input.comment,
    };
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let evaluation = PostEvaluation::from(service::evaluate(txn, &caller, *id, fields).await?);
        Created::new(format!("{}/evaluations", location(*id)), &evaluation)
    })
    .await
}
