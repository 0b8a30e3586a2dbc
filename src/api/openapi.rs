//! The OpenAPI 3.1 contract. Handlers declare their own operations, including the permission
//! each requires (`security(("oauth2" = ["<permission>"]))`, enforced from the contract by
//! `extract::Authorized`); this module adds what every operation shares (the bearer requirement
//! beside the OAuth one, the problem responses the shared extractors can produce), so the
//! contract and the mechanism cannot disagree.
use actix_web::App;
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, HttpMethod, OpenApi as Document, Ref, RefOr, ResponseBuilder,
};
use utoipa_actix_web::AppExt;

use crate::auth::Permission;
use crate::error::{FieldError, Problem};

pub const SECURITY_SCHEME: &str = "bearer";
pub const OAUTH_SCHEME: &str = "oauth2";

const ALL_PERMISSIONS: [Permission; 24] = [
    Permission::OrganizationsRead,
    Permission::OrganizationsWrite,
    Permission::PartyOrganizationsRead,
    Permission::PartyOrganizationsWrite,
    Permission::MembersRead,
    Permission::MembersWrite,
    Permission::InstructorsRead,
    Permission::InstructorsWrite,
    Permission::VisitsWrite,
    Permission::ReportsRead,
    Permission::MeetingsRead,
    Permission::MeetingsWrite,
    Permission::RegionsRead,
    Permission::UsersManage,
    Permission::OwnAccountRead,
    Permission::AuditRead,
    Permission::PiiRead,
    Permission::ClientsManage,
    Permission::EventsRead,
    Permission::WebhooksWrite,
    Permission::FundRead,
    Permission::FundWrite,
    Permission::ActivitiesRead,
    Permission::ActivitiesWrite,
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Liangxin API",
        version = "1.0.0",
        description = "Party-building work of \"two new\" organizations (new economic and new social \
organizations): the register of organizations, their party organizations and members, \
instructors, meetings, and coverage and compliance reports.\n\n\
Get a token from `POST /api/v1/auth/token` and send it as `Authorization: Bearer <token>`. \
Errors are RFC 9457 problem documents (`application/problem+json`) listing every invalid field. \
Reads return an `ETag`; send it back as `If-Match` on `PATCH`/`DELETE`. Lists are cursor-paginated.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The server this contract is served from (paths carry `/api/v1`).")),
    // The party-building work first, then integration, then administration: Swagger UI and
    // generated documentation keep this order.
    tags(
        (name = "organizations", description = "The register of new economic and new social organizations."),
        (name = "party-organizations", description = "Party organizations (committees, general branches, branches, joint branches), their groups, calendars and compliance with the required meetings."),
        (name = "members", description = "Party members and applicants: the register, the development pipeline, transfers of the organizational relation, and duplicate registrations."),
        (name = "instructors", description = "Party-building instructors (\"one person, one enterprise\"), their training."),
        (name = "instructor-assignments", description = "Instructors assigned to organizations, hand-overs and visit logs."),
        (name = "meetings", description = "\"Three meetings and one lesson\" and other meetings: schedules, holding, attendance and votes."),
        (name = "reports", description = "Coverage and compliance reports by region."),
        (name = "activities", description = "Activity carriers through which members play a role at work: responsibility posts (党员责任区、示范岗、先锋岗) with yearly evaluations, and activities (skills competitions, expert evaluations, innovation lists with ranked, published results; talks with employees; theme activities)."),
        (name = "fund", description = "The special party-building fund of a party organization (党建工作经费): an immutable ledger in fen (allocations by source, expenditures by category, reversals), a balance that never goes negative, approval of larger expenditures, and the annual report."),
        (name = "imports", description = "CSV imports of organizations and members: every row reported, dry run, all or nothing or valid rows."),
        (name = "regions", description = "Administrative divisions (GB/T 2260 and township codes) for region pickers, filters and scopes."),
        (name = "events", description = "The event feed: every committed change, gap-free in commit order, for mirrors and integrations."),
        (name = "webhooks", description = "The event feed pushed to your URL. Each event is POSTed as JSON (the feed's event, the resource as your GET shows it) in feed order, at least once: answer 2xx within 10 s, or it is retried with exponential backoff and jitter for 24 hours, after which the webhook is marked `failing`. Headers: `Liangxin-Delivery` (the delivery's id, the same on every attempt), `Liangxin-Event-Seq` (the event's `seq`: store the last one you processed and skip repeats), `Liangxin-Attempt`, `Liangxin-Timestamp` (Unix seconds) and `Liangxin-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + \".\" + body)>`; reject a timestamp more than 5 minutes old. Targets must be https on public addresses."),
        (name = "auth", description = "Access tokens."),
        (name = "users", description = "Accounts, their roles and the scope of each role."),
        (name = "api-clients", description = "OAuth clients of integrating systems: client credentials, scopes and a region."),
        (name = "audit", description = "The append-only record of every write."),
        (name = "operations", description = "Health, readiness and metrics for operators."),
    ),
    components(schemas(Problem, FieldError)),
)]
struct ApiDoc;

