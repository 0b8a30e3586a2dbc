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
    every_field_that_breaks_the_schema_is_named_at_once,
    problems_speak_chinese_on_request_and_their_types_resolve,
);

/// `Accept-Language: zh-CN` (or `zh`) gives the title, the detail and each field's message in
/// Chinese, English staying the default; a problem's `type` is a page of this deployment that
/// explains it (JSON, or HTML for a browser), for every kind of problem.
async fn problems_speak_chinese_on_request_and_their_types_resolve(app: TestApp) {
    let body = json!({"kind": "corporation", "employee_count": -1});
    let english = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
    assert_eq!(english["title"], "The request is well-formed but invalid");
    for language in ["zh-CN", "zh", "zh-CN,zh;q=0.9,en;q=0.8"] {
        let response = app
            .request(Method::POST, "/api/v1/organizations")
            .header("accept-language", language)
            .json(&body)
            .send()
            .await
            .unwrap();
        let chinese = problem(response, 422).await;
        assert_eq!(chinese["title"], "请求内容不符合规则", "{language}");
        assert!(
            chinese["detail"].as_str().unwrap().contains("个字段有误"),
            "{chinese}"
        );
        let messages: Vec<&str> = chinese["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert!(messages.contains(&"必填"), "{messages:?}");
        assert!(
            messages.iter().any(|m| m.starts_with("不是允许的取值")),
            "{messages:?}"
        );
        assert_eq!(
            field_errors(&chinese),
            field_errors(&english),
            "codes stay the same"
        );
    }
    // A rule's code (a region not in the table; a duplicate) has its own Chinese message, the
    // one the contract lists, with no English left in it.
    let chinese_only = |m: &str| !m.chars().any(|c| c.is_ascii_alphabetic());
    let mut body = organization_body(1);
    body["region_code"] = json!("990101");
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("accept-language", "zh-CN")
        .json(&body)
        .send()
        .await
        .unwrap();
    let refused = problem(response, 422).await;
    assert_eq!(refused["errors"][0]["code"], "unknown_region");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        liangxin::error_codes::error_code("unknown_region")
            .unwrap()
            .message_zh
    );
    assert!(chinese_only(message), "{message}");
    app.create_organization(&organization_body(1)).await;
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("accept-language", "zh")
        .json(&organization_body(1))
        .send()
        .await
        .unwrap();
    let duplicate = problem(response, 409).await;
    let detail = duplicate["detail"].as_str().unwrap();
    assert!(chinese_only(detail), "{detail}");
    let contract: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let table = contract["info"]["description"].as_str().unwrap();
    assert!(
        table.contains("| `unknown_region` |"),
        "the contract lists the codes"
    );

    let response = app
        .request(
            Method::GET,
            "/api/v1/organizations/019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
        )
        .header("accept-language", "en-US,en;q=0.9,zh-CN;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, 404).await["title"], "No such resource");

    let page: Value = app
        .client
        .get(app.url(english["type"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["status"], 422);
    assert_eq!(page["title"], english["title"]);
    for kind in liangxin::error::PROBLEM_TYPES {
        let path = format!("/problems/{}", kind.slug);
        let html = app
            .client
            .get(app.url(&path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(html.status(), 200, "{path}");
        assert!(
            html.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(html.text().await.unwrap().contains(kind.title_zh), "{path}");
    }
    let unknown = app
        .client
        .get(app.url("/problems/nonsense"))
        .send()
        .await
        .unwrap();
    problem(unknown, 404).await;
}

/// A form learns every field at fault in one answer: missing, wrong type, unknown enum value,
/// bad format, too long, out of range — 422 for well-formed JSON, on a create and a patch; only
/// JSON that does not parse stays 400. Nothing is written.
async fn every_field_that_breaks_the_schema_is_named_at_once(app: TestApp) {
    let body = json!({
        "kind": "corporation",
        "category": "private_enterprise",
        "uscc": "91350100",
        "region_code": "福州",
        "employee_count": "many",
        "in_survey_scope": true,
        "address": "很长".repeat(300),
    });
    let refused = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
    let pairs = field_errors(&refused);
    let expected: Vec<(String, String)> = [
        ("address", "length"),
        ("employee_count", "type"),
        ("kind", "enum"),
        ("name", "required"),
        ("region_code", "format"),
        ("uscc", "length"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(pairs, expected, "{refused}");
    assert!(
        refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty()))
    );

    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let refused = problem(
        app.patch_json(
            &path,
            &json!({"employee_count": -3, "kind": 7, "operating_status": "sleeping"}),
            None,
        )
        .await,
        422,
    )
    .await;
    let codes: Vec<String> = field_errors(&refused)
        .into_iter()
        .map(|(f, c)| format!("{f}:{c}"))
        .collect();
    assert_eq!(
        codes,
        ["employee_count:range", "kind:type", "operating_status:enum"],
        "{refused}"
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after, created);

    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
    let page: Value = app
        .get("/api/v1/organizations?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
}

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
        // A field the resource does not have is refused (400) before the version is compared.
        let mut odd = first.clone();
        odd["nickname"] = json!("x");
        problem(patch_as(&app, &app.token, &path, &odd, "*").await, 400).await;
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

/// Two editors never overwrite each other silently: a PATCH or DELETE without `If-Match` is 428
/// and changes nothing (`*` is an explicit "whatever is current"); with
/// `LIANGXIN_REQUIRE_IF_MATCH=false` the header is optional again.
async fn changes_without_if_match_are_refused(app: TestApp, required: bool) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let unconditional = app
        .request(Method::PATCH, &path)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"employee_count": 7}).to_string())
        .send()
        .await
        .unwrap();
    let deleted = app.request(Method::DELETE, &path).send().await.unwrap();
    if !required {
        assert_eq!(unconditional.status(), 200);
        assert_eq!(deleted.status(), 204);
        return;
    }
    let refused = problem(unconditional, 428).await;
    assert!(refused["detail"].as_str().unwrap().contains("If-Match"));
    problem(deleted, 428).await;
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after, created, "nothing changed");
    let response = app
        .patch_json(&path, &json!({"employee_count": 7}), None)
        .await;
    assert_eq!(response.status(), 200, "If-Match: *");
    let document: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let operation = &document["paths"]["/api/v1/organizations/{id}"]["patch"];
    assert!(operation["responses"]["428"].is_object());
    assert!(
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "If-Match" && p["required"] == true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_changes_without_if_match_are_refused() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    changes_without_if_match_are_refused(app, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_changes_without_if_match_are_refused() {
    if let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await {
        changes_without_if_match_are_refused(app, true).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_if_match_can_be_made_optional() {
    let mut config = crate::helpers::config_for(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    config.require_if_match = false;
    changes_without_if_match_are_refused(crate::helpers::spawn_with_config(config).await, false)
        .await;
}
