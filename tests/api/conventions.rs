//! API conventions shared by every resource: problem documents and their statuses, ETags,
//! request ids, body limits, content types, unknown routes and methods.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, organization_body, problem, with};

crate::on_both_databases!(
    malformed_json_is_a_400_problem,
    wrong_types_and_missing_fields_name_the_field,
    wrong_content_type_is_415,
    body_over_one_mebibyte_is_413,
    unknown_id_is_404_and_malformed_id_is_400,
    unknown_route_is_404_and_wrong_method_is_405,
    if_none_match_with_current_etag_is_304,
    malformed_if_match_is_400,
    bad_pagination_parameters_are_400,
    request_id_is_echoed_or_generated,
    operations_without_parameters_refuse_unknown_ones,
    control_characters_are_refused_everywhere_alike,
    responses_are_not_sniffed_and_personal_data_is_not_stored,
);

async fn malformed_json_is_a_400_problem(app: TestApp) {
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["errors"][0]["code"], "json_syntax");
    assert_eq!(body["instance"], "/api/v1/organizations");
}

async fn wrong_types_and_missing_fields_name_the_field(app: TestApp) {
    let mut missing_uscc = organization_body(1);
    missing_uscc.as_object_mut().unwrap().remove("uscc");
    // Well-formed JSON that breaks the schema is 422 (every violation: see forms.rs); a field
    // the resource does not have, alone, is 400.
    let cases = [
        (
            with(organization_body(1), json!({"employee_count": "many"})),
            "employee_count",
            "type",
            422,
        ),
        (missing_uscc, "uscc", "required", 422),
        (
            with(organization_body(1), json!({"kind": "state_owned"})),
            "kind",
            "enum",
            422,
        ),
        (
            with(organization_body(1), json!({"version": 9})),
            "version",
            "unknown_field",
            400,
        ),
    ];
    for (request, field, code, status) in cases {
        let body = problem(
            app.post_json("/api/v1/organizations", &request).await,
            status,
        )
        .await;
        assert_eq!(
            (&body["errors"][0]["field"], &body["errors"][0]["code"]),
            (&json!(field), &json!(code)),
            "{body}"
        );
    }
}

async fn wrong_content_type_is_415(app: TestApp) {
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "text/plain")
        .body(organization_body(1).to_string())
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .body(organization_body(1).to_string())
        .send()
        .await
        .unwrap();
    problem(response, 415).await;
}

async fn body_over_one_mebibyte_is_413(app: TestApp) {
    let mut body = organization_body(1);
    body["address"] = json!("x".repeat(1024 * 1024));
    problem(app.post_json("/api/v1/organizations", &body).await, 413).await;
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}

async fn unknown_id_is_404_and_malformed_id_is_400(app: TestApp) {
    let unknown = "/api/v1/organizations/019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11";
    problem(app.get(unknown).await, 404).await;
    problem(
        app.patch_json(unknown, &json!({"name": "x"}), None).await,
        404,
    )
    .await;
    problem(
        app.request(Method::DELETE, unknown)
            .header("if-match", "*")
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    let body = problem(app.get("/api/v1/organizations/not-a-uuid").await, 400).await;
    assert_eq!(body["errors"][0]["field"], "id");
}

async fn unknown_route_is_404_and_wrong_method_is_405(app: TestApp) {
    problem(app.get("/api/v1/no-such-thing").await, 404).await;
    problem(
        app.client.get(app.url("/nowhere")).send().await.unwrap(),
        404,
    )
    .await;
    let response = app
        .request(Method::PUT, "/api/v1/organizations")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST");
    problem(response, 405).await;
    let response = app
        .request(
            Method::POST,
            "/api/v1/organizations/019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PATCH, DELETE");
    problem(response, 405).await;
    // A literal segment is its own path: `/members/export` is not a member's id.
    for method in [Method::PATCH, Method::DELETE] {
        let response = app
            .request(method, "/api/v1/members/export")
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET");
        problem(response, 405).await;
    }
}

async fn if_none_match_with_current_etag_is_304(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let response = app
        .request(Method::GET, &path)
        .header("if-none-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 304);
    assert_eq!(response.headers()["etag"], "\"1\"");
    app.patch_json(&path, &json!({"employee_count": 99}), None)
        .await;
    let response = app
        .request(Method::GET, &path)
        .header("if-none-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
}

async fn malformed_if_match_is_400(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let body = problem(
        app.patch_json(&path, &json!({"employee_count": 2}), Some("version-one"))
            .await,
        400,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "If-Match");
}

async fn bad_pagination_parameters_are_400(app: TestApp) {
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bogus", "cursor"),
        ("include_total=perhaps", "include_total"),
    ] {
        let body = problem(
            app.get(&format!("/api/v1/organizations?{query}")).await,
            400,
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
    assert_eq!(
        app.get("/api/v1/organizations?limit=200").await.status(),
        200
    );
}

async fn request_id_is_echoed_or_generated(app: TestApp) {
    let response = app
        .request(Method::GET, "/api/v1/organizations")
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");
    let response = app
        .get("/api/v1/organizations/019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11")
        .await;
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["request_id"],
        generated.as_str(),
        "problems quote the request id"
    );
}

async fn operations_without_parameters_refuse_unknown_ones(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!(
        "/api/v1/organizations/{}?expand=all",
        created["id"].as_str().unwrap()
    );
    let body = problem(app.get(&path).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "expand");
}

/// U+0000 and other control characters are refused with a 422 naming each field, on both
/// databases alike (PostgreSQL cannot store U+0000; SQLite would), in bodies, query strings and
/// the login form — and nothing is written.
async fn control_characters_are_refused_everywhere_alike(app: TestApp) {
    let body = with(
        organization_body(1),
        json!({"name": "云帆\u{0}科技", "address": "鼓楼区\u{1b}[2J", "industry": "软件\t服务\r\n"}),
    );
    let refused = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [
            ("address".to_owned(), "control_character".to_owned()),
            ("name".to_owned(), "control_character".to_owned())
        ]
    );
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    let query = problem(app.get("/api/v1/organizations?q=%00").await, 422).await;
    assert_eq!(
        field_errors(&query),
        [("q".to_owned(), "control_character".to_owned())]
    );
    let login = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "ad\u{0}min"),
            ("password", "x"),
        ])
        .send()
        .await
        .unwrap();
    let login = problem(login, 422).await;
    assert_eq!(
        field_errors(&login),
        [("username".to_owned(), "control_character".to_owned())]
    );
    // Tab and line breaks are ordinary text.
    let created = app
        .post_json(
            "/api/v1/organizations",
            &with(organization_body(2), json!({"industry": "软件\t服务\r\n"})),
        )
        .await;
    assert_eq!(created.status(), 201);
}

/// Every response says `nosniff`; API answers, which may carry personal data, are `no-store`
/// unless public (the division table keeps its own caching).
async fn responses_are_not_sniffed_and_personal_data_is_not_stored(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app.member(&branch, 1, json!({})).await;
    for path in [
        format!("/api/v1/members/{member}"),
        "/api/v1/members".into(),
        "/api/v1/members/00000000-0000-0000-0000-000000000000".into(),
    ] {
        let response = app.get(&path).await;
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/members"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["x-content-type-options"], "nosniff");
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
    let regions = app.get("/api/v1/regions").await;
    assert_ne!(regions.headers()["cache-control"], "no-store");
}
