//! The HTTP surface: one module per resource, the shared extractors and responses, the route
//! table, and the OpenAPI contract assembled from the handlers' annotations.
pub mod activities;
pub mod activity_report;
pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod compliance;
pub mod csv_export;
pub mod development;
pub mod education;
pub mod events;
pub mod export;
pub mod extract;
pub mod fund;
pub mod imports;
pub mod instructor_assignments;
pub mod instructors;
pub mod meetings;
pub mod members;
pub mod openapi;
pub mod ops;
pub mod organizations;
pub mod party_organizations;
pub mod party_workers;
pub mod posts;
pub mod regions;
pub mod reports;
pub mod respond;
pub mod schedules;
pub mod schema_check;
pub mod spreadsheet;
pub mod transfers;
pub mod users;
pub mod webhooks;
pub mod work_systems;

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Permission;
use crate::error::ApiError;
use crate::state::AppState;
use uuid::Uuid;

pub const BASE_PATH: &str = "/api/v1";

/// Who is writing, for the audit log: the caller, their roles, the request id and address.
pub fn actor(
    req: &HttpRequest,
    principal: &crate::auth::Principal,
) -> crate::service::audit::Actor {
    use actix_web::HttpMessage;
    let address = req
        .extensions()
        .get::<crate::request_context::RequestContext>()
        .and_then(|context| context.client_address);
    crate::service::audit::Actor::of(principal, address.map(|a| a.to_string()))
}

/// The caller of a write: what the operation's permission reaches (`access`, from
/// [`extract::Authorized`]), and who they are for the audit log.
pub fn caller(
    req: &HttpRequest,
    principal: &crate::auth::Principal,
    access: crate::auth::Access,
) -> crate::service::Caller {
    crate::service::Caller {
        access,
        actor: actor(req, principal),
    }
}

pub use crate::error::etag;

/// What a resource's `render` gives the event feed: the resource as its GET shows it to the
/// caller, or `None` when the caller does not reach it (any more).
pub type Rendered<'a> =
    futures_util::future::BoxFuture<'a, Result<Option<serde_json::Value>, ApiError>>;

/// A resource's `render`: what the caller's read permission for the type reaches (`Access`),
/// who they are (masking), and who to audit for unmasked personal data.
pub type Render = for<'a> fn(
    &'a AppState,
    &'a crate::auth::Principal,
    &'a crate::auth::Access,
    &'a crate::service::audit::Actor,
    Uuid,
) -> Rendered<'a>;

