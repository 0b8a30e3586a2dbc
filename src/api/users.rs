//! `/api/v1/users` (administrators manage accounts and their roles) and `/api/v1/me`.
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{
    Authorized, BodyRules, IdempotencyKey, IfMatch, IfNoneMatch, JsonBody, ListQuery, NoQuery,
    PageParams, apply_merge_patch, region_filter,
};
use super::respond::{Created, ListPage, Listed, create_idempotently, list_page, representation};
use super::{BASE_PATH, etag};
use crate::auth::{Role, RoleGrant};
use crate::domain::{RuleContext, RuleViolation};
use crate::error::{ApiError, Problem};
use crate::service::users::{self as service, NewUser, UserChanges, grants_of};
use crate::state::AppState;

const TAG: &str = "users";

/// A user account as the API returns it; the password never leaves the server.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11", "username": "wang.chaoyang", "display_name": "王芳",
    "roles": [{"role": "org_department", "region_code": "110105"}], "disabled": false,
    "created_at": "2026-11-28T03:30:00Z", "updated_at": "2026-11-28T03:30:00Z", "version": 1
}))]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub roles: Vec<RoleGrant>,
    /// A disabled user cannot log in; tokens already issued expire on their own.
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

impl User {
    fn from_model(m: entity::user::Model) -> Result<Self, ApiError> {
        Ok(User {
            roles: grants_of(&m)?,
            id: m.id,
            username: m.username,
            display_name: m.display_name,
            disabled: m.disabled_at.is_some(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        })
    }
}

/// Roles must be consistent: `admin` has no scope, `org_department` a known region,
/// `branch_secretary` a party organization and `member` a member record.
fn grant_violations(grants: &[RoleGrant], rules: RuleContext) -> Vec<RuleViolation> {
    let mut violations = Vec::new();
    let mut violation = |code, message: String| {
        violations.push(RuleViolation::new("roles", code, message));
    };
    for grant in grants {
        let role = grant.role.as_str();
        let wants = match grant.role {
            Role::Admin => [false, false, false, false],
            Role::OrgDepartment => [true, false, false, false],
            Role::BranchSecretary => [false, true, false, false],
            Role::Member => [false, false, true, false],
            Role::Instructor => [false, false, false, true],
        };
        let has = [
            grant.region_code.is_some(),
            grant.party_organization_id.is_some(),
            grant.member_id.is_some(),
            grant.instructor_id.is_some(),
        ];
        let fields = [
            "region_code",
            "party_organization_id",
            "member_id",
            "instructor_id",
        ];
        for ((field, wanted), present) in fields.into_iter().zip(wants).zip(has) {
            match (wanted, present) {
                (true, false) => {
                    violation("scope_required", format!("a {role} role needs its {field}"))
                }
                (false, true) => violation(
                    "scope_not_allowed",
                    format!("a {role} role takes no {field}"),
                ),
                _ => {}
            }
        }
        if let (Role::OrgDepartment, Some(code)) = (grant.role, &grant.region_code)
            && region_filter(rules.divisions, "roles", code).is_err()
        {
            violation(
                "unknown_region",
                format!("{code} is not in the administrative division table"),
            );
        }
    }
    violations
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "wang.chaoyang", "display_name": "王芳", "password": "correct-horse-battery",
    "roles": [{"role": "org_department", "region_code": "110105"}]}))]
pub struct UserInput {
    /// Letters, digits, `.`, `_`, `-` and `@`; unique.
    #[validate(length(min = 1, max = 64), custom(function = "username_characters"))]
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9._@-]+$")]
    pub username: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default)]
    pub display_name: Option<String>,
    /// At least 8 characters.
    #[validate(length(min = 8, max = 1000))]
    #[schema(min_length = 8, max_length = 1000)]
    pub password: String,
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20)]
    pub roles: Vec<RoleGrant>,
}

fn username_characters(username: &str) -> Result<(), validator::ValidationError> {
    if username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
    {
        return Ok(());
    }
    let mut error = validator::ValidationError::new("format");
    error.message = Some("may contain only letters, digits, '.', '_', '@' and '-'".into());
    Err(error)
}

impl BodyRules for UserInput {
    fn rule_violations(&self, rules: RuleContext) -> Vec<RuleViolation> {
        grant_violations(&self.roles, rules)
    }
}

/// The fields of a user that an administrator changes, after the merge patch is applied.
#[derive(Debug, Deserialize, Serialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct UserFields {
    #[validate(length(min = 1, max = 100))]
    #[serde(default)]
    pub display_name: Option<String>,
    #[validate(length(min = 1, max = 20))]
    pub roles: Vec<RoleGrant>,
    pub disabled: bool,
}

impl BodyRules for UserFields {
    fn rule_violations(&self, rules: RuleContext) -> Vec<RuleViolation> {
        grant_violations(&self.roles, rules)
    }
}

/// A merge patch of a user: any of these fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only to refuse unknown fields and wrong types; the patch is merged as JSON
#[schema(example = json!({"disabled": true}))]
pub struct UserPatch {
    /// `null` clears it.
    #[schema(min_length = 1, max_length = 100)]
    display_name: Option<String>,
    /// Replaces all roles.
    #[schema(nullable = false, min_items = 1, max_items = 20)]
    roles: Option<Vec<RoleGrant>>,
    /// A disabled user cannot log in, and their refresh tokens stop working at once.
    #[schema(nullable = false)]
    disabled: Option<bool>,
}

