//! The organizations resource: rules, filters, merge patch, archive.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, organization_body, problem, uscc_with_prefix, with};

crate::on_both_databases!(
    create_then_get_returns_the_same_organization_with_etag,
    every_broken_rule_is_listed_at_once,
    uscc_type_prefix_must_fit_the_kind,
    a_social_organization_with_a_5x_code_is_accepted,
    duplicate_uscc_is_a_conflict_until_the_first_is_archived,
    list_filters_by_kind_category_region_name_and_scope,
    merge_patch_sets_clears_and_keeps_fields,
    patch_cannot_set_unknown_or_server_fields,
    patch_that_breaks_a_rule_changes_nothing,
    archive_hides_from_lists_and_blocks_changes,
    total_counts_all_matching_rows,
    name_search_matches_percent_and_underscore_literally,
);

async fn create_then_get_returns_the_same_organization_with_etag(app: TestApp) {
    let body = with(
        organization_body(1),
        json!({"address": "鼓楼区1号", "contact_phone": "13800135678"}),
    );
    let response = app.post_json("/api/v1/organizations", &body).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/organizations/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["version"], 1);
    assert_eq!(created["operating_status"], "operating");
    assert_eq!(created["address"], "鼓楼区1号");
    let id = created["id"].as_str().unwrap();
    assert_eq!(id.chars().nth(14), Some('7'), "ids are UUIDv7: {id}");

    let response = app.get(&location).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let fetched: Value = response.json().await.unwrap();
    assert_eq!(fetched, created);
}

async fn every_broken_rule_is_listed_at_once(app: TestApp) {
    let body = json!({
        "name": "",
        "kind": "new_social",
        "category": "private_enterprise",
        "uscc": "91350100M000100Y44",
        "region_code": "35010",
        "employee_count": -1,
        "in_survey_scope": true,
    });
    let body = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
    let mut errors = field_errors(&body);
    errors.sort();
    let expected: Vec<(String, String)> = [
        ("category", "category_kind"),
        ("employee_count", "range"),
        ("name", "length"),
        ("region_code", "format"),
        ("uscc", "check_digit"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(errors, expected, "{body}");
    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]), "nothing was stored");
}

async fn uscc_type_prefix_must_fit_the_kind(app: TestApp) {
    let body = with(
        organization_body(1),
        json!({"kind": "new_social", "category": "social_group", "employee_count": 40}),
    );
    let body = problem(app.post_json("/api/v1/organizations", &body).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("uscc".to_string(), "type_prefix".to_string())]
    );

    let bad_alphabet = with(organization_body(2), json!({"uscc": "91350100I000100Y43"}));
    let body = problem(
        app.post_json("/api/v1/organizations", &bad_alphabet).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [("uscc".to_string(), "alphabet".to_string())]
    );
}

async fn a_social_organization_with_a_5x_code_is_accepted(app: TestApp) {
    let body = with(
        organization_body(1),
        json!({"kind": "new_social", "category": "private_non_enterprise_unit", "uscc": uscc_with_prefix("52", 7)}),
    );
    let created = app.create_organization(&body).await;
    assert_eq!(created["kind"], "new_social");
    assert_eq!(created["category"], "private_non_enterprise_unit");
}

