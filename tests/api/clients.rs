//! API clients of integrating systems: client credentials, scopes, region, rotation.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, organization_body, problem, with};

crate::on_both_databases!(
    a_client_reads_only_its_region_and_scopes,
    client_credentials_errors_are_oauth_errors,
    secrets_rotate_with_an_overlap_and_disabled_clients_stop,
    client_settings_are_validated,
);

async fn register(app: &TestApp, body: Value) -> Value {
    let response = app.post_json("/api/v1/api-clients", &body).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn client_token(
    app: &TestApp,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    app.client
        .post(app.url("/api/v1/auth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn a_client_reads_only_its_region_and_scopes(app: TestApp) {
    app.create_organization(&with(
        organization_body(1),
        json!({"region_code": "110105"}),
    ))
    .await;
    app.create_organization(&with(
        organization_body(2),
        json!({"region_code": "350102", "contact_phone": "13812345678"}),
    ))
    .await;
    let client = register(&app, json!({"name": "北京市党员信息系统", "scopes": ["organizations:read"], "region_code": "110000"})).await;
    assert!(client["client_secret"].as_str().unwrap().len() >= 40);
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );

    let response = client_token(&app, id, secret, None).await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    assert_eq!(token["scope"], "organizations:read");
    assert!(
        token.get("refresh_token").is_none(),
        "clients get no refresh token"
    );
    let bearer = token["access_token"].as_str().unwrap();

    let list: Value = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let regions: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(regions, ["110105"]);
    let write = app
        .client
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(bearer)
        .json(&organization_body(3))
        .send()
        .await
        .unwrap();
    problem(write, 403).await;
    problem(
        app.client
            .get(app.url("/api/v1/users"))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap(),
        403,
    )
    .await;

    // HTTP Basic authentication works as well (RFC 6749 §2.3.1).
    let basic = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);

    // Personal data stays masked without pii:read.
    let all_regions = register(
        &app,
        json!({"name": "全国", "scopes": ["organizations:read"]}),
    )
    .await;
    let token: Value = client_token(
        &app,
        all_regions["client_id"].as_str().unwrap(),
        all_regions["client_secret"].as_str().unwrap(),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let list: Value = app
        .client
        .get(app.url("/api/v1/organizations?region_code=35"))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["contact_phone"], "138****5678");
}

async fn client_credentials_errors_are_oauth_errors(app: TestApp) {
    let client = register(
        &app,
        json!({"name": "x", "scopes": ["organizations:read", "regions:read"]}),
    )
    .await;
    let id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"].as_str().unwrap();
    let wrong = problem(client_token(&app, id, "not-the-secret", None).await, 400).await;
    assert_eq!(wrong["errors"][0]["code"], "invalid_client");
    let unknown = problem(client_token(&app, "lx_nobody", secret, None).await, 400).await;
    assert_eq!(unknown["errors"][0]["code"], "invalid_client");
    let too_much = problem(
        client_token(&app, id, secret, Some("organizations:write")).await,
        400,
    )
    .await;
    assert_eq!(too_much["errors"][0]["code"], "invalid_scope");
    let narrowed: Value = client_token(&app, id, secret, Some("regions:read"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(narrowed["scope"], "regions:read");
    let bearer = narrowed["access_token"].as_str().unwrap();
    let organizations = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    problem(organizations, 403).await;
    let missing = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(missing, 400).await["errors"][0]["field"],
        "client_id"
    );
}

async fn secrets_rotate_with_an_overlap_and_disabled_clients_stop(app: TestApp) {
    let client = register(&app, json!({"name": "x", "scopes": ["regions:read"]})).await;
    let id = client["client_id"].as_str().unwrap().to_owned();
    let old_secret = client["client_secret"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/api-clients/{}", client["id"].as_str().unwrap());
    let rotated: Value = app
        .request(Method::POST, &format!("{path}/secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    assert_eq!(
        client_token(&app, &id, new_secret, None).await.status(),
        200
    );
    assert_eq!(
        client_token(&app, &id, &old_secret, None).await.status(),
        200,
        "both work during the overlap"
    );

    let response = app
        .patch_json(&path, &json!({"disabled": true}), None)
        .await;
    assert_eq!(response.status(), 200);
    problem(client_token(&app, &id, new_secret, None).await, 400).await;
    let fetched: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(fetched["disabled"], true);
    assert!(
        fetched.get("client_secret").is_none(),
        "the secret is never shown again"
    );
}

async fn client_settings_are_validated(app: TestApp) {
    let bad = json!({"name": "", "scopes": ["users:manage", "organizations:read"], "region_code": "119999"});
    let body = problem(app.post_json("/api/v1/api-clients", &bad).await, 422).await;
    let mut errors = field_errors(&body);
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("name", "length"),
        ("region_code", "unknown_region"),
        ("scopes", "unknown_scope"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(errors, expected);
    let list: Value = app.get("/api/v1/api-clients").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}