/// The representation of a `render`: `None` when the resource is out of reach (404) or the
/// caller's roles may not read it (403).
pub fn rendered(view: &impl serde::Serialize) -> Result<Option<serde_json::Value>, ApiError> {
    serde_json::to_value(view)
        .map(Some)
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Each resource type of the event feed, the permission that reads it, and how it is shown
/// (`None`: its events carry no representation).
pub struct Renderers(Vec<(&'static str, Permission, Option<Render>)>);

impl Renderers {
    pub fn all() -> Self {
        use Permission::*;
        Renderers(vec![
            (
                "organization",
                OrganizationsRead,
                Some(organizations::render),
            ),
            (
                "party_organization",
                PartyOrganizationsRead,
                Some(party_organizations::render),
            ),
            (
                "party_group",
                PartyOrganizationsRead,
                Some(party_organizations::render_group),
            ),
            ("member", MembersRead, Some(members::render)),
            ("instructor", InstructorsRead, Some(instructors::render)),
            (
                "instructor_assignment",
                InstructorsRead,
                Some(instructor_assignments::render),
            ),
            ("instructor_visit", InstructorsRead, None),
            ("meeting", MeetingsRead, Some(meetings::render)),
            ("meeting_schedule", MeetingsRead, Some(schedules::render)),
            ("fund_entry", FundRead, Some(fund::render)),
            ("study_record", MembersRead, Some(education::render)),
            (
                "party_worker",
                PartyOrganizationsRead,
                Some(party_workers::render),
            ),
            ("responsibility_post", ActivitiesRead, Some(posts::render)),
            ("activity", ActivitiesRead, Some(activities::render)),
            ("concern", ActivitiesRead, Some(activities::render_concern)),
            (
                "work_system",
                PartyOrganizationsRead,
                Some(work_systems::render),
            ),
        ])
    }

    /// The permission that reads a resource type of the feed.
    pub fn read_permission(&self, resource_type: &str) -> Option<Permission> {
        self.0
            .iter()
            .find(|(t, ..)| *t == resource_type)
            .map(|(_, permission, _)| *permission)
    }

    /// The resource as the caller's GET would show it now, if they reach it.
    pub async fn render(
        &self,
        state: &AppState,
        principal: &crate::auth::Principal,
        actor: &crate::service::audit::Actor,
        resource_type: &str,
        id: Uuid,
    ) -> Result<Option<serde_json::Value>, ApiError> {
        let Some((_, permission, Some(render))) = self.0.iter().find(|(t, ..)| *t == resource_type)
        else {
            return Ok(None);
        };
        let Ok(access) = principal.require(*permission) else {
            return Ok(None);
        };
        match render(state, principal, &access, actor, id).await {
            Err(ApiError::NotFound | ApiError::Forbidden(_)) => Ok(None),
            other => other,
        }
    }
}

/// Registers every documented route; the contract is collected from the same calls.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(path_error));
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics);
    cfg.service(
        utoipa_actix_web::scope(BASE_PATH)
            .wrap(actix_web::middleware::from_fn(audit::record_refused_writes))
            .wrap(actix_web::middleware::from_fn(
                crate::rate_limit::middleware,
            ))
            // API answers may carry personal data: no cache keeps them, unless a handler says
            // otherwise (the division table is public and cacheable).
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((actix_web::http::header::CACHE_CONTROL, "no-store")),
            )
            .service(auth::token)
            .service(auth::revoke)
            .service(organizations::list)
            .service(organizations::export)
            .service(organizations::create)
            .service(organizations::get)
            .service(organizations::update)
            .service(organizations::archive)
            .service(party_organizations::list)
            .service(party_organizations::export)
            .service(party_organizations::create)
            .service(party_organizations::get)
            .service(party_organizations::update)
            .service(party_organizations::archive)
            .service(party_organizations::list_groups)
            .service(party_organizations::create_group)
            .service(party_organizations::get_group)
            .service(party_organizations::update_group)
            .service(party_organizations::archive_group)
            .service(calendar::organization)
            .service(calendar::mine)
            .service(calendar::create_token)
            .service(calendar::list_tokens)
            .service(calendar::revoke_token)
            .service(schedules::list)
            .service(schedules::create)
            .service(schedules::get)
            .service(schedules::update)
            .service(schedules::archive)
            .service(meetings::list)
            .service(meetings::create)
            .service(meetings::get)
            .service(meetings::update)
            .service(meetings::hold)
            .service(meetings::cancel)
            .service(meetings::set_attendance)
            .service(meetings::vote)
            .service(events::list)
            .service(members::duplicates)
            .service(members::list)
            .service(members::export)
            .service(members::create)
            .service(members::get)
            .service(members::update)
            .service(members::archive)
            .service(development::get)
            .service(development::record_step)
            .service(transfers::list)
            .service(transfers::create)
            .service(members::import)
            .service(organizations::import)
            .service(instructors::list)
            .service(instructors::create)
            .service(instructors::get)
            .service(instructors::update)
            .service(instructors::archive)
            .service(instructors::trainings)
            .service(instructors::add_training)
            .service(instructor_assignments::list)
            .service(instructor_assignments::create)
            .service(instructor_assignments::get)
            .service(instructor_assignments::end)
            .service(instructor_assignments::hand_over)
            .service(instructor_assignments::visits)
            .service(instructor_assignments::record_visit)
            .service(reports::coverage)
            .service(reports::coverage_export)
            .service(compliance::organization)
            .service(compliance::region)
            .service(compliance::region_export)
            .service(regions::list)
            .service(regions::get)
            .service(users::list)
            .service(users::create)
            .service(users::get)
            .service(users::update)
            .service(users::reset_password)
            .service(users::me)
            .service(audit::list)
            .service(api_clients::list)
            .service(api_clients::create)
            .service(api_clients::get)
            .service(api_clients::update)
            .service(api_clients::rotate_secret)
            .service(webhooks::list)
            .service(webhooks::create)
            .service(webhooks::get)
            .service(webhooks::update)
            .service(webhooks::remove)
            .service(webhooks::deliveries)
            .service(webhooks::retry)
            .service(webhooks::ping)
            .service(fund::create)
            .service(fund::list)
            .service(fund::get)
            .service(fund::approve_expenditure)
            .service(fund::reject_expenditure)
            .service(fund::balance)
            .service(fund::annual_report)
            .service(fund::report_export)
            .service(organizations::payrolls)
            .service(organizations::set_payroll)
            .service(work_systems::list)
            .service(work_systems::create)
            .service(work_systems::get)
            .service(work_systems::update)
            .service(work_systems::archive)
            .service(work_systems::report)
            .service(work_systems::report_export)
            .service(education::create)
            .service(education::list)
            .service(education::get)
            .service(education::archive)
            .service(education::hours)
            .service(education::report)
            .service(education::report_export)
            .service(party_workers::list)
            .service(party_workers::create)
            .service(party_workers::get)
            .service(party_workers::update)
            .service(party_workers::end)
            .service(party_workers::trainings)
            .service(party_workers::add_training)
            .service(posts::list)
            .service(posts::create)
            .service(posts::get)
            .service(posts::update)
            .service(posts::archive)
            .service(posts::evaluations)
            .service(posts::evaluate)
            .service(activities::list)
            .service(activities::create)
            .service(activities::get)
            .service(activities::update)
            .service(activities::archive)
            .service(activities::results)
            .service(activities::draft)
            .service(activities::replace)
            .service(activities::publish)
            .service(activities::raise_concern)
            .service(activities::list_concerns)
            .service(activities::get_concern)
            .service(activities::update_concern)
            .service(activity_report::activity_summary)
            .service(activity_report::report)
            .service(activity_report::report_export),
    );
}

