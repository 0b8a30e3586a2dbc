//! Roles and scopes: every role × operation on objects inside and outside the caller's scope.
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, login, organization_body, problem, user_with_roles, with,
};

crate::on_both_databases!(
    role_matrix_over_organizations_users_and_regions,
    lists_only_show_what_the_scope_reaches,
    writes_cannot_move_records_out_of_scope,
    users_are_managed_by_admins,
    a_disabled_user_cannot_log_in,
    me_shows_roles_and_permissions,
    personal_data_is_masked_without_pii_read,
);

struct World {
    chaoyang_org: String,
    haidian_org: String,
    fuzhou_org: String,
    admin: String,
    chaoyang: String,
    beijing: String,
}

async fn world(app: &TestApp) -> World {
    let org = |n: u32, region: &str| with(organization_body(n), json!({"region_code": region}));
    let chaoyang_org = app.create_organization(&org(1, "110105")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let haidian_org = app.create_organization(&org(2, "110108")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fuzhou_org = app.create_organization(&org(3, "350102")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chaoyang = user_with_roles(
        app,
        "dept-chaoyang",
        json!([{"role": "org_department", "region_code": "110105"}]),
    )
    .await;
    let beijing = user_with_roles(
        app,
        "dept-beijing",
        json!([{"role": "org_department", "region_code": "11"}]),
    )
    .await;
    World {
        chaoyang_org,
        haidian_org,
        fuzhou_org,
        admin: app.token.clone(),
        chaoyang,
        beijing,
    }
}

async fn call(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> u16 {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("if-match", "*");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
    }
    request.send().await.unwrap().status().as_u16()
}

async fn role_matrix_over_organizations_users_and_regions(app: TestApp) {
    let w = world(&app).await;
    let org = |id: &str| format!("/api/v1/organizations/{id}");
    let patch = Some(json!({"employee_count": 77}));
    let new_in =
        |n: u32, region: &str| Some(with(organization_body(n), json!({"region_code": region})));
    // (who, method, path, body, expected status)
    let matrix: Vec<(&str, Method, String, Option<Value>, u16)> = vec![
        ("admin", Method::GET, org(&w.fuzhou_org), None, 200),
        (
            "admin",
            Method::PATCH,
            org(&w.fuzhou_org),
            patch.clone(),
            200,
        ),
        (
            "admin",
            Method::POST,
            "/api/v1/organizations".into(),
            new_in(10, "350102"),
            201,
        ),
        ("admin", Method::GET, "/api/v1/users".into(), None, 200),
        ("admin", Method::GET, "/api/v1/regions".into(), None, 200),
        ("chaoyang", Method::GET, org(&w.chaoyang_org), None, 200),
        ("chaoyang", Method::GET, org(&w.haidian_org), None, 404),
        ("chaoyang", Method::GET, org(&w.fuzhou_org), None, 404),
        (
            "chaoyang",
            Method::PATCH,
            org(&w.chaoyang_org),
            patch.clone(),
            200,
        ),
        (
            "chaoyang",
            Method::PATCH,
            org(&w.haidian_org),
            patch.clone(),
            404,
        ),
        ("chaoyang", Method::DELETE, org(&w.haidian_org), None, 404),
        (
            "chaoyang",
            Method::POST,
            "/api/v1/organizations".into(),
            new_in(11, "110105001"),
            201,
        ),
        (
            "chaoyang",
            Method::POST,
            "/api/v1/organizations".into(),
            new_in(12, "110108"),
            422,
        ),
        ("chaoyang", Method::GET, "/api/v1/users".into(), None, 403),
        (
            "chaoyang",
            Method::POST,
            "/api/v1/users".into(),
            Some(json!({})),
            403,
        ),
        ("chaoyang", Method::GET, "/api/v1/regions".into(), None, 200),
        ("chaoyang", Method::GET, "/api/v1/me".into(), None, 200),
        ("beijing", Method::GET, org(&w.haidian_org), None, 200),
        (
            "beijing",
            Method::PATCH,
            org(&w.haidian_org),
            patch.clone(),
            200,
        ),
        ("beijing", Method::GET, org(&w.fuzhou_org), None, 404),
        ("beijing", Method::DELETE, org(&w.fuzhou_org), None, 404),
        ("beijing", Method::DELETE, org(&w.haidian_org), None, 204),
    ];
    for (who, method, path, body, expected) in matrix {
        let token = match who {
            "admin" => &w.admin,
            "chaoyang" => &w.chaoyang,
            _ => &w.beijing,
        };
        let is_create =
            method == Method::POST && body.as_ref().is_some_and(|b| b.get("uscc").is_some());
        let status = if is_create {
            let response = app
                .client
                .post(app.url(&path))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        } else {
            call(&app, token, method.clone(), &path, body).await
        };
        assert_eq!(status, expected, "{who} {method} {path}");
    }
    // Nothing outside the scope changed.
    let fuzhou: Value = app.get(&org(&w.fuzhou_org)).await.json().await.unwrap();
    assert_eq!(fuzhou["version"], 2, "only the admin's patch");
}

async fn lists_only_show_what_the_scope_reaches(app: TestApp) {
    let w = world(&app).await;
    let ids = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/organizations?{query}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let page: Value = response.json().await.unwrap();
            let mut ids: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            (ids, page["total"].clone())
        }
    };
    let (chaoyang_sees, total) = ids(w.chaoyang.clone(), "include_total=true").await;
    assert_eq!(chaoyang_sees, std::slice::from_ref(&w.chaoyang_org));
    assert_eq!(total, 1, "counts respect the scope too");
    let (beijing_sees, _) = ids(w.beijing.clone(), "").await;
    let mut expected = vec![w.chaoyang_org.clone(), w.haidian_org.clone()];
    expected.sort();
    assert_eq!(beijing_sees, expected);
    // A filter cannot widen the scope.
    let (fuzhou_for_beijing, _) = ids(w.beijing.clone(), "region_code=35").await;
    assert!(fuzhou_for_beijing.is_empty());
    let (all_for_admin, _) = ids(w.admin.clone(), "").await;
    assert_eq!(all_for_admin.len(), 3);
}

async fn writes_cannot_move_records_out_of_scope(app: TestApp) {
    let w = world(&app).await;
    let path = format!("/api/v1/organizations/{}", w.chaoyang_org);
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&w.chaoyang)
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"region_code": "350102"}).to_string())
        .send()
        .await
        .unwrap();
    let body = problem(response, 422).await;
    assert_eq!(
        field_errors(&body),
        [("region_code".to_string(), "outside_scope".to_string())]
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after["region_code"], "110105");
}

