//! Invariants under concurrent requests, enforced by the database.
use std::collections::HashSet;

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, organization_body, with};

crate::on_both_databases!(
    concurrent_patches_with_one_etag_yield_one_success,
    concurrent_posts_with_one_idempotency_key_create_one_organization,
    idempotency_key_with_another_body_is_422,
    a_key_claimed_but_never_answered_does_not_hold_its_key,
    concurrent_duplicate_uscc_yields_one_created_and_conflicts,
    pagination_visits_every_row_once_while_rows_are_inserted,
);

async fn concurrent_patches_with_one_etag_yield_one_success(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
    let statuses: Vec<u16> = join_all((0..10).map(|n| {
        let (app, path) = (&app, &path);
        async move {
            let body = json!({"employee_count": 100 + n});
            app.patch_json(path, &body, Some("\"1\""))
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        9,
        "{statuses:?}"
    );
    let after: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(after["version"], 2);
}

async fn concurrent_posts_with_one_idempotency_key_create_one_organization(app: TestApp) {
    let body = organization_body(1);
    let responses = join_all((0..20).map(|_| {
        let (app, body) = (&app, &body);
        async move {
            let response = app
                .request(Method::POST, "/api/v1/organizations")
                .header("idempotency-key", "create-org-1")
                .json(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (status, text)
        }
    }))
    .await;
    let created: HashSet<String> = responses
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, text)| {
            serde_json::from_str::<Value>(text).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        created.len(),
        1,
        "every 201 names the same organization: {responses:?}"
    );
    // The key commits with the write: the others waited for it and replayed its answer.
    assert!(responses.iter().all(|(s, _)| *s == 201), "{responses:?}");

    let list: Value = app
        .get("/api/v1/organizations?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);

    let replay = app
        .request(Method::POST, "/api/v1/organizations")
        .header("idempotency-key", "create-org-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.unwrap();
    assert!(created.contains(replayed["id"].as_str().unwrap()));
}

async fn idempotency_key_with_another_body_is_422(app: TestApp) {
    let send = |body: Value| {
        let app = &app;
        async move {
            app.request(Method::POST, "/api/v1/organizations")
                .header("idempotency-key", "k-1")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(send(organization_body(1)).await.status(), 201);
    let response = send(organization_body(2)).await;
    let problem = crate::helpers::problem(response, 422).await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("idempotency-key-reused")
    );

    // A request that failed does not hold its key: fixing the body and retrying works.
    let invalid = with(organization_body(3), json!({"employee_count": -5}));
    let failing = app
        .request(Method::POST, "/api/v1/organizations")
        .header("idempotency-key", "k-2")
        .json(&invalid)
        .send()
        .await
        .unwrap();
    assert_eq!(failing.status(), 422);
    let retried = app
        .request(Method::POST, "/api/v1/organizations")
        .header("idempotency-key", "k-2")
        .json(&organization_body(3))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 201);
}

/// What a crash between claim and commit left behind when the key was claimed in a transaction of
/// its own (before the key moved into the create's transaction): a row with no answer. It must not
/// hold the key; the retry creates, once.
async fn a_key_claimed_but_never_answered_does_not_hold_its_key(app: TestApp) {
    use sea_orm::{ActiveModelTrait, Set};
    let me: Value = app.get("/api/v1/me").await.json().await.unwrap();
    let caller = format!("user:{}", me["id"].as_str().unwrap());
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    entity::idempotency_key::ActiveModel {
        caller: Set(caller),
        key: Set("crashed-1".into()),
        request_hash: Set("an older request".into()),
        response_status: Set(None),
        response_body: Set(None),
        response_location: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&db)
    .await
    .unwrap();
    let send = || {
        app.request(Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "crashed-1")
            .json(&organization_body(1))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let created: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed["id"], created["id"]);
    let list: Value = app
        .get("/api/v1/organizations?include_total=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
}

async fn concurrent_duplicate_uscc_yields_one_created_and_conflicts(app: TestApp) {
    let statuses: Vec<u16> = join_all((0..20).map(|n| {
        let app = &app;
        async move {
            let body = with(
                organization_body(1),
                json!({"name": format!("同码企业{n}")}),
            );
            app.post_json("/api/v1/organizations", &body)
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
}

async fn pagination_visits_every_row_once_while_rows_are_inserted(app: TestApp) {
    for n in 0..30 {
        app.create_organization(&organization_body(n)).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut inserted = 30;
    loop {
        let path = match &cursor {
            None => "/api/v1/organizations?limit=7".to_owned(),
            Some(c) => format!("/api/v1/organizations?limit=7&cursor={c}"),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
        // Rows arrive between pages, as they would from other clients.
        if inserted < 45 {
            for _ in 0..3 {
                app.create_organization(&organization_body(inserted)).await;
                inserted += 1;
            }
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert_eq!(
        seen.len(),
        inserted as usize,
        "every row, including those inserted while paging"
    );
}