/// A path parameter that does not parse (an id that is not a UUID) is a 400 naming it.
fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    // `PATCH /members/export` reaches `PATCH /members/{id}` with "export" for an id: the path is
    // the export's, which takes GET only.
    if let Some(allow) = req
        .app_data::<web::Data<RouteTable>>()
        .and_then(|routes| routes.allowed_methods(req.path()))
        .filter(|allow| !allow.iter().any(|m| m == req.method().as_str()))
    {
        return ApiError::MethodNotAllowed { allow }.into();
    }
    let names: Vec<&str> = req.match_info().iter().map(|(name, _)| name).collect();
    let field = if names.is_empty() {
        "path".to_owned()
    } else {
        names.join(",")
    };
    ApiError::bad_request(&field, "format", "is not a valid id (a UUID)").into()
}

/// The documented paths and their methods, to tell an unknown path (404) from a known path
/// called with the wrong method (405); and the permission each operation declares (its
/// `security` in the contract), which [`extract::Authorized`] enforces.
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
    permissions: Vec<(&'static str, String, Permission)>,
    /// Operations with an `If-Match` parameter (method, path template).
    conditional: Vec<(&'static str, String)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let mut permissions = Vec::new();
        let mut conditional = Vec::new();
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ];
                let mut allowed = Vec::new();
                for (method, op) in methods {
                    let Some(op) = op else { continue };
                    allowed.push(method.to_owned());
                    if let Some(permission) = openapi::declared_permission(op) {
                        permissions.push((method, path.clone(), permission));
                    }
                    if openapi::takes_if_match(op) {
                        conditional.push((method, path.clone()));
                    }
                }
                (segments, allowed)
            })
            .collect();
        RouteTable {
            routes,
            permissions,
            conditional,
        }
    }

    /// Every method some documented path allows, in a fixed order: what CORS preflights allow.
    pub fn methods(&self) -> Vec<&'static str> {
        ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .filter(|m| {
                self.routes
                    .iter()
                    .any(|(_, allowed)| allowed.iter().any(|a| a == m))
            })
            .collect()
    }

    /// Whether the operation at `method` and `pattern` takes `If-Match`.
    pub fn takes_if_match(&self, method: &str, pattern: &str) -> bool {
        self.conditional
            .iter()
            .any(|(m, p)| *m == method && p == pattern)
    }

    /// The permission the operation at `method` and `pattern` (the route's path template, as
    /// in the contract: `/api/v1/organizations/{id}`) declares, if any.
    pub fn permission(&self, method: &str, pattern: &str) -> Option<Permission> {
        self.permissions
            .iter()
            .find(|(m, p, _)| *m == method && p == pattern)
            .map(|(_, _, permission)| *permission)
    }

    /// The methods allowed on `path`, or `None` if no documented path matches it. A literal
    /// segment matches before a parameter (`/members/export` before `/members/{id}`).
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<String>> {
        let segments: Vec<&str> = path.split('/').collect();
        let is_parameter = |t: &str| t.starts_with('{') && t.ends_with('}');
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| (is_parameter(t) && !s.is_empty()) || t == s)
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !is_parameter(t)).count())
            .map(|(_, methods)| methods.clone())
    }
}

/// Every request no route took: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match routes.allowed_methods(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NotFound),
    }
}

/// `/docs` → `/docs/`, where Swagger UI is served.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("Location", "/docs/"))
        .finish()
}

/// `/problems/{slug}`: what a problem `type` means, so that the URI in every problem resolves.
/// HTML for a browser (`Accept: text/html`), JSON otherwise; both languages.
pub async fn problem_page(
    req: HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = crate::error::problem_type(&slug).ok_or(ApiError::NotFound)?;
    let html = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if html {
        let escape = |text: &str| {
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let page = format!(
            "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status} {slug}</title></head>\
             <body><h1>{status} {zh}</h1><p>{about_zh}</p><h2>{title}</h2><p>{about}</p>\
             <p><a href=\"/docs/\">API</a></p></body></html>\n",
            status = kind.status,
            slug = kind.slug,
            zh = escape(kind.title_zh),
            title = escape(kind.title),
            about_zh = escape(kind.about_zh),
            about = escape(kind.about),
        );
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(page));
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "type": format!("/problems/{}", kind.slug),
        "status": kind.status,
        "title": kind.title,
        "title_zh": kind.title_zh,
        "description": kind.about,
        "description_zh": kind.about_zh,
    })))
}
