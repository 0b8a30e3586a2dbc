//! The event feed: gap-free in commit order under concurrent writers on two instances, the
//! resource as its GET shows it, scopes (and `removed_from_scope`), long polling, retention (410)
//! and `updated_since` as the re-read path.
use std::collections::BTreeMap;

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, organization_body, problem, spawn_with_config, test_config, user_with_roles,
};

crate::on_both_databases!(
    every_change_is_an_event_showing_the_resource_as_get_does,
    a_mirror_built_from_the_feed_alone_equals_a_full_re_read,
    readers_see_their_scope_and_what_leaves_it,
    a_waiting_reader_wakes_when_a_change_commits,
    events_past_their_retention_are_gone_and_lists_re_read_what_changed,
    a_party_group_event_shows_the_group_as_get_does,
    imported_rows_are_events_in_their_branch,
    an_organization_moved_to_another_region_leaves_the_old_one,
    a_party_organization_moved_under_another_parent_leaves_the_old_subtree,
    an_instructor_follows_their_record_assignments_visits_and_organizations,
);

async fn a_party_organization_moved_under_another_parent_leaves_the_old_subtree(app: TestApp) {
    let first = app.party_organization("甲委员会", "committee", None).await;
    let second = app.party_organization("乙委员会", "committee", None).await;
    let general = app
        .party_organization("总支", "general_branch", Some(&first))
        .await;
    let branch = app
        .party_organization("支部", "branch", Some(&general))
        .await;
    let member = app.member(&branch, 1, json!({})).await;
    let secretary = |name: &'static str, root: String| {
        let app = &app;
        async move {
            user_with_roles(
                app,
                name,
                json!([{"role": "branch_secretary", "party_organization_id": root}]),
            )
            .await
        }
    };
    let (old_side, new_side) = (
        secretary("first-secretary", first.clone()).await,
        secretary("second-secretary", second.clone()).await,
    );
    let (events, old_after) = read_all(&app, Some(&old_side), 0).await;
    assert_eq!(events.len(), 4, "{events:?}");
    let (events, new_after) = read_all(&app, Some(&new_side), 0).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let response = app
        .request(
            Method::PATCH,
            &format!("/api/v1/party-organizations/{general}"),
        )
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"parent_id": second}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let actions = |events: &[Value]| -> Vec<(String, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e["resource_id"].as_str().unwrap().to_owned(),
                    e["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // The old side loses the moved organization and everything it carries.
    let (events, _) = read_all(&app, Some(&old_side), old_after).await;
    let expected: Vec<(String, String)> = [&general, &branch, &member]
        .iter()
        .map(|id| ((*id).clone(), "removed_from_scope".to_owned()))
        .collect();
    assert_eq!(actions(&events), expected, "{events:?}");
    // The new side gains them, each as its GET shows it.
    let (events, _) = read_all(&app, Some(&new_side), new_after).await;
    let gained: Vec<(String, String)> =
        [(&general, "update"), (&branch, "move"), (&member, "move")]
            .iter()
            .map(|(id, action)| ((*id).clone(), (*action).to_owned()))
            .collect();
    assert_eq!(actions(&events), gained, "{events:?}");
    let shown = app.get(&format!("/api/v1/members/{member}")).await;
    let shown: Value = shown.json().await.unwrap();
    let representation = events[2]["representation"].clone();
    assert_eq!(representation["id"], shown["id"]);
    assert_eq!(
        representation["party_organization_id"],
        shown["party_organization_id"]
    );
}

async fn an_organization_moved_to_another_region_leaves_the_old_one(app: TestApp) {
    let created = app.create_organization(&organization_body(1)).await;
    let old_region = created["region_code"].as_str().unwrap().to_owned();
    let department = user_with_roles(
        &app,
        "old-region",
        json!([{"role": "org_department", "region_code": old_region}]),
    )
    .await;
    let (events, after) = read_all(&app, Some(&department), 0).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let id = created["id"].as_str().unwrap();
    let response = app
        .request(Method::PATCH, &format!("/api/v1/organizations/{id}"))
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"region_code": "110105"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let (events, _) = read_all(&app, Some(&department), after).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["removed_from_scope"], "{events:?}");
}