/// A new password, set by an administrator.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "another-long-password"}))]
pub struct PasswordReset {
    #[validate(length(min = 8, max = 1000))]
    #[schema(min_length = 8, max_length = 1000)]
    pub password: String,
}

impl BodyRules for PasswordReset {}

pub type UserPage = ListPage<User>;
impl Listed for User {
    const TOTAL: Option<&'static str> =
        Some("Matching users in all pages; only with `include_total=true`.");
}

/// Filters of the users list.
#[derive(Debug, Default, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListFilter {
    /// Part of the username.
    #[param(min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64))]
    pub q: Option<String>,
}

/// List users
///
/// Every user with their roles and whether they are disabled, a page at a time.
#[utoipa::path(
    operation_id = "listUsers",
    tag = TAG,
    security(("oauth2" = ["users:manage"])),
    params(PageParams, UserListFilter),
    responses((status = 200, description = "A page of users.", body = UserPage)),
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    _: Authorized,
    query: ListQuery<UserListFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = service::list(&state.db, query.filter.q.as_deref(), &query.page).await?;
    Ok(list_page(page.try_map(User::from_model)?))
}

/// Create a user
///
/// An account with its roles; each role carries its scope (`org_department` its region).
#[utoipa::path(
    operation_id = "createUser",
    tag = TAG,
    security(("oauth2" = ["users:manage"])),
    params(IdempotencyKey),
    request_body(content = UserInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = User,
         headers(("Location" = String, description = "The new user's URL."), ("ETag" = String, description = "Its version."))),
        (status = 409, description = "The username is taken.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/users")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let actor = super::actor(&req, &principal);
    let input: UserInput = body.parse(state.rules())?;
    let password_hash = service::hash_password(&input.password).await?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let new = NewUser {
            username: &input.username,
            password: &input.password,
            display_name: input.display_name.clone(),
            grants: input.roles.clone(),
        };
        let user = User::from_model(service::insert(txn, &actor, new, password_hash).await?)?;
        Created::new(format!("{BASE_PATH}/users/{}", user.id), &user)
    })
    .await
}

/// Get a user
///
/// The user with their roles; password hashes are never shown.
#[utoipa::path(
    operation_id = "getUser",
    tag = TAG,
    security(("oauth2" = ["users:manage"])),
    params(("id" = Uuid, Path, description = "The user's id."), IfNoneMatch),
    responses(
        (status = 200, description = "The user.", body = User, headers(("ETag" = String, description = "Its version."))),
        (status = 304, description = "Not modified since the ETag in If-None-Match."),
    ),
)]
#[get("/users/{id}")]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    _: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let user = User::from_model(service::get(&state.db, *id).await?)?;
    Ok(representation(&req, &etag(user.version), &user))
}

/// Change a user
///
/// A JSON merge patch of `display_name`, `roles` (replaced whole) and `disabled`. A disabled
/// user can no longer log in.
#[utoipa::path(
    operation_id = "updateUser",
    tag = TAG,
    security(("oauth2" = ["users:manage"])),
    params(("id" = Uuid, Path, description = "The user's id."), IfMatch),
    request_body(content = UserPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Changed.", body = User, headers(("ETag" = String, description = "The new version.")))),
)]
#[patch("/users/{id}")]
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let current = User::from_model(service::get(&state.db, *id).await?)?;
    let base = serde_json::json!({
        "display_name": current.display_name,
        "roles": current.roles,
        "disabled": current.disabled,
    });
    let expected = if_match.0.unwrap_or(current.version);
    let input: UserFields =
        apply_merge_patch::<UserPatch, _>(&current, &base, expected, body.0, state.rules())?;
    let changes = UserChanges {
        display_name: input.display_name,
        grants: input.roles,
        disabled: input.disabled,
    };
    let user = User::from_model(
        service::update(
            &state.db,
            &super::actor(&req, &principal),
            *id,
            expected,
            changes,
        )
        .await?,
    )?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(user.version)))
        .json(user))
}

/// Reset a user's password
///
/// Sets a new password (checked for length); the user's refresh tokens are revoked.
#[utoipa::path(
    operation_id = "resetUserPassword",
    tag = TAG,
    security(("oauth2" = ["users:manage"])),
    params(("id" = Uuid, Path, description = "The user's id.")),
    request_body(content = PasswordReset, content_type = "application/json"),
    responses((status = 204, description = "The password is changed.")),
)]
#[post("/users/{id}/password")]
pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let input: PasswordReset = body.parse(state.rules())?;
    service::set_password(
        &state.db,
        &super::actor(&req, &principal),
        *id,
        &input.password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller, their roles with scopes, and what those roles allow.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11", "username": "wang.chaoyang", "display_name": "王芳",
    "roles": [{"role": "org_department", "region_code": "110105"}],
    "permissions": ["organizations:read", "organizations:write", "regions:read", "me:read"]}))]
pub struct Me {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    /// As of this token; changes to roles apply to tokens issued after them.
    pub roles: Vec<RoleGrant>,
    pub permissions: Vec<String>,
}

/// Who am I
///
/// Who the token belongs to: username, roles with their scopes, and every permission they give.
#[utoipa::path(
    operation_id = "getMe",
    tag = TAG,
    security(("oauth2" = ["me:read"])),
    responses((status = 200, description = "The caller.", body = Me)),
)]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    Authorized { principal, .. }: Authorized,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let id: Uuid = principal.subject.parse().map_err(|_| ApiError::NotFound)?;
    let user = service::get(&state.db, id).await?;
    Ok(HttpResponse::Ok().json(Me {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        roles: principal.grants.clone(),
        permissions: principal
            .permissions()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }))
}
