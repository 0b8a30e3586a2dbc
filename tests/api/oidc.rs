//! Tokens from an external identity provider: RS256/ES256 keys chosen by `kid` from a JWKS file,
//! mapped to a local user whose roles apply; every forgery is a 401.
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, config_for, organization_body, problem, spawn_with_config, with,
};

const ISSUER: &str = "https://sso.example.gov.cn";
const AUDIENCE: &str = "liangxin";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/oidc")
        .join(name)
}

fn sign(alg: Algorithm, key_file: &str, kid: &str, overrides: Value) -> String {
    let pem = std::fs::read(fixture(key_file)).unwrap();
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "zhang.sso", "iat": now, "nbf": now, "exp": now + 300});
    json_patch::merge(&mut claims, &overrides);
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, &claims, &key).unwrap()
}

async fn app_with_idp(backend: Backend) -> Option<TestApp> {
    app_with_keys(backend, "jwks.json").await
}

async fn app_with_keys(backend: Backend, keys_file: &str) -> Option<TestApp> {
    let mut config = config_for(backend).await?;
    config.oidc = Some(liangxin::auth::oidc::IdpConfig {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        keys_file: fixture(keys_file),
        user_claim: "sub".into(),
    });
    let app = spawn_with_config(config).await;
    let user = json!({"username": "zhang.sso", "password": "unused-password", "roles": [{"role": "org_department", "region_code": "11"}]});
    assert_eq!(app.post_json("/api/v1/users", &user).await.status(), 201);
    Some(app)
}

async fn status_with(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn provider_tokens_map_to_local_users(app: TestApp) {
    app.create_organization(&with(
        organization_body(1),
        json!({"region_code": "110105"}),
    ))
    .await;
    app.create_organization(&with(
        organization_body(2),
        json!({"region_code": "350102"}),
    ))
    .await;
    for (alg, key, kid) in [
        (Algorithm::ES256, "ec-1.pem", "ec-1"),
        (Algorithm::RS256, "rsa-1.pem", "rsa-1"),
    ] {
        let token = sign(alg, key, kid, json!({}));
        let me: Value = status_with(&app, &token, "/api/v1/me")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "zhang.sso", "{kid}");
        assert_eq!(me["roles"][0]["role"], "org_department");
        let list: Value = status_with(&app, &token, "/api/v1/organizations")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            1,
            "the local user's region applies"
        );
    }
}

async fn forged_and_foreign_tokens_are_refused(app: TestApp) {
    let now = jsonwebtoken::get_current_timestamp();
    let public_pem = std::fs::read(fixture("rsa-1.pub.pem")).unwrap();
    let mut hmac_header = Header::new(Algorithm::HS256);
    hmac_header.kid = Some("rsa-1".into());
    let hmac_with_public_key = encode(
        &hmac_header,
        &json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "zhang.sso", "exp": now + 300}),
        &EncodingKey::from_secret(&public_pem),
    )
    .unwrap();
    let cases = [
        (
            "unknown kid",
            sign(Algorithm::ES256, "ec-2.pem", "ec-2", json!({})),
        ),
        (
            "key of another kid",
            sign(Algorithm::ES256, "ec-2.pem", "ec-1", json!({})),
        ),
        (
            "algorithm not the key's",
            sign(Algorithm::RS256, "rsa-1.pem", "ec-1", json!({})),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::ES256,
                "ec-1.pem",
                "ec-1",
                json!({"iss": "https://evil.example"}),
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::ES256,
                "ec-1.pem",
                "ec-1",
                json!({"aud": "other"}),
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::ES256,
                "ec-1.pem",
                "ec-1",
                json!({"exp": now - 600, "iat": now - 900, "nbf": now - 900}),
            ),
        ),
        (
            "not yet valid",
            sign(
                Algorithm::ES256,
                "ec-1.pem",
                "ec-1",
                json!({"nbf": now + 600}),
            ),
        ),
        (
            "unknown user",
            sign(
                Algorithm::ES256,
                "ec-1.pem",
                "ec-1",
                json!({"sub": "nobody"}),
            ),
        ),
        ("HMAC signed with the public key", hmac_with_public_key),
    ];
    for (case, token) in cases {
        let response = status_with(&app, &token, "/api/v1/me").await;
        assert_eq!(response.status(), 401, "{case}");
        problem(response, 401).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_provider_tokens_map_to_local_users() {
    provider_tokens_map_to_local_users(app_with_idp(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_provider_tokens_map_to_local_users() {
    if let Some(app) = app_with_idp(Backend::Postgres).await {
        provider_tokens_map_to_local_users(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_forged_and_foreign_tokens_are_refused() {
    forged_and_foreign_tokens_are_refused(app_with_idp(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_forged_and_foreign_tokens_are_refused() {
    if let Some(app) = app_with_idp(Backend::Postgres).await {
        forged_and_foreign_tokens_are_refused(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_provider_asymmetric_tokens_are_refused() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await.unwrap();
    let token = sign(Algorithm::ES256, "ec-1.pem", "ec-1", json!({}));
    problem(status_with(&app, &token, "/api/v1/me").await, 401).await;
}

/// The same provider with its keys in a PEM file, each named by a `kid:` line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keys_from_a_pem_file_are_chosen_by_kid() {
    let app = app_with_keys(Backend::Sqlite, "keys.pem").await.unwrap();
    for (alg, key, kid) in [
        (Algorithm::ES256, "ec-1.pem", "ec-1"),
        (Algorithm::RS256, "rsa-1.pem", "rsa-1"),
    ] {
        let token = sign(alg, key, kid, json!({}));
        let response = status_with(&app, &token, "/api/v1/me").await;
        assert_eq!(response.status(), 200, "{kid}");
    }
    for (alg, key, kid) in [
        (Algorithm::ES256, "ec-2.pem", "ec-2"),
        (Algorithm::ES256, "ec-2.pem", "ec-1"),
        (Algorithm::RS256, "rsa-1.pem", "ec-1"),
    ] {
        let token = sign(alg, key, kid, json!({}));
        problem(status_with(&app, &token, "/api/v1/me").await, 401).await;
    }
}
