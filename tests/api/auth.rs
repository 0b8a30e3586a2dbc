//! Tokens: issuing them and refusing bad ones.
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, ADMIN_USERNAME, JWT_SECRET, TestApp, problem};

crate::on_both_databases!(
    password_grant_works_form_encoded_and_as_json,
    wrong_password_and_unknown_user_get_the_same_answer,
    unsupported_grant_type_is_named,
    requests_without_a_valid_token_are_401,
    a_token_without_the_right_role_is_403,
    repeated_failed_logins_are_throttled,
    concurrent_logins_are_counted_before_the_password_is_checked,
    refresh_tokens_rotate_and_reuse_revokes_the_family,
    revoked_refresh_tokens_stop_working,
    disabling_a_user_stops_their_refresh_at_once,
);

async fn password_grant_works_form_encoded_and_as_json(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"grant_type": "password", "username": ADMIN_USERNAME, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    let response = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn wrong_password_and_unknown_user_get_the_same_answer(app: TestApp) {
    let attempt = |username: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/api/v1/auth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap();
            let mut body = problem(response, 400).await;
            body.as_object_mut().unwrap().remove("request_id");
            body
        }
    };
    let wrong_password = attempt(ADMIN_USERNAME, "not-the-password").await;
    let unknown_user = attempt("nobody", "not-the-password").await;
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(wrong_password["errors"][0]["code"], "invalid_grant");
}

async fn unsupported_grant_type_is_named(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["errors"][0]["code"], "unsupported_grant_type");
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .body("x")
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
}

