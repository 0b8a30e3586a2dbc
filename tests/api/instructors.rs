//! Instructors, "one person, one enterprise" assignments (held by the database under concurrent
//! requests, also from two servers), hand-overs, visit logs and the instructor's scope.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, config_for, field_errors, organization_body, problem, spawn_with_config,
    test_config, user_with_roles, with,
};

crate::on_both_databases!(
    instructors_show_their_training_hours_and_mask_phones,
    one_person_one_enterprise_is_enforced_with_the_conflict_named,
    a_hand_over_ends_and_starts_in_one_transaction,
    fifty_concurrent_conflicting_assignments_yield_exactly_one,
    visits_stay_within_the_period_and_overdue_assignments_are_listed,
    an_instructor_reaches_their_assigned_organizations_only,
);

fn instructor_body(name: &str) -> Value {
    json!({
        "name": name,
        "source_unit_type": "government_agency",
        "source_unit": "鼓楼区市场监督管理局",
        "region_code": "350102",
        "phone": "13900135678",
        "is_full_party_member": true,
    })
}

async fn instructor(app: &TestApp, name: &str, changes: Value) -> String {
    let body = with(instructor_body(name), changes);
    app.created("/api/v1/instructors", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn organization(app: &TestApp, n: u32) -> String {
    app.create_organization(&organization_body(n)).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn assignment(instructor: &str, organization: &str, starts_on: &str) -> Value {
    json!({"instructor_id": instructor, "organization_id": organization, "starts_on": starts_on})
}

async fn assign(app: &TestApp, instructor: &str, organization: &str, starts_on: &str) -> String {
    app.created(
        "/api/v1/instructor-assignments",
        &assignment(instructor, organization, starts_on),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn refused(app: &TestApp, body: Value) -> Value {
    problem(
        app.post_json("/api/v1/instructor-assignments", &body).await,
        409,
    )
    .await
}

async fn instructors_show_their_training_hours_and_mask_phones(app: TestApp) {
    let id = instructor(&app, "陈立", json!({})).await;
    let trainings = format!("/api/v1/instructors/{id}/trainings");
    app.created(
        &trainings,
        &json!({"title": "党建培训", "held_on": "2026-03-01", "hours": 8}),
    )
    .await;
    app.created(
        &trainings,
        &json!({"title": "专题培训", "held_on": "2026-09-01", "hours": 16}),
    )
    .await;
    app.created(
        &trainings,
        &json!({"title": "去年的培训", "held_on": "2025-09-01", "hours": 40}),
    )
    .await;
    let future = app
        .post_json(
            &trainings,
            &json!({"title": "x", "held_on": "2999-01-01", "hours": 1}),
        )
        .await;
    assert_eq!(
        field_errors(&problem(future, 422).await),
        [("held_on".into(), "future_date".into())]
    );
    let body: Value = app
        .get(&format!("/api/v1/instructors/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["training_hours_this_year"], 24);
    assert_eq!(body["phone"], "13900135678");
    let list: Value = app.get(&trainings).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);

    let token = user_with_roles(
        &app,
        "gulou",
        json!([{"role": "org_department", "region_code": "350102"}]),
    )
    .await;
    let body: Value = app
        .request_as(&token, Method::GET, &format!("/api/v1/instructors/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["phone"], "139****5678");
    let other = user_with_roles(
        &app,
        "taijiang",
        json!([{"role": "org_department", "region_code": "350103"}]),
    )
    .await;
    let response = app
        .request_as(&other, Method::GET, &format!("/api/v1/instructors/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

async fn one_person_one_enterprise_is_enforced_with_the_conflict_named(app: TestApp) {
    let chen = instructor(&app, "陈立", json!({})).await;
    let wang = instructor(&app, "王敏", json!({})).await;
    let idle = instructor(&app, "李静", json!({"status": "inactive"})).await;
    let outsider = instructor(&app, "赵强", json!({"is_full_party_member": false})).await;
    let first = organization(&app, 1).await;
    let second = organization(&app, 2).await;

    let held = assign(&app, &chen, &first, "2026-01-01").await;
    let body = refused(&app, assignment(&wang, &first, "2026-02-01")).await;
    assert_eq!(body["code"], "organization_has_instructor");
    assert!(body["detail"].as_str().unwrap().contains(&held), "{body}");
    let body = refused(&app, assignment(&chen, &second, "2026-02-01")).await;
    assert_eq!(body["code"], "instructor_at_capacity");
    assert!(body["detail"].as_str().unwrap().contains(&held), "{body}");
    assert_eq!(
        refused(&app, assignment(&idle, &second, "2026-02-01")).await["code"],
        "instructor_inactive"
    );
    assert_eq!(
        refused(&app, assignment(&outsider, &second, "2026-02-01")).await["code"],
        "instructor_not_party_member"
    );

    // Ended, the places are free again; the same pair cannot overlap its past period.
    let end = app
        .post_json(
            &format!("/api/v1/instructor-assignments/{held}/end"),
            &json!({"date": "2026-06-30", "reason": "建立了党支部"}),
        )
        .await;
    assert_eq!(end.status(), 200);
    let again = app
        .post_json(
            &format!("/api/v1/instructor-assignments/{held}/end"),
            &json!({"date": "2026-06-30"}),
        )
        .await;
    assert_eq!(problem(again, 409).await["code"], "already_ended");
    let body = refused(&app, assignment(&chen, &first, "2026-06-01")).await;
    assert_eq!(body["code"], "period_overlap");
    assign(&app, &chen, &first, "2026-07-01").await;
    assign(&app, &wang, &second, "2026-07-01").await;

    let page: Value = app
        .get(&format!(
            "/api/v1/instructor-assignments?organization_id={first}&include_total=true"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    let page: Value = app
        .get("/api/v1/instructor-assignments?active_on=2026-03-01")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], held.as_str());
}

async fn a_hand_over_ends_and_starts_in_one_transaction(app: TestApp) {
    let chen = instructor(&app, "陈立", json!({})).await;
    let wang = instructor(&app, "王敏", json!({})).await;
    let idle = instructor(&app, "李静", json!({"status": "inactive"})).await;
    let first = organization(&app, 1).await;
    let held = assign(&app, &chen, &first, "2026-01-01").await;
    let path = format!("/api/v1/instructor-assignments/{held}/handover");

    let response = app
        .post_json(
            &path,
            &json!({"date": "2026-11-01", "next_instructor_id": idle}),
        )
        .await;
    assert_eq!(problem(response, 409).await["code"], "instructor_inactive");
    let still: Value = app
        .get(&format!("/api/v1/instructor-assignments/{held}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["status"], "active",
        "the failed hand-over ended nothing"
    );

    let response = app
        .post_json(
            &path,
            &json!({"date": "2026-11-01", "reason": "调任", "next_instructor_id": wang}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ended"]["status"], "ended");
    assert_eq!(body["ended"]["ends_on"], "2026-11-01");
    assert_eq!(body["started"]["instructor_id"], wang.as_str());
    assert_eq!(body["started"]["organization_id"], first.as_str());
    let active: Value = app
        .get(&format!(
            "/api/v1/instructor-assignments?organization_id={first}&status=active"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["items"].as_array().unwrap().len(), 1);
}

/// 50 requests at once that cannot all succeed, against `servers` (one or two processes on the
/// same database): exactly one 201, every other a 409.
async fn race(servers: &[&TestApp], bodies: Vec<Value>) {
    let requests = bodies.iter().enumerate().map(|(i, body)| {
        let server = servers[i % servers.len()];
        server
            .client
            .post(server.url("/api/v1/instructor-assignments"))
            .bearer_auth(&server.token)
            .json(body)
            .send()
    });
    let mut statuses = Vec::new();
    for response in futures::future::join_all(requests).await {
        let response = response.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!(status == 201 || status == 409, "{status}: {text}");
        statuses.push(status);
    }
    statuses.sort();
    let mut expected = vec![409; bodies.len() - 1];
    expected.insert(0, 201);
    assert_eq!(statuses, expected);
}

async fn fifty_concurrent_conflicting_assignments_yield_exactly_one(app: TestApp) {
    let target = organization(&app, 1).await;
    let mut instructors = Vec::new();
    for n in 0..50 {
        instructors.push(instructor(&app, &format!("指导员{n}"), json!({})).await);
    }
    // Fifty instructors for one organization.
    race(
        &[&app],
        instructors
            .iter()
            .map(|i| assignment(i, &target, "2026-11-01"))
            .collect(),
    )
    .await;
    // One instructor (not the winner above, who is at capacity) for fifty organizations.
    let fresh = instructor(&app, "新指导员", json!({})).await;
    let mut organizations = Vec::new();
    for n in 2..52 {
        organizations.push(organization(&app, n).await);
    }
    race(
        &[&app],
        organizations
            .iter()
            .map(|o| assignment(&fresh, o, "2026-11-01"))
            .collect(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_servers_on_one_database_yield_exactly_one() {
    let Some(config) = config_for(Backend::Postgres).await else {
        return;
    };
    let first = spawn_with_config(config).await;
    let second = spawn_with_config(test_config(first.database_url.clone())).await;
    let target = organization(&first, 1).await;
    let mut instructors = Vec::new();
    for n in 0..50 {
        instructors.push(instructor(&first, &format!("指导员{n}"), json!({})).await);
    }
    race(
        &[&first, &second],
        instructors
            .iter()
            .map(|i| assignment(i, &target, "2026-11-01"))
            .collect(),
    )
    .await;
    let fresh = instructor(&first, "新指导员", json!({})).await;
    let mut organizations = Vec::new();
    for n in 2..52 {
        organizations.push(organization(&second, n).await);
    }
    race(
        &[&first, &second],
        organizations
            .iter()
            .map(|o| assignment(&fresh, o, "2026-11-01"))
            .collect(),
    )
    .await;
}

async fn visits_stay_within_the_period_and_overdue_assignments_are_listed(app: TestApp) {
    let chen = instructor(&app, "陈立", json!({})).await;
    let wang = instructor(&app, "王敏", json!({})).await;
    let first = organization(&app, 1).await;
    let second = organization(&app, 2).await;
    let visited = assign(&app, &chen, &first, "2026-01-01").await;
    let neglected = assign(&app, &wang, &second, "2026-01-01").await;
    let visits = format!("/api/v1/instructor-assignments/{visited}/visits");
    for (body, code) in [
        (
            json!({"visited_on": "2025-12-31", "topic": "走访"}),
            "outside_period",
        ),
        (
            json!({"visited_on": "2999-01-01", "topic": "走访"}),
            "future_date",
        ),
    ] {
        let problem = problem(app.post_json(&visits, &body).await, 422).await;
        assert_eq!(field_errors(&problem), [("visited_on".into(), code.into())]);
    }
    let body = json!({"visited_on": "2026-11-01", "topic": "指导召开党员大会", "next_visit_on": "2026-10-01"});
    let problem = problem(app.post_json(&visits, &body).await, 422).await;
    assert_eq!(
        field_errors(&problem),
        [("next_visit_on".into(), "order".into())]
    );

    // The instructor writes their own visits, not anyone else's.
    let token = user_with_roles(
        &app,
        "chen",
        json!([{"role": "instructor", "instructor_id": chen}]),
    )
    .await;
    // Visited today (UTC's date, never ahead of the server's +08:00 one): not overdue.
    let today = chrono::Utc::now().date_naive();
    let next = today + chrono::Duration::days(30);
    let body = json!({"visited_on": today.to_string(), "topic": "指导召开党员大会", "findings": "台账不全", "next_visit_on": next.to_string()});
    let response = app
        .request_as(&token, Method::POST, &visits)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .request_as(
            &token,
            Method::POST,
            &format!("/api/v1/instructor-assignments/{neglected}/visits"),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let page: Value = app.get(&visits).await.json().await.unwrap();
    assert!(
        page["items"][0]["recorded_by"]
            .as_str()
            .unwrap()
            .starts_with("user:")
    );
    let overdue: Value = app
        .get("/api/v1/instructor-assignments?overdue=true")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [neglected.as_str()]);
}

async fn an_instructor_reaches_their_assigned_organizations_only(app: TestApp) {
    let chen = instructor(&app, "陈立", json!({})).await;
    let mine = organization(&app, 1).await;
    let other = organization(&app, 2).await;
    let held = assign(&app, &chen, &mine, "2026-01-01").await;
    let token = user_with_roles(
        &app,
        "chen",
        json!([{"role": "instructor", "instructor_id": chen}]),
    )
    .await;
    let get = |path: String| app.request_as(&token, Method::GET, &path).send();
    assert_eq!(
        get(format!("/api/v1/organizations/{mine}"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        get(format!("/api/v1/organizations/{other}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let page: Value = get("/api/v1/organizations?include_total=true".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(
        get(format!("/api/v1/instructors/{chen}"))
            .await
            .unwrap()
            .status(),
        200
    );
    let response = app
        .request_as(&token, Method::POST, "/api/v1/instructor-assignments")
        .json(&assignment(&chen, &other, "2026-11-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        403,
        "instructors do not assign themselves"
    );
    app.post_json(
        &format!("/api/v1/instructor-assignments/{held}/end"),
        &json!({"date": "2026-11-01"}),
    )
    .await;
    assert_eq!(
        get(format!("/api/v1/organizations/{mine}"))
            .await
            .unwrap()
            .status(),
        404,
        "ended: no longer theirs"
    );
}

/// With `LIANGXIN_MAX_ORGS_PER_INSTRUCTOR=2`, an instructor holds two active assignments and no
/// third; ending one frees its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_per_instructor_limit_is_configurable() {
    let mut config = config_for(Backend::Sqlite).await.unwrap();
    config.max_orgs_per_instructor = 2;
    let app = spawn_with_config(config).await;
    let chen = instructor(&app, "陈立", json!({})).await;
    let mut organizations = Vec::new();
    for n in 1..=3 {
        organizations.push(organization(&app, n).await);
    }
    let first = assign(&app, &chen, &organizations[0], "2026-01-01").await;
    assign(&app, &chen, &organizations[1], "2026-01-01").await;
    let body = refused(&app, assignment(&chen, &organizations[2], "2026-01-01")).await;
    assert_eq!(body["code"], "instructor_at_capacity");
    app.post_json(
        &format!("/api/v1/instructor-assignments/{first}/end"),
        &json!({"date": "2026-06-30"}),
    )
    .await;
    assign(&app, &chen, &organizations[2], "2026-07-01").await;
}
