//! What front ends and offices send back (issue 15): a form that sends the whole object it read,
//! masked personal data and read-only fields included, changes only what the user changed.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, member_body, organization_body, problem, user_with_roles, with,
};

crate::on_both_databases!(
    masked_personal_data_sent_back_leaves_the_real_value,
    read_only_fields_sent_back_as_read_are_ignored,
);

async fn read_as(app: &TestApp, token: &str, path: &str) -> (Value, String) {
    let response = app
        .request_as(token, Method::GET, path)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let tag = response.headers()["etag"].to_str().unwrap().to_owned();
    (response.json().await.unwrap(), tag)
}

async fn patch_as(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
    tag: &str,
) -> reqwest::Response {
    app.request_as(token, Method::PATCH, path)
        .header("content-type", "application/merge-patch+json")
        .header("if-match", tag)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A clerk without `pii:read` edits one field of an organization and a member in a form that
/// sends everything back: the masked phone and ID number stay as they were for everyone; other
/// masked text in a personal-data field is 422 `masked_value`, on a create too.
async fn masked_personal_data_sent_back_leaves_the_real_value(app: TestApp) {
    let organization = app
        .create_organization(&with(
            organization_body(1),
            json!({"contact_phone": "13812345671"}),
        ))
        .await;
    let path = format!(
        "/api/v1/organizations/{}",
        organization["id"].as_str().unwrap()
    );
    let clerk = user_with_roles(
        &app,
        "clerk",
        json!([{"role": "org_department", "region_code": "3501"}]),
    )
    .await;
    let (mut form, tag) = read_as(&app, &clerk, &path).await;
    assert_eq!(form["contact_phone"], "138****5671");
    form["employee_count"] = json!(99);
    let response = patch_as(&app, &clerk, &path, &form, &tag).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let stored: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(stored["contact_phone"], "13812345671");
    assert_eq!(stored["employee_count"], 99);

    let (_, tag) = read_as(&app, &clerk, &path).await;
    let refused = problem(
        patch_as(
            &app,
            &clerk,
            &path,
            &json!({"contact_phone": "139****5671", "employee_count": 5}),
            &tag,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("contact_phone".to_owned(), "masked_value".to_owned())]
    );
    let unchanged: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(unchanged["version"], stored["version"]);
    assert_eq!(unchanged["employee_count"], 99);
    let refused = problem(
        app.post_json(
            "/api/v1/organizations",
            &with(
                organization_body(2),
                json!({"contact_phone": "138****5678"}),
            ),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("contact_phone".to_owned(), "masked_value".to_owned())]
    );

    let branch = app.party_organization("支部", "branch", None).await;
    let member = app
        .member(&branch, 1, json!({"phone": "13800135678"}))
        .await;
    let path = format!("/api/v1/members/{member}");
    let real: Value = app.get(&path).await.json().await.unwrap();
    let (mut form, tag) = read_as(&app, &clerk, &path).await;
    assert_eq!(form["phone"], "138****5678");
    assert_ne!(form["id_number"], real["id_number"]);
    form["name"] = json!("改名");
    let response = patch_as(&app, &clerk, &path, &form, &tag).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after["name"], "改名");
    assert_eq!(after["phone"], "13800135678");
    assert_eq!(after["id_number"], real["id_number"]);
    let refused = problem(
        app.post_json(
            "/api/v1/members",
            &with(member_body(&branch, 2), json!({"phone": "138****0000"})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&refused),
        [("phone".to_owned(), "masked_value".to_owned())]
    );
}

/// "GET, edit, PATCH the whole thing": server-owned fields sent back unchanged are ignored; a
/// changed one is 422 `read_only` naming each, and nothing changes; a stale copy is 412.
async fn read_only_fields_sent_back_as_read_are_ignored(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    for path in [
        format!(
            "/api/v1/organizations/{}",
            app.create_organization(&organization_body(1)).await["id"]
                .as_str()
                .unwrap()
        ),
        format!("/api/v1/party-organizations/{branch}"),
        format!(
            "/api/v1/members/{}",
            app.member(&branch, 1, json!({})).await
        ),
    ] {
        let (mut form, tag) = read_as(&app, &app.token, &path).await;
        let first = form.clone();
        form["name"] = json!("新的名称");
        let response = patch_as(&app, &app.token, &path, &form, &tag).await;
        assert_eq!(
            response.status(),
            200,
            "{path}: {}",
            response.text().await.unwrap()
        );
        let (changed, tag) = read_as(&app, &app.token, &path).await;
        assert_eq!(changed["name"], "新的名称");

        let mut form = changed.clone();
        form["id"] = json!("019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21");
        form["created_at"] = json!("2020-01-01T00:00:00Z");
        form["name"] = json!("不会保存");
        let refused = problem(patch_as(&app, &app.token, &path, &form, &tag).await, 422).await;
        assert_eq!(
            field_errors(&refused),
            [
                ("created_at".to_owned(), "read_only".to_owned()),
                ("id".to_owned(), "read_only".to_owned())
            ],
            "{path}"
        );
        let (after, _) = read_as(&app, &app.token, &path).await;
        assert_eq!(after, changed, "{path}");

        // The first copy, sent back whole after someone else's change: 412, not `read_only`.
        let stale = etag_of(&first);
        problem(patch_as(&app, &app.token, &path, &first, &stale).await, 412).await;
    }
}

fn etag_of(read: &Value) -> String {
    format!("\"{}\"", read["version"])
}

/// A browser front end on another origin: the preflight of every method the API has (PUT
/// included) passes, the headers a front end reads are exposed, and Swagger UI asks no outside
/// validator about the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_browsers_preflight_every_method_and_read_the_headers() {
    let mut config = crate::helpers::config_for(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let origin = "https://dangjian.example.cn";
    config.cors_origins = vec![origin.to_owned()];
    let app = crate::helpers::spawn_with_config(config).await;
    let document: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let mut methods = std::collections::BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                methods.insert(method.to_uppercase());
            }
        }
    }
    assert!(methods.contains("PUT"));
    for method in &methods {
        let response = app
            .client
            .request(
                Method::OPTIONS,
                app.url("/api/v1/meetings/019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21/attendance"),
            )
            .header("origin", origin)
            .header("access-control-request-method", method.as_str())
            .header(
                "access-control-request-headers",
                "authorization, content-type, if-match",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "preflight of {method}");
        let allowed = response.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap();
        assert!(allowed.contains(method.as_str()), "{method} in {allowed}");
    }
    let response = app
        .request(Method::GET, "/api/v1/organizations")
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in [
        "idempotent-replayed",
        "content-disposition",
        "location",
        "etag",
        "x-request-id",
        "retry-after",
        "ratelimit",
        "ratelimit-policy",
    ] {
        assert!(
            exposed.split(',').any(|h| h.trim() == header),
            "{header} in {exposed}"
        );
    }
    let initializer = app
        .client
        .get(app.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains(r#""validatorUrl": "none""#),
        "{initializer}"
    );
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags[..6],
        [
            "organizations",
            "party-organizations",
            "members",
            "instructors",
            "instructor-assignments",
            "meetings"
        ]
    );
    assert!(
        document["tags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["description"].is_string())
    );
}
