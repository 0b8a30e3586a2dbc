//! The audit log: every write, with its actor, fields and request id; scoped like the records.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, organization_body, problem, user_with_roles, with};

crate::on_both_databases!(
    every_write_is_recorded_without_values,
    refused_writes_are_recorded_as_failures,
    regional_staff_see_their_region_only,
    the_log_cannot_be_changed,
    unmasked_personal_data_reads_are_recorded,
);

async fn events_for(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/audit-events?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn every_write_is_recorded_without_values(app: TestApp) {
    let body = with(
        organization_body(1),
        json!({"contact_phone": "13800135678"}),
    );
    let response = app
        .request(Method::POST, "/api/v1/organizations")
        .header("x-request-id", "audit-trail-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    assert_eq!(
        app.patch_json(&path, &json!({"employee_count": 99}), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.request(Method::DELETE, &path)
            .header("if-match", "*")
            .send()
            .await
            .unwrap()
            .status(),
        204
    );

    let events = events_for(&app, &app.token, &format!("resource_id={id}")).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "archive"]);
    assert_eq!(events[0]["request_id"], "audit-trail-1");
    assert_eq!(events[0]["resource_type"], "organization");
    assert_eq!(events[0]["region_code"], "350102");
    assert!(events[0]["actor"].as_str().unwrap().starts_with("user:"));
    assert_eq!(events[0]["actor_roles"], json!(["admin"]));
    assert!(
        events[0]["changed_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("contact_phone"))
    );
    assert_eq!(events[1]["changed_fields"], json!(["employee_count"]));
    assert_eq!(events[2]["changed_fields"], json!(["archived_at"]));
    assert!(
        events
            .iter()
            .all(|e| e["outcome"] == "success" && e["client_address"] == "127.0.0.1")
    );
    let text = serde_json::to_string(&events).unwrap();
    assert!(
        !text.contains("13800135678"),
        "values, personal data above all, are never logged"
    );

    let users =
        json!({"username": "audited", "password": "a-long-password", "roles": [{"role": "admin"}]});
    app.post_json("/api/v1/users", &users).await;
    let user_events = events_for(&app, &app.token, "resource_type=user").await;
    assert!(user_events.iter().any(|e| {
        e["action"] == "create"
            && !e["changed_fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f.as_str().unwrap().contains("password"))
    }));
    let bootstrap = user_events
        .iter()
        .find(|e| e["actor"] == "system:bootstrap");
    assert!(
        bootstrap.is_some(),
        "the first admin's creation is recorded too"
    );
}

async fn refused_writes_are_recorded_as_failures(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/organizations/{id}");
    problem(
        app.patch_json(&path, &json!({"employee_count": -1}), None)
            .await,
        422,
    )
    .await;
    problem(
        app.patch_json(&path, &json!({"employee_count": 5}), Some("\"9\""))
            .await,
        412,
    )
    .await;
    let events = events_for(&app, &app.token, &format!("resource_id={id}")).await;
    let outcomes: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("create", "success"),
            ("update", "failure:422"),
            ("update", "failure:412")
        ]
    );
    assert!(
        events[1]["changed_fields"].as_array().unwrap().is_empty(),
        "nothing changed"
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after["version"], 1);

    // A refused creation is recorded against no record; an unauthenticated one is not recorded.
    problem(
        app.post_json("/api/v1/organizations", &json!({"name": ""}))
            .await,
        422,
    )
    .await;
    let anonymous = app
        .client
        .post(app.url("/api/v1/organizations"))
        .json(&organization_body(2))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let nil = "00000000-0000-0000-0000-000000000000";
    let creations = events_for(&app, &app.token, &format!("resource_id={nil}")).await;
    assert_eq!(creations.len(), 1);
    assert_eq!(
        (
            creations[0]["action"].as_str(),
            creations[0]["outcome"].as_str()
        ),
        (Some("create"), Some("failure:422"))
    );
}

async fn regional_staff_see_their_region_only(app: TestApp) {
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
    let token = &user_with_roles(
        &app,
        "dept",
        json!([{"role": "org_department", "region_code": "11"}]),
    )
    .await;
    let events = events_for(&app, token, "").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["region_code"], "110105");
    assert_eq!(
        events_for(&app, &app.token, "").await.len(),
        4,
        "admin: 2 organizations, bootstrap and dept users"
    );
}

async fn the_log_cannot_be_changed(app: TestApp) {
    for method in [Method::POST, Method::PATCH, Method::DELETE, Method::PUT] {
        let response = app
            .request(method.clone(), "/api/v1/audit-events")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method}");
    }
    let long = "x".repeat(51);
    let body = problem(
        app.get(&format!("/api/v1/audit-events?resource_type={long}"))
            .await,
        400,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "resource_type");
}

async fn unmasked_personal_data_reads_are_recorded(app: TestApp) {
    let with_phone = app
        .create_organization(&with(
            organization_body(1),
            json!({"region_code": "110105", "contact_phone": "13812345678"}),
        ))
        .await;
    app.create_organization(&organization_body(2)).await;
    let id = with_phone["id"].as_str().unwrap();
    app.get(&format!("/api/v1/organizations/{id}")).await;
    app.get("/api/v1/organizations").await;
    let reads = events_for(&app, &app.token, &format!("resource_id={id}")).await;
    let actions: Vec<&str> = reads
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "read_personal_data", "read_personal_data"]
    );
    assert_eq!(reads[1]["changed_fields"], json!(["contact_phone"]));

    // A caller who sees the mask reads no personal data.
    let token = &user_with_roles(
        &app,
        "dept",
        json!([{"role": "org_department", "region_code": "11"}]),
    )
    .await;
    app.client
        .get(app.url(&format!("/api/v1/organizations/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        events_for(&app, &app.token, &format!("resource_id={id}"))
            .await
            .len(),
        3
    );
}
