//! The OpenAPI contract: the committed copy matches the code, and every operation is complete.
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

const COMMITTED: &str = include_str!("../../openapi/v1.json");

#[test]
fn committed_contract_matches_the_code() {
    let generated = liangxin::api::openapi::document_json();
    assert!(
        generated == COMMITTED,
        "openapi/v1.json is out of date: regenerate it with `cargo run -- openapi > openapi/v1.json` and commit it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_contract_is_the_committed_one() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let served: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(COMMITTED).unwrap();
    assert!(
        served == committed,
        "the served contract differs from openapi/v1.json"
    );
}

#[test]
fn every_operation_is_complete() {
    let doc: Value = serde_json::from_str(&liangxin::api::openapi::document_json()).unwrap();
    let routes = liangxin::api::RouteTable::from_openapi(&liangxin::api::openapi::document());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operation_ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: operationId"));
            assert!(
                operation_ids.insert(id.to_owned()),
                "{name}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: tags"
            );
            for tag in op["tags"].as_array().unwrap() {
                assert!(
                    doc["tags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| t["name"] == *tag
                            && t["description"].as_str().is_some_and(|d| !d.is_empty())),
                    "{name}: tag {tag} is declared with a description"
                );
            }
            assert!(op["security"].is_array(), "{name}: security");
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("400"), "{name}: 400");
            for (status, response) in responses {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{name} {status}: description"
                );
            }
            if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/auth/") {
                match op["security"][0]["bearer"].as_array() {
                    Some(scopes) => {
                        assert_eq!(scopes.len(), 1, "{name}: declares the scope it requires");
                        assert!(
                            routes
                                .permission(&method.to_uppercase(), path)
                                .is_some_and(|p| p.name() == scopes[0]),
                            "{name}: its scope is a permission the API enforces"
                        );
                        assert!(
                            responses.contains_key("401") && responses.contains_key("403"),
                            "{name}: 401/403"
                        );
                    }
                    // The calendar feeds take a calendar token instead of a bearer token.
                    None => assert!(
                        op["security"][0]["calendar_token"].is_array()
                            && responses.contains_key("401"),
                        "{name}: a bearer scope, or a calendar token and its 401"
                    ),
                }
            }
            if let Some(body) = op.get("requestBody") {
                for status in ["413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name}: {status}");
                }
                let examples = body["content"].as_object().unwrap().values().any(|c| {
                    let schema = &c["schema"];
                    schema.get("example").is_some()
                        || schema.get("$ref").is_some()
                        || c.get("example").is_some()
                });
                assert!(examples, "{name}: request body example");
            }
        }
    }
}

/// A merge patch may leave out any field: no `*Patch` schema requires one (an empty patch is
/// accepted where the operation says so), so generated clients never insist on a field.
#[test]
fn every_patch_schema_leaves_every_field_optional() {
    let document = liangxin::api::openapi::document();
    let schemas = &document.components.as_ref().unwrap().schemas;
    let value = serde_json::to_value(schemas).unwrap();
    let mut patches = 0;
    for (name, schema) in value.as_object().unwrap() {
        if name.ends_with("Patch") {
            patches += 1;
            assert!(
                schema
                    .get("required")
                    .is_none_or(|r| r.as_array().unwrap().is_empty()),
                "{name} requires {}",
                schema["required"]
            );
        }
    }
    assert!(patches >= 10, "{patches} patch schemas");
}

/// Every POST takes `Idempotency-Key` but those listed here: the token endpoint and revocation
/// (OAuth forms); those whose answer holds a secret shown once (an API client, its new secret, a
/// calendar token), which a stored answer would keep in clear for a day; a password reset (the
/// key's fingerprint would be one of the password) and a webhook's retry and ping, which are
/// the same when repeated.
#[test]
fn every_post_takes_an_idempotency_key_but_the_listed_ones() {
    let document = serde_json::to_value(liangxin::api::openapi::document()).unwrap();
    let not_yet = [
        "/api/v1/api-clients",
        "/api/v1/api-clients/{id}/secret",
        "/api/v1/auth/revoke",
        "/api/v1/auth/token",
        "/api/v1/me/calendar-tokens",
        "/api/v1/users/{id}/password",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        "/api/v1/webhooks/{id}/ping",
    ];
    let mut without = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(post) = item.get("post") else {
            continue;
        };
        let takes = post["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        });
        if !takes {
            without.push(path.as_str());
        }
    }
    without.sort_unstable();
    assert_eq!(without, not_yet);
}

/// Every code a rule or a handler answers with, as written in the source, is in the documented
/// table (`liangxin::error_codes`, listed in the contract): a new rule's code cannot go
/// undocumented, nor without its Chinese message.
#[test]
fn every_error_code_in_the_source_is_documented() {
    let patterns = regex::Regex::new(
        r#"(?s)(?:\brefuse\(\s*|\bconflict\(\s*|(?:Refusal|Conflict)\s*\{\s*code:\s*|(?:FieldError::new|RuleViolation::new|bad_request|invalid)\(\s*[^,()]*(?:\([^()]*\))?[^,()]*,\s*)"([a-z][a-z0-9_]*)""#,
    )
    .unwrap();
    let mut files = vec![std::path::PathBuf::from("src")];
    let mut undocumented = Vec::new();
    let mut seen = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("error_codes.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for found in patterns.captures_iter(&text) {
            seen += 1;
            let code = &found[1];
            if liangxin::error_codes::error_code(code).is_none() {
                undocumented.push(format!("{}: {code}", path.display()));
            }
        }
    }
    assert!(
        seen > 100,
        "only {seen} codes found: the pattern no longer matches the source"
    );
    assert!(
        undocumented.is_empty(),
        "undocumented codes: {undocumented:#?}"
    );
}

/// The README's list of API-client scopes is the contract's (`ClientScope`, generated from the
/// permissions a client may hold).
#[test]
fn the_readme_lists_every_client_scope() {
    let readme = include_str!("../../README.md");
    let document = serde_json::to_value(liangxin::api::openapi::document()).unwrap();
    let scopes = document["components"]["schemas"]["ClientScope"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(scopes.len(), liangxin::auth::Permission::FOR_CLIENTS.len());
    for scope in scopes {
        let scope = scope.as_str().unwrap();
        assert!(
            readme.contains(&format!("`{scope}`")),
            "README lacks {scope}"
        );
    }
}
