//! Generated from the contract: every secured operation refuses a caller without the scope it
//! declares (403), and lets one with it through (anything but 403).
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

crate::on_both_databases!(every_operation_enforces_the_scope_its_contract_declares);

const CLIENT_SCOPES: [&str; 15] = [
    "organizations:read",
    "organizations:write",
    "party_organizations:read",
    "party_organizations:write",
    "members:read",
    "members:write",
    "instructors:read",
    "instructors:write",
    "visits:write",
    "reports:read",
    "meetings:read",
    "meetings:write",
    "regions:read",
    "audit:read",
    "pii:read",
];

async fn client_token(app: &TestApp, scopes: &[&str]) -> String {
    let client: Value = app
        .post_json(
            "/api/v1/api-clients",
            &json!({"name": "scope test", "scopes": scopes}),
        )
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let token: Value = response.json().await.unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str, op: &Value) -> u16 {
    let path = crate::helpers::example_url(path, op);
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method.clone(), app.url(&path))
        .bearer_auth(token);
    if [Method::POST, Method::PATCH, Method::PUT].contains(&method) {
        request = request.json(&json!({}));
    }
    request.send().await.unwrap().status().as_u16()
}

async fn every_operation_enforces_the_scope_its_contract_declares(app: TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let all_client_scopes = client_token(&app, &CLIENT_SCOPES).await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(scope) = op["security"][0]["bearer"][0].as_str() else {
                continue;
            };
            let name = format!("{method} {path} ({scope})");
            if CLIENT_SCOPES.contains(&scope) {
                let others: Vec<&str> = CLIENT_SCOPES
                    .iter()
                    .copied()
                    .filter(|s| *s != scope)
                    .collect();
                let without = client_token(&app, &others).await;
                assert_eq!(
                    call(&app, &without, method, path, op).await,
                    403,
                    "{name} without its scope"
                );
                let with = client_token(&app, &[scope]).await;
                assert_ne!(
                    call(&app, &with, method, path, op).await,
                    403,
                    "{name} with its scope"
                );
            } else {
                assert_eq!(
                    call(&app, &all_client_scopes, method, path, op).await,
                    403,
                    "{name}: clients never hold it"
                );
                assert_ne!(
                    call(&app, &app.token, method, path, op).await,
                    403,
                    "{name}: the admin holds it"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 55, "{checked} operations checked");
}