async fn duplicate_uscc_is_a_conflict_until_the_first_is_archived(app: TestApp) {
    let first = app.create_organization(&organization_body(1)).await;
    let again = with(organization_body(1), json!({"name": "另一家"}));
    let body = problem(app.post_json("/api/v1/organizations", &again).await, 409).await;
    assert!(body["detail"].as_str().unwrap().contains("uscc"), "{body}");

    let path = format!("/api/v1/organizations/{}", first["id"].as_str().unwrap());
    let response = app
        .request(Method::DELETE, &path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    app.create_organization(&again).await;
}

async fn list_filters_by_kind_category_region_name_and_scope(app: TestApp) {
    let rows = [
        json!({"name": "朝阳科技", "region_code": "110105", "category": "private_technology"}),
        json!({"name": "海淀外资", "region_code": "110108", "category": "foreign_invested", "in_survey_scope": false}),
        json!({"name": "朝阳街道商会", "region_code": "110105001", "kind": "new_social", "category": "social_group"}),
        json!({"name": "福州软件", "region_code": "350102"}),
    ];
    for (n, changes) in rows.iter().enumerate() {
        let mut body = with(organization_body(n as u32 + 1), changes.clone());
        if changes.get("kind") == Some(&json!("new_social")) {
            body["uscc"] = json!(uscc_with_prefix("51", n as u32 + 1));
        }
        app.create_organization(&body).await;
    }
    let names = |query: &'static str| {
        let app = &app;
        async move {
            let response = app.get(&format!("/api/v1/organizations?{query}")).await;
            assert_eq!(response.status(), 200, "{query}");
            let list: Value = response.json().await.unwrap();
            let mut names: Vec<String> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        names("region_code=11").await,
        ["朝阳科技", "朝阳街道商会", "海淀外资"]
    );
    assert_eq!(
        names("region_code=110000").await,
        ["朝阳科技", "朝阳街道商会", "海淀外资"]
    );
    assert_eq!(
        names("region_code=110100").await,
        ["朝阳科技", "朝阳街道商会", "海淀外资"]
    );
    assert_eq!(
        names("region_code=110105").await,
        ["朝阳科技", "朝阳街道商会"]
    );
    assert_eq!(names("region_code=35").await, ["福州软件"]);
    assert_eq!(names("kind=new_social").await, ["朝阳街道商会"]);
    assert_eq!(names("category=foreign_invested").await, ["海淀外资"]);
    assert_eq!(
        names("q=%E6%9C%9D%E9%98%B3").await,
        ["朝阳科技", "朝阳街道商会"]
    );
    assert_eq!(names("in_survey_scope=false").await, ["海淀外资"]);
    assert_eq!(
        names("kind=new_economic&region_code=1101").await,
        ["朝阳科技", "海淀外资"]
    );

    for bad in [
        "region_code=1",
        "region_code=abc",
        "kind=state_owned",
        "in_survey_scope=maybe",
        "colour=red",
    ] {
        let response = app.get(&format!("/api/v1/organizations?{bad}")).await;
        let body = problem(response, 400).await;
        let field = bad.split('=').next().unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{bad}: {body}");
    }
}

async fn merge_patch_sets_clears_and_keeps_fields(app: TestApp) {
    let created = app
        .create_organization(&with(
            organization_body(1),
            json!({"address": "旧地址", "industry": "制造业"}),
        ))
        .await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let response = app
        .patch_json(
            &path,
            &json!({"employee_count": 300.0, "address": null}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["employee_count"], 300);
    assert_eq!(updated["address"], Value::Null);
    assert_eq!(updated["industry"], "制造业");
    assert_eq!(updated["name"], created["name"]);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["created_at"], created["created_at"]);

    // `version` in the body works like If-Match.
    let stale = app
        .patch_json(&path, &json!({"employee_count": 1, "version": 1}), None)
        .await;
    let body = problem(stale, 412).await;
    assert!(body["detail"].as_str().unwrap().contains('2'));
    let fresh = app
        .patch_json(&path, &json!({"employee_count": 1, "version": 2}), None)
        .await;
    assert_eq!(fresh.status(), 200);

    // Plain JSON is accepted as a merge patch too.
    let response = app
        .request(Method::PATCH, &path)
        .header("if-match", "*")
        .json(&json!({"industry": "软件业"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let latest: Value = response.json().await.unwrap();
    assert_eq!(
        (latest["industry"].as_str(), latest["version"].as_i64()),
        (Some("软件业"), Some(4))
    );
}

async fn patch_cannot_set_unknown_or_server_fields(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    // Server-owned fields with another value than the current one are 422 `read_only` (the
    // same value is ignored: see forms.rs); fields the resource does not have are 400.
    for (body, field, status, code) in [
        (
            json!({"id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e11"}),
            "id",
            422,
            "read_only",
        ),
        (
            json!({"created_at": "2020-01-01T00:00:00Z"}),
            "created_at",
            422,
            "read_only",
        ),
        (
            json!({"archived_at": "2020-01-01T00:00:00Z"}),
            "archived_at",
            422,
            "read_only",
        ),
        (json!({"nickname": "x"}), "nickname", 400, "unknown_field"),
    ] {
        let body = problem(app.patch_json(&path, &body, None).await, status).await;
        assert_eq!(
            field_errors(&body)[0],
            (field.to_string(), code.to_string()),
            "{body}"
        );
    }
    // `null` for a field that cannot be cleared breaks the patch's schema: 422.
    let body = problem(
        app.patch_json(&path, &json!({"name": null}), None).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body)[0],
        ("name".to_string(), "type".to_string())
    );
    let body = problem(app.patch_json(&path, &json!([1, 2]), None).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "body");
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after, created, "nothing changed");
}

async fn patch_that_breaks_a_rule_changes_nothing(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let response = app
        .patch_json(&path, &json!({"kind": "new_social"}), None)
        .await;
    let body = problem(response, 422).await;
    let errors = field_errors(&body);
    assert!(
        errors.contains(&("category".into(), "category_kind".into())),
        "{body}"
    );
    assert!(
        errors.contains(&("uscc".into(), "type_prefix".into())),
        "{body}"
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after, created);
}

async fn archive_hides_from_lists_and_blocks_changes(app: TestApp) {
    let kept = app.create_organization(&organization_body(1)).await;
    let archived = app.create_organization(&organization_body(2)).await;
    let path = format!("/api/v1/organizations/{}", archived["id"].as_str().unwrap());

    let stale = app
        .request(Method::DELETE, &path)
        .header("if-match", "\"7\"")
        .send()
        .await
        .unwrap();
    problem(stale, 412).await;
    let response = app
        .request(Method::DELETE, &path)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let again = app
        .request(Method::DELETE, &path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 204, "archiving twice changes nothing");

    let list: Value = app.get("/api/v1/organizations").await.json().await.unwrap();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [kept["id"].as_str().unwrap()]);
    let all: Value = app
        .get("/api/v1/organizations?include_archived=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    crate::helpers::problem(app.get(&path).await, 404).await;
    let fetched: Value = app
        .get(&format!("{path}?include_archived=true"))
        .await
        .json()
        .await
        .unwrap();
    assert!(fetched["archived_at"].is_string());
    assert_eq!(fetched["version"], 2);
    let body = problem(
        app.patch_json(&path, &json!({"employee_count": 3}), None)
            .await,
        409,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("archived"));
}

async fn total_counts_all_matching_rows(app: TestApp) {
    for n in 1..=5 {
        app.create_organization(&organization_body(n)).await;
    }
    let page: Value = app
        .get("/api/v1/organizations?limit=2&include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["next_cursor"].is_string());
    let without: Value = app
        .get("/api/v1/organizations?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert!(without.get("total").is_none());
}

/// `q` is text, not a LIKE pattern: `%` and `_` match only themselves.
async fn name_search_matches_percent_and_underscore_literally(app: TestApp) {
    for (n, name) in [
        (1, "百分百%科技"),
        (2, "云_帆科技"),
        (3, "福州云帆科技"),
        (4, "反斜\\杠科技"),
    ] {
        app.create_organization(&with(organization_body(n), json!({"name": name})))
            .await;
    }
    let names = |query: &'static str| {
        let app = &app;
        async move {
            let page: Value = app
                .get(&format!("/api/v1/organizations?q={query}"))
                .await
                .json()
                .await
                .unwrap();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names("%25").await, ["百分百%科技"]);
    assert_eq!(names("_").await, ["云_帆科技"]);
    assert_eq!(names("%5C").await, ["反斜\\杠科技"]);
    assert_eq!(names("%E7%A7%91%E6%8A%80").await.len(), 4);
}