/// The whole contract, as served at `/api/v1/openapi.json` and committed as `openapi/v1.json`.
pub fn document() -> Document {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::configure)
        .split_for_parts();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SECURITY_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    components.add_security_scheme(OAUTH_SCHEME, oauth_scheme());
    components.add_security_scheme(
        "calendar_token",
        SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Query(
            utoipa::openapi::security::ApiKeyValue::with_description(
                "token",
                "A calendar token from POST /api/v1/me/calendar-tokens; good only for the .ics feeds.",
            ),
        )),
    );
    list_error_codes(&mut doc);
    add_shared_behaviour(&mut doc);
    close_composed_bodies(&mut doc);
    link_creates_to_their_resources(&mut doc);
    offer_csv_bodies_as_bytes(&mut doc);
    doc
}

/// The contract's description ends with a table of every error code a client can receive
/// ([`crate::error_codes`]), so that a client maps codes to its own messages.
fn list_error_codes(doc: &mut Document) {
    let mut table = String::from(
        "\n\n## Error codes\n\nEvery `code` a problem carries (`errors[].code`, or `code` of a 409), \
         with the statuses it comes with; with `Accept-Language: zh-CN` each message is the Chinese \
         one given here.\n\n| code | status | meaning | 中文 |\n|---|---|---|---|\n",
    );
    for entry in crate::error_codes::ERROR_CODES {
        let statuses: Vec<String> = entry.statuses.iter().map(u16::to_string).collect();
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            entry.code,
            statuses.join(", "),
            entry.about.replace('|', "\\|"),
            entry.message_zh.replace('|', "\\|"),
        ));
    }
    let description = doc.info.description.get_or_insert_with(String::new);
    description.push_str(&table);
}

/// Imports take `text/csv`; the same CSV, or an xlsx workbook, as `application/octet-stream`,
/// which generated clients send files as (openapi-python-client has no `text/csv` bodies); and a
/// workbook as its own media type.
fn offer_csv_bodies_as_bytes(doc: &mut Document) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    for item in doc.paths.paths.values_mut() {
        let Some(RefOr::T(body)) = item.post.as_mut().and_then(|op| op.request_body.as_mut())
        else {
            continue;
        };
        if !body.content.contains_key("text/csv") {
            continue;
        }
        let bytes = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                .description(Some(description))
        };
        body.content.insert(
            "application/octet-stream".into(),
            RefOr::T(
                ContentBuilder::new()
                    .schema(Some(bytes(
                        "The file's bytes: CSV (UTF-8, or GBK/GB18030), or an xlsx workbook (told by its first bytes).",
                    )))
                    .build(),
            ),
        );
        body.content.insert(
            super::spreadsheet::MEDIA_TYPE.into(),
            RefOr::T(
                ContentBuilder::new()
                    .schema(Some(bytes("An xlsx workbook.")))
                    .build(),
            ),
        );
    }
}

/// OpenAPI links from each create (`POST /things` → 201) to the operations on what it made
/// (`/things/{id}`, `/things/{id}/…`): the new `id` comes from the response body, the path
/// parameters the create had from its request. Generated clients and schemathesis's stateful
/// phase follow them.
fn link_creates_to_their_resources(doc: &mut Document) {
    use utoipa::openapi::link::LinkBuilder;
    let path_parameters = |path: &str| -> Vec<String> {
        path.split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect()
    };
    let targets: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [&item.get, &item.patch, &item.put, &item.delete, &item.post]
                .into_iter()
                .flatten()
                .filter_map(|op| Some((path.clone(), op.operation_id.clone()?)))
                .collect::<Vec<_>>()
        })
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(create) = item.post.as_mut() else {
            continue;
        };
        let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else {
            continue;
        };
        let known = path_parameters(path);
        for (target_path, operation_id) in &targets {
            let Some(rest) = target_path.strip_prefix(path.as_str()) else {
                continue;
            };
            let mut segments = rest.split('/').skip(1);
            let Some(new) = segments
                .next()
                .and_then(|s| s.strip_prefix('{'))
                .and_then(|s| s.strip_suffix('}'))
            else {
                continue;
            };
            if !rest.starts_with('/') || segments.any(|s| s.starts_with('{')) {
                continue;
            }
            let mut link = LinkBuilder::new()
                .operation_id(operation_id.clone())
                .parameter(new, "$response.body#/id");
            for name in &known {
                link = link.parameter(name.clone(), format!("$request.path.{name}"));
            }
            created
                .links
                .insert(operation_id.clone(), RefOr::T(link.build()));
        }
    }
}