async fn users_are_managed_by_admins(app: TestApp) {
    let bad = json!({"username": "x y", "password": "short", "roles": [
        {"role": "admin", "region_code": "11"}, {"role": "org_department"}, {"role": "org_department", "region_code": "119999"},
        {"role": "branch_secretary"}]});
    let body = problem(app.post_json("/api/v1/users", &bad).await, 422).await;
    let mut errors = field_errors(&body);
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("password", "length"),
        ("roles", "scope_not_allowed"),
        ("roles", "scope_required"),
        ("roles", "scope_required"),
        ("roles", "unknown_region"),
        ("username", "format"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(errors, expected, "{body}");

    let good = json!({"username": "li.haidian", "display_name": "李明", "password": "a-long-password",
        "roles": [{"role": "org_department", "region_code": "110108"}]});
    let response = app.post_json("/api/v1/users", &good).await;
    assert_eq!(response.status(), 201);
    let user: Value = response.json().await.unwrap();
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert_eq!(
        user["roles"],
        json!([{"role": "org_department", "region_code": "110108"}])
    );
    problem(app.post_json("/api/v1/users", &good).await, 409).await;

    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let response = app
        .patch_json(
            &path,
            &json!({"roles": [{"role": "admin"}], "display_name": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), 200);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["roles"], json!([{"role": "admin"}]));
    assert_eq!(changed["display_name"], Value::Null);
    problem(
        app.patch_json(&path, &json!({"password_hash": "x"}), None)
            .await,
        400,
    )
    .await;
    problem(
        app.patch_json(&path, &json!({"disabled": true}), Some("\"1\""))
            .await,
        412,
    )
    .await;

    // A session begun with the old password...
    let old_session: Value = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "li.haidian"),
            ("password", "a-long-password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh = old_session["refresh_token"].as_str().unwrap().to_owned();
    let reset = app
        .request(Method::POST, &format!("{path}/password"))
        .json(&json!({"password": "brand-new-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    login(&app, "li.haidian", "brand-new-password").await;
    // ...ends with the reset: its refresh token is refused.
    let refreshed = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 400);
    let list: Value = app
        .get("/api/v1/users?q=haidian")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn a_disabled_user_cannot_log_in(app: TestApp) {
    user_with_roles(
        &app,
        "leaving",
        json!([{"role": "org_department", "region_code": "11"}]),
    )
    .await;
    let list: Value = app
        .get("/api/v1/users?q=leaving")
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/users/{}", list["items"][0]["id"].as_str().unwrap());
    let response = app
        .patch_json(&path, &json!({"disabled": true}), None)
        .await;
    assert_eq!(response.status(), 200);
    let response = Client::new()
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "leaving"),
            ("password", "a-long-password"),
        ])
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(body["errors"][0]["code"], "invalid_grant");
}

async fn me_shows_roles_and_permissions(app: TestApp) {
    let token = user_with_roles(
        &app,
        "dept",
        json!([{"role": "org_department", "region_code": "110100"}]),
    )
    .await;
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "dept");
    assert_eq!(
        me["roles"],
        json!([{"role": "org_department", "region_code": "110100"}])
    );
    let permissions: Vec<&str> = me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(permissions.contains(&"organizations:write"));
    assert!(!permissions.contains(&"users:manage"));
    let admin_me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    assert!(
        admin_me["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("users:manage"))
    );
}

async fn personal_data_is_masked_without_pii_read(app: TestApp) {
    let w = world(&app).await;
    let path = format!("/api/v1/organizations/{}", w.chaoyang_org);
    let response = app
        .patch_json(&path, &json!({"contact_phone": "13812345678"}), None)
        .await;
    let admin_view: Value = response.json().await.unwrap();
    assert_eq!(
        admin_view["contact_phone"], "13812345678",
        "admin holds pii:read"
    );

    let get = |token: String| {
        let (app, path) = (&app, &path);
        async move {
            let response = app
                .client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(
        get(w.chaoyang.clone()).await["contact_phone"],
        "138****5678"
    );
    let list: Value = app
        .client
        .get(app.url("/api/v1/organizations"))
        .bearer_auth(&w.chaoyang)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["contact_phone"], "138****5678");

    // A change by someone who sees the mask does not write the mask back.
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&w.chaoyang)
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"employee_count": 41}).to_string())
        .send()
        .await
        .unwrap();
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["contact_phone"], "138****5678");
    assert_eq!(get(w.admin.clone()).await["contact_phone"], "13812345678");
}