fn sign(claims: &Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(overrides: Value) -> Value {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = json!({
        "sub": "01936f0e-8b8a-7c61-9d55-8a1c2b3e4f50",
        "iss": "liangxin",
        "aud": "liangxin-api",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "t-1",
        "roles": ["admin"],
        "grants": [{"role": "admin"}],
    });
    json_patch::merge(&mut claims, &overrides);
    claims
}

async fn requests_without_a_valid_token_are_401(app: TestApp) {
    let now = jsonwebtoken::get_current_timestamp();
    let cases = [
        ("no token", None),
        ("not a JWT", Some("garbage".to_owned())),
        (
            "expired",
            Some(sign(
                &claims(json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200})),
                JWT_SECRET,
            )),
        ),
        (
            "not yet valid",
            Some(sign(&claims(json!({"nbf": now + 3600})), JWT_SECRET)),
        ),
        (
            "wrong audience",
            Some(sign(&claims(json!({"aud": "another-api"})), JWT_SECRET)),
        ),
        (
            "wrong issuer",
            Some(sign(&claims(json!({"iss": "someone-else"})), JWT_SECRET)),
        ),
        (
            "wrong key",
            Some(sign(
                &claims(json!({})),
                "a-different-secret-of-enough-length-0123456789",
            )),
        ),
        (
            "no subject",
            Some(sign(&claims(json!({"sub": null})), JWT_SECRET)),
        ),
    ];
    for (case, token) in cases {
        let mut request = app.client.get(app.url("/api/v1/organizations"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{case}");
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{case}"
        );
        problem(response, 401).await;
    }
    let unsigned = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
        base64_url(&claims(json!({})).to_string())
    );
    let response = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(unsigned)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "alg none is refused");
    let response = app
        .client
        .get(app.url("/api/v1/organizations"))
        .header("authorization", format!("Basic {}", base64_url("admin:x")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

async fn a_token_without_the_right_role_is_403(app: TestApp) {
    let token = sign(&claims(json!({"roles": [], "grants": []})), JWT_SECRET);
    let response = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    problem(response, 403).await;
    let response = app
        .client
        .request(Method::POST, app.url("/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&crate::helpers::organization_body(1))
        .send()
        .await
        .unwrap();
    problem(response, 403).await;
}

async fn repeated_failed_logins_are_throttled(app: TestApp) {
    let login = |username: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", username),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(login(ADMIN_USERNAME, "guess").await.status(), 400);
    }
    let throttled = login(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    problem(throttled, 429).await;
    // The same answer for a username that does not exist: throttling reveals nothing.
    for _ in 0..5 {
        login("nobody", "guess").await;
    }
    problem(login("nobody", "guess").await, 429).await;
    // Other users are not locked out by someone else's failures.
    assert_eq!(login("somebody-else", "guess").await.status(), 400);
}

async fn token_call(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn password_login(app: &TestApp, username: &str, password: &str) -> Value {
    let response = token_call(
        app,
        &[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    token_call(
        app,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_family(app: TestApp) {
    let first = password_login(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let response = refresh(&app, &first_refresh).await;
    assert_eq!(response.status(), 200);
    let second: Value = response.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first_refresh, second_refresh);
    let works = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(second["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(works.status(), 200);

    // Someone replays the first token: refused, and the legitimate successor dies with it.
    let replay = problem(refresh(&app, &first_refresh).await, 400).await;
    assert_eq!(replay["errors"][0]["code"], "invalid_grant");
    let successor = problem(refresh(&app, &second_refresh).await, 400).await;
    assert_eq!(successor["errors"][0]["code"], "invalid_grant");

    // Another login starts a new family that is unaffected.
    let other = password_login(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(
        refresh(&app, other["refresh_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
    problem(refresh(&app, "not-a-token").await, 400).await;
    let missing = problem(
        token_call(&app, &[("grant_type", "refresh_token")]).await,
        400,
    )
    .await;
    assert_eq!(missing["errors"][0]["field"], "refresh_token");
}

async fn revoke(app: &TestApp, token: &str) -> u16 {
    let response = app
        .client
        .post(app.url("/api/v1/auth/revoke"))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

async fn revoked_refresh_tokens_stop_working(app: TestApp) {
    let login = password_login(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let token = login["refresh_token"].as_str().unwrap();
    assert_eq!(revoke(&app, token).await, 200);
    problem(refresh(&app, token).await, 400).await;
    assert_eq!(
        revoke(&app, "never-issued").await,
        200,
        "RFC 7009: unknown tokens are not an error"
    );
}

async fn disabling_a_user_stops_their_refresh_at_once(app: TestApp) {
    let body = json!({"username": "temp", "password": "a-long-password", "roles": [{"role": "org_department", "region_code": "11"}]});
    let created: Value = app
        .post_json("/api/v1/users", &body)
        .await
        .json()
        .await
        .unwrap();
    let login = password_login(&app, "temp", "a-long-password").await;
    let path = format!("/api/v1/users/{}", created["id"].as_str().unwrap());
    assert_eq!(
        app.patch_json(&path, &json!({"disabled": true}), None)
            .await
            .status(),
        200
    );
    let refused = problem(
        refresh(&app, login["refresh_token"].as_str().unwrap()).await,
        400,
    )
    .await;
    assert_eq!(refused["errors"][0]["code"], "invalid_grant");
}

/// Each attempt is counted before its password is checked, so a burst cannot pass the limit
/// together: of 20 wrong passwords for one user sent at once, exactly 5 (the limit) are checked
/// (400) and the rest refused (429); the address's limit (50) holds the same way across users.
async fn concurrent_logins_are_counted_before_the_password_is_checked(app: TestApp) {
    let login = |username: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/auth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", "guess"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let count = |statuses: &[u16], status: u16| statuses.iter().filter(|s| **s == status).count();
    let one_user = futures::future::join_all((0..20).map(|_| login(ADMIN_USERNAME.into()))).await;
    assert_eq!(
        (count(&one_user, 400), count(&one_user, 429)),
        (5, 15),
        "{one_user:?}"
    );
    // The address was charged the 5 checked attempts (those refused by the user's counter go no
    // further); 50 more for other users pass until the address's 50.
    let many_users = futures::future::join_all((0..50).map(|n| login(format!("user-{n}")))).await;
    assert_eq!(
        (count(&many_users, 400), count(&many_users, 429)),
        (45, 5),
        "{many_users:?}"
    );
}