/// Request bodies composed of several structs (a tagged union, a flattened struct) whose parts
/// cannot each refuse unknown fields; the API refuses them (`extract::refuse_unknown_fields`).
const CLOSED_BODIES: &[&str] = &[
    "DevelopmentStep",
    "TransferInput",
    "MemberInput",
    "MeetingInput",
    "ScheduleInput",
];

/// Describes each composed body as the closed object the API accepts: its parts' properties
/// merged into one object with `additionalProperties: false`. (`allOf` of closed parts would
/// accept nothing, and of open parts would promise more than the API takes.)
fn close_composed_bodies(doc: &mut Document) {
    use utoipa::openapi::schema::{AdditionalProperties, AllOf, Object, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let parts = components.schemas.clone();
    let merged = |all: &AllOf| -> Option<Object> {
        let mut object = Object::new();
        for item in &all.items {
            let part = match item {
                RefOr::Ref(r) => {
                    parts.get(r.ref_location.trim_start_matches("#/components/schemas/"))?
                }
                inline => inline,
            };
            let RefOr::T(Schema::Object(part)) = part else {
                return None;
            };
            object.properties.extend(part.properties.clone());
            object.required.extend(part.required.iter().cloned());
        }
        object.schema_type = utoipa::openapi::schema::Type::Object.into();
        object.description = all.description.clone();
        object.example = all.example.clone();
        object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        Some(object)
    };
    // A tagged union's variants become named schemas (the variant's own, now closed and with
    // its tag), referenced from the union with a discriminator on the tag.
    let mut variants: Vec<(String, Object)> = Vec::new();
    for name in CLOSED_BODIES {
        let tag = UNION_TAGS
            .iter()
            .find(|(union, _)| union == name)
            .map(|(_, tag)| *tag);
        match components.schemas.get_mut(*name) {
            Some(RefOr::T(Schema::OneOf(one))) => {
                let mut mapping = Vec::new();
                for item in one.items.iter_mut() {
                    let RefOr::T(Schema::AllOf(all)) = item else {
                        continue;
                    };
                    let Some(object) = merged(all) else {
                        continue;
                    };
                    let named = all.items.iter().find_map(|part| match part {
                        RefOr::Ref(r) => Some(
                            r.ref_location
                                .trim_start_matches("#/components/schemas/")
                                .to_owned(),
                        ),
                        _ => None,
                    });
                    let value = tag
                        .and_then(|tag| object.properties.get(tag))
                        .and_then(|property| match property {
                            RefOr::T(Schema::Object(p)) => p.enum_values.as_ref()?.first().cloned(),
                            _ => None,
                        })
                        .and_then(|v| v.as_str().map(str::to_owned));
                    match (named, value) {
                        (Some(named), Some(value)) => {
                            *item = RefOr::Ref(Ref::from_schema_name(named.clone()));
                            mapping.push((value, format!("#/components/schemas/{named}")));
                            variants.push((named, object));
                        }
                        _ => *item = RefOr::T(Schema::Object(object)),
                    }
                }
                if let Some(tag) = tag {
                    one.discriminator = Some(utoipa::openapi::schema::Discriminator::with_mapping(
                        tag, mapping,
                    ));
                }
            }
            Some(schema @ RefOr::T(Schema::AllOf(_))) => {
                if let RefOr::T(Schema::AllOf(all)) = &*schema
                    && let Some(object) = merged(all)
                {
                    *schema = RefOr::T(Schema::Object(object));
                }
            }
            _ => {}
        }
    }
    for (name, object) in variants {
        components
            .schemas
            .insert(name, RefOr::T(Schema::Object(object)));
    }
    // The parts merged into a body and referenced nowhere else are left out.
    let text = serde_json::to_string(&*doc).unwrap_or_default();
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    components.schemas.retain(|name, _| {
        !FLATTENED_PARTS.contains(&name.as_str())
            || text.contains(&format!("\"#/components/schemas/{name}\""))
    });
}

/// The tag of each tagged union among [`CLOSED_BODIES`].
const UNION_TAGS: &[(&str, &str)] = &[("DevelopmentStep", "step"), ("TransferInput", "kind")];

/// Structs flattened into a body of [`CLOSED_BODIES`] that are not schemas of their own.
const FLATTENED_PARTS: &[&str] = &["MemberDetails", "MeetingDetails"];

/// OAuth 2.0 with the password and client-credentials flows, listing every scope.
fn oauth_scheme() -> SecurityScheme {
    let scopes = || {
        Scopes::from_iter(
            ALL_PERMISSIONS
                .iter()
                .map(|p| (p.name().to_owned(), p.describe().to_owned())),
        )
    };
    let token_url = "/api/v1/auth/token";
    SecurityScheme::OAuth2(OAuth2::new([
        Flow::Password(Password::new(token_url, scopes())),
        Flow::ClientCredentials(ClientCredentials::new(token_url, scopes())),
    ]))
}

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// The permission an operation requires, as its `#[utoipa::path]` declares it:
/// `security(("oauth2" = ["organizations:read"]))`. The contract shows it as the scope of both
/// the bearer and the OAuth requirement; [`super::extract::Authorized`] enforces it. `None` for
/// an operation without one, or with a scope that names no permission.
pub fn declared_permission(op: &Operation) -> Option<Permission> {
    let security = op.security.as_ref()?;
    ALL_PERMISSIONS
        .into_iter()
        .find(|p| security.contains(&SecurityRequirement::new(OAUTH_SCHEME, [p.name()])))
}

/// Whether an operation takes `If-Match` (and so is 428 without it).
pub fn takes_if_match(op: &Operation) -> bool {
    op.parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match"))
}

fn add_shared_behaviour(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        let operations = [
            (HttpMethod::Get, &mut item.get),
            (HttpMethod::Post, &mut item.post),
            (HttpMethod::Put, &mut item.put),
            (HttpMethod::Patch, &mut item.patch),
            (HttpMethod::Delete, &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(op) = operation else { continue };
            // Undeclared counts as secured (with no scope, which the contract test refuses).
            let permission = declared_permission(op);
            let secured = op.security.is_none() || permission.is_some();
            // A public operation declares no requirement at all (`security: []`), not the
            // optional one `security(())` gives (`[{}]`), which generated clients read as "a
            // token is needed" even to get a token.
            if op.security.as_deref() == Some(&[SecurityRequirement::default()][..]) {
                op.security = Some(Vec::new());
            }
            let mut shared = vec![(
                "400",
                "Malformed request: a query parameter, header or body that cannot be read; `errors` names each.",
            )];
            if secured {
                let scope: Vec<&str> = permission.iter().map(|p| p.name()).collect();
                op.security = Some(vec![
                    SecurityRequirement::new(SECURITY_SCHEME, scope.clone()),
                    SecurityRequirement::new(OAUTH_SCHEME, scope),
                ]);
                shared.push(("401", "No bearer token, or an invalid or expired one."));
                shared.push(("403", "Your roles do not allow this operation."));
            }
            if has_id {
                shared.push(("404", "No such resource, or it is outside your scope."));
            }
            if path.starts_with(super::BASE_PATH) {
                shared.push(("429", "Too many requests from this caller (`LIANGXIN_RATE_LIMIT_PER_MINUTE`); wait `Retry-After` seconds. Every answer carries `RateLimit` and `RateLimit-Policy` headers (IETF httpapi draft)."));
                shared.push(("503", "The database does not answer, or the server is at one of its bounds (password checks, imports); retry after `Retry-After` seconds. Nothing was changed."));
            }
            if op.request_body.is_some() {
                shared.push((
                    "408",
                    "The body did not arrive within `LIANGXIN_BODY_TIMEOUT_SECS`.",
                ));
                shared.push(("413", "The body is larger than 1 MiB."));
                shared.push(("415", "The body is not in a supported content type."));
                shared.push(("422", "The body is well-formed JSON but breaks its schema (`required`, `type`, `enum`, `format`, `range`, `length`) or a rule; `errors` lists every field at fault at once. A personal-data field holding masked text is `masked_value`; a read-only field sent with another value than the current one is `read_only`."));
            }
            let has_query = op.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
            });
            if has_query {
                shared.push(("422", "A query parameter holds a control character (`control_character`) or breaks a rule; `errors` names each."));
            }
            let takes_idempotency_key = op.parameters.iter().flatten().any(|p| {
                matches!(p, RefOr::T(p) if p.name == "Idempotency-Key"
                    && matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Header))
            });
            if takes_idempotency_key {
                shared.push(("422", "The `Idempotency-Key` was used for another request (`/problems/idempotency-key-reused`): use a new key."));
            }
            if matches!(method, HttpMethod::Patch | HttpMethod::Delete) || takes_if_match(op) {
                shared.push(("412", "`If-Match` names an older version: someone changed the resource since you read it."));
            }
            if takes_if_match(op) {
                shared.push((
                    "428",
                    "`If-Match` is missing: send the ETag you last read (or `*`).",
                ));
            }
            for (status, description) in shared {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            }
        }
    }
}

/// The contract as pretty JSON with a trailing newline, exactly as committed.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the contract serializes");
    text.push('\n');
    text
}