async fn imported_rows_are_events_in_their_branch(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let secretary = user_with_roles(
        &app,
        "secretary",
        json!([{"role": "branch_secretary", "party_organization_id": branch}]),
    )
    .await;
    let csv = format!(
        "name,gender,birth_date,id_number,party_organization_id,stage\n\
         甲,male,1990-01-01,{},{branch},full\n\
         乙,male,1990-01-01,{},{branch},full\n",
        crate::helpers::id_number("19900101", true, 1),
        crate::helpers::id_number("19900101", true, 2)
    );
    let response = app
        .request(Method::POST, "/api/v1/imports/members")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (events, _) = read_all(&app, Some(&secretary), 0).await;
    let members: Vec<&Value> = events
        .iter()
        .filter(|e| e["resource_type"] == "member")
        .collect();
    assert_eq!(members.len(), 2, "{events:?}");
    assert!(
        members
            .iter()
            .all(|e| e["version"] == 1 && e["representation"]["version"] == 1)
    );
}

async fn a_party_group_event_shows_the_group_as_get_does(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let groups = format!("/api/v1/party-organizations/{branch}/groups");
    let group = app.created(&groups, &json!({"name": "研发小组"})).await;
    let page: Value = app
        .get("/api/v1/events?types=party_group")
        .await
        .json()
        .await
        .unwrap();
    let get: Value = app
        .get(&format!("{groups}/{}", group["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["representation"], get);
}

/// All events after `after`, page by page.
async fn read_all(app: &TestApp, token: Option<&str>, after: i64) -> (Vec<Value>, i64) {
    let (mut events, mut after) = (Vec::new(), after);
    loop {
        let path = format!("/api/v1/events?after={after}&limit=1000");
        let request = match token {
            Some(token) => app.request_as(token, Method::GET, &path),
            None => app.request(Method::GET, &path),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap().clone();
        after = page["next_after"].as_i64().unwrap();
        if items.is_empty() {
            return (events, after);
        }
        events.extend(items);
    }
}

async fn every_change_is_an_event_showing_the_resource_as_get_does(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app.member(&branch, 1, json!({})).await;
    let path = format!("/api/v1/members/{member}");
    let response = app
        .request(Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "改名"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .request(Method::DELETE, &path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);

    let (events, next_after) = read_all(&app, None, 0).await;
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=4).collect::<Vec<_>>(),
        "gap-free from 1: {events:?}"
    );
    assert_eq!(next_after, 4);
    let summary: Vec<(&str, &str, i64)> = events
        .iter()
        .map(|e| {
            (
                e["resource_type"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("party_organization", "create", 1),
            ("member", "create", 1),
            ("member", "update", 2),
            ("member", "archive", 3),
        ]
    );
    let get: Value = app
        .get(&format!("{path}?include_archived=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events[3]["representation"], get);
    // Filters, and nothing after the last.
    let page: Value = app
        .get("/api/v1/events?types=party_organization")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let page: Value = app
        .get(&format!("/api/v1/events?resource_id={member}&after=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let page: Value = app
        .get("/api/v1/events?after=4")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page, json!({"items": [], "next_after": 4}));
    let response = app.get("/api/v1/events?types=users").await;
    assert_eq!(response.status(), 400);
}

/// Concurrent writers on two instances of one database, a reader that follows the feed, and a
/// restart of one instance in the middle (the reader goes on from the number it kept): the
/// numbers it sees are 1, 2, 3, … without a gap or a repeat, and the mirror it builds from the
/// events alone equals a full re-read of the register at the end.
async fn a_mirror_built_from_the_feed_alone_equals_a_full_re_read(first: TestApp) {
    // SQLite is the embedded, single-instance database; two instances share PostgreSQL.
    let shared = first.database_url.starts_with("postgres");
    let other = match shared {
        true => Some(spawn_with_config(test_config(first.database_url.clone())).await),
        false => None,
    };
    let branch = first.party_organization("支部", "branch", None).await;
    let (mut seen, mut mirror, mut after) = (Vec::new(), BTreeMap::new(), 0i64);
    // Before the restart: members 1–24 on both instances; after it: 25–48.
    let mut restarted = None;
    for phase in 0..2u32 {
        let app = restarted.as_ref().unwrap_or(&first);
        let second = other.as_ref().unwrap_or(app);
        let writers = join_all((0..8u32).map(|w| {
            let (app, branch) = (if w % 2 == 0 { app } else { second }, branch.clone());
            async move {
                for n in 0..3u32 {
                    let number = phase * 50 + w * 5 + n + 1;
                    let id = app.member(&branch, number, json!({})).await;
                    if n == 0 {
                        let response = app
                            .request(Method::PATCH, &format!("/api/v1/members/{id}"))
                            .header("if-match", "\"1\"")
                            .header("content-type", "application/merge-patch+json")
                            .body(json!({"ethnicity": "汉族"}).to_string())
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(response.status(), 200);
                    }
                }
            }
        }));
        // 1 party organization + 24 members + 8 updates before; 24 + 8 more after.
        let until = if phase == 0 { 33 } else { 65 };
        let reader = async {
            while seen.len() < until {
                let reading = if seen.len() % 2 == 0 { app } else { second };
                let page: Value = reading
                    .get(&format!("/api/v1/events?after={after}&wait=5"))
                    .await
                    .json()
                    .await
                    .unwrap();
                for event in page["items"].as_array().unwrap() {
                    seen.push(event["seq"].as_i64().unwrap());
                    if event["resource_type"] == "member" {
                        mirror.insert(
                            event["resource_id"].as_str().unwrap().to_owned(),
                            event["representation"].clone(),
                        );
                    }
                }
                after = page["next_after"].as_i64().unwrap();
            }
        };
        tokio::join!(reader, writers);
        if phase == 0 {
            first.server.stop(true).await;
            restarted = Some(spawn_with_config(test_config(first.database_url.clone())).await);
        }
    }
    assert_eq!(seen, (1..=65).collect::<Vec<_>>());
    let list: Value = restarted
        .as_ref()
        .unwrap()
        .get("/api/v1/members?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let register: BTreeMap<String, Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), m.clone()))
        .collect();
    assert_eq!(mirror.len(), 48);
    assert_eq!(mirror, register);
}

async fn readers_see_their_scope_and_what_leaves_it(app: TestApp) {
    let ours = app.party_organization("本支部", "branch", None).await;
    let theirs = app.party_organization("他支部", "branch", None).await;
    let mine = app.member(&ours, 1, json!({"stage": "full"})).await;
    app.member(&theirs, 2, json!({})).await;
    let secretary = user_with_roles(
        &app,
        "our-secretary",
        json!([{"role": "branch_secretary", "party_organization_id": ours}]),
    )
    .await;
    let (events, _) = read_all(&app, Some(&secretary), 0).await;
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ours.as_str(), mine.as_str()], "{events:?}");
    // Personal data is masked for a reader without pii:read.
    assert!(
        events[1]["representation"]["id_number"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    let after = events[1]["seq"].as_i64().unwrap();

    let transfer =
        json!({"kind": "internal", "to_party_organization_id": theirs, "date": "2026-11-01"});
    let response = app
        .post_json(&format!("/api/v1/members/{mine}/transfers"), &transfer)
        .await;
    assert_eq!(response.status(), 201);
    let (events, _) = read_all(&app, Some(&secretary), after).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "removed_from_scope");
    assert_eq!(events[0]["resource_id"], mine.as_str());
    assert_eq!(events[0]["representation"], Value::Null);
    // The admin sees the member leave one branch and arrive in the other.
    let (events, _) = read_all(&app, None, after).await;
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["resource_id"] == mine.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["removed_from_scope", "transfer"]);
    let transferred = events.iter().find(|e| e["action"] == "transfer").unwrap();
    assert_eq!(
        transferred["representation"]["party_organization_id"],
        theirs.as_str()
    );
    // Someone whose roles read no register at all reads nothing.
    let department = user_with_roles(
        &app,
        "far-away",
        json!([{"role": "org_department", "region_code": "110105"}]),
    )
    .await;
    let (events, _) = read_all(&app, Some(&department), 0).await;
    assert!(events.is_empty(), "{events:?}");
}

async fn a_waiting_reader_wakes_when_a_change_commits(app: TestApp) {
    let (_, after) = read_all(&app, None, 0).await;
    let waiting = app
        .request(
            Method::GET,
            &format!("/api/v1/events?after={after}&wait=30"),
        )
        .send();
    let write = async {
        app.create_organization(&organization_body(1)).await;
    };
    let (response, _) = tokio::join!(waiting, write);
    let page: Value = response.unwrap().json().await.unwrap();
    assert_eq!(page["items"][0]["resource_type"], "organization");
    // With nothing to wait for, `wait` ends with an empty page.
    let after = page["next_after"].as_i64().unwrap();
    let page: Value = app
        .get(&format!("/api/v1/events?after={after}&wait=1"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page, json!({"items": [], "next_after": after}));
    let response = app.get("/api/v1/events?wait=61").await;
    assert_eq!(response.status(), 400);
}

async fn events_past_their_retention_are_gone_and_lists_re_read_what_changed(app: TestApp) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for n in 1..=3 {
        app.create_organization(&organization_body(n)).await;
    }
    let before = chrono::Utc::now();
    let changed = app.create_organization(&organization_body(4)).await;
    // Age the first three events past the retention, and let the housekeeping purge them.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let old = chrono::Utc::now() - chrono::Duration::days(100);
    entity::event::Entity::update_many()
        .col_expr(entity::event::Column::OccurredAt, Expr::value(old))
        .filter(entity::event::Column::Seq.lte(3))
        .exec(&db)
        .await
        .unwrap();
    let purged = liangxin::service::events::purge_older_than(
        &liangxin::db::Db::connect(&app.database_url).await.unwrap(),
        90,
    )
    .await
    .unwrap();
    assert_eq!(purged, 3);
    let body = problem(app.get("/api/v1/events?after=1").await, 410).await;
    assert!(
        body["detail"].as_str().unwrap().contains("after=3"),
        "{body}"
    );
    let page: Value = app
        .get("/api/v1/events?after=3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["seq"], 4);
    // The re-read path: what changed since a time.
    let list: Value = app
        .get(&format!(
            "/api/v1/organizations?updated_since={}",
            before.to_rfc3339().replace('+', "%2B")
        ))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["id"])
        .collect();
    assert_eq!(ids, [&changed["id"]]);
}

async fn an_instructor_follows_their_record_assignments_visits_and_organizations(app: TestApp) {
    let instructor = |name: &str| {
        json!({"name": name, "source_unit_type": "other", "source_unit": "x",
            "region_code": "3501", "is_full_party_member": true})
    };
    let chen = app
        .created("/api/v1/instructors", &instructor("陈立"))
        .await["id"]
        .clone();
    let other = app
        .created("/api/v1/instructors", &instructor("林峰"))
        .await["id"]
        .clone();
    let assigned = app.create_organization(&organization_body(1)).await["id"].clone();
    let elsewhere = app.create_organization(&organization_body(2)).await["id"].clone();
    let assignment = app
        .created(
            "/api/v1/instructor-assignments",
            &json!({"instructor_id": chen, "organization_id": assigned, "starts_on": "2026-01-05"}),
        )
        .await["id"]
        .clone();
    app.created(
        "/api/v1/instructor-assignments",
        &json!({"instructor_id": other, "organization_id": elsewhere, "starts_on": "2026-01-05"}),
    )
    .await;
    let visit = app
        .created(
            &format!(
                "/api/v1/instructor-assignments/{}/visits",
                assignment.as_str().unwrap()
            ),
            &json!({"visited_on": "2026-02-01", "topic": "指导召开党员大会"}),
        )
        .await["id"]
        .clone();
    let token = user_with_roles(
        &app,
        "chen",
        json!([{"role": "instructor", "instructor_id": chen}]),
    )
    .await;
    let (events, _) = read_all(&app, Some(&token), 0).await;
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["resource_type"].as_str().unwrap(),
                e["resource_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("instructor", chen.as_str().unwrap()),
            ("organization", assigned.as_str().unwrap()),
            ("instructor_assignment", assignment.as_str().unwrap()),
            ("instructor_visit", visit.as_str().unwrap()),
        ],
        "{events:?}"
    );
    assert_eq!(events[0]["representation"]["id"], chen);
    assert_eq!(events[1]["representation"]["id"], assigned);
}
