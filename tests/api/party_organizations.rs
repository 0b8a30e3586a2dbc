//! Party organizations: the tree, covers, derived counts and formation warnings, groups, and the
//! branch secretary's subtree scope.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, organization_body, party_organization_body, problem, user_with_roles,
    with,
};

crate::on_both_databases!(
    the_tree_answers_parent_and_ancestor_queries_and_refuses_cycles,
    covers_name_registered_organizations_and_can_be_queried,
    counts_and_warnings_follow_the_members,
    a_joint_branch_over_five_units_or_with_a_strong_unit_is_warned,
    the_secretary_must_be_a_full_member_held_here,
    archiving_waits_for_children_and_members,
    party_groups_belong_to_their_organization,
    a_branch_secretary_reaches_their_subtree_only,
);

async fn ids(app: &TestApp, query: &str) -> Vec<String> {
    let page: Value = app
        .get(&format!("/api/v1/party-organizations?{query}"))
        .await
        .json()
        .await
        .unwrap();
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<&String>) -> Vec<String> {
    v.sort();
    v.into_iter().cloned().collect()
}

async fn the_tree_answers_parent_and_ancestor_queries_and_refuses_cycles(app: TestApp) {
    let root = app
        .party_organization("中共鼓楼区非公企业委员会", "committee", None)
        .await;
    let general = app
        .party_organization("云帆总支", "general_branch", Some(&root))
        .await;
    let branch = app
        .party_organization("云帆研发支部", "branch", Some(&general))
        .await;
    let other = app
        .party_organization("海峡支部", "branch", Some(&root))
        .await;

    assert_eq!(
        ids(&app, &format!("parent_id={root}")).await,
        sorted(vec![&general, &other])
    );
    assert_eq!(
        ids(&app, &format!("ancestor_id={root}")).await,
        sorted(vec![&general, &branch, &other])
    );
    assert_eq!(
        ids(&app, &format!("ancestor_id={general}")).await,
        vec![branch.clone()]
    );
    assert_eq!(
        ids(&app, "type=branch").await,
        sorted(vec![&branch, &other])
    );

    // Under its own subtree, or under itself: a cycle.
    for parent in [&branch, &root] {
        let path = format!("/api/v1/party-organizations/{root}");
        let response = app
            .patch_json(&path, &json!({"parent_id": parent}), None)
            .await;
        let body = problem(response, 409).await;
        assert_eq!(body["code"], "cycle", "{body}");
    }
    // Moving a subtree carries what is below it.
    let path = format!("/api/v1/party-organizations/{general}");
    let response = app
        .patch_json(&path, &json!({"parent_id": other}), None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        ids(&app, &format!("ancestor_id={other}")).await,
        sorted(vec![&general, &branch])
    );
    assert_eq!(
        ids(&app, &format!("parent_id={root}")).await,
        vec![other.clone()]
    );

    let unknown = json!({"parent_id": uuid::Uuid::now_v7()});
    let body = problem(app.patch_json(&path, &unknown, None).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("parent_id".into(), "unknown_party_organization".into())]
    );
}

async fn covers_name_registered_organizations_and_can_be_queried(app: TestApp) {
    let a = app.create_organization(&organization_body(1)).await["id"].clone();
    let b = app.create_organization(&organization_body(2)).await["id"].clone();
    let body = with(
        party_organization_body("联合支部", "joint_branch", None),
        json!({"covers": [a, b]}),
    );
    let joint = app.created("/api/v1/party-organizations", &body).await;
    assert_eq!(joint["covers"].as_array().unwrap().len(), 2);
    assert_eq!(joint["region_name"], "福建省 / 福州市 / 鼓楼区");
    let own = app.party_organization("自建支部", "branch", None).await;

    let found = ids(&app, &format!("covers={}", a.as_str().unwrap())).await;
    assert_eq!(found, [joint["id"].as_str().unwrap().to_owned()]);
    assert!(!found.contains(&own));

    let bad = with(
        party_organization_body("x", "branch", None),
        json!({"covers": [uuid::Uuid::now_v7()], "region_code": "110000"}),
    );
    let body = problem(
        app.post_json("/api/v1/party-organizations", &bad).await,
        422,
    )
    .await;
    let mut errors = field_errors(&body);
    errors.sort();
    assert_eq!(
        errors,
        [("region_code".into(), "region_level".into())],
        "field rules first: {body}"
    );
    let bad = with(bad, json!({"region_code": "350102"}));
    let body = problem(
        app.post_json("/api/v1/party-organizations", &bad).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [("covers".into(), "unknown_organization".into())]
    );
}

async fn warning_codes(app: &TestApp, id: &str) -> (Value, Vec<String>) {
    let body: Value = app
        .get(&format!("/api/v1/party-organizations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let codes = body["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|w| {
            assert!(w["message"].is_string() && w["source"].as_str().unwrap().starts_with('《'));
            w["code"].as_str().unwrap().to_owned()
        })
        .collect();
    (body, codes)
}

async fn counts_and_warnings_follow_the_members(app: TestApp) {
    let branch = app.party_organization("云帆支部", "branch", None).await;
    let (body, codes) = warning_codes(&app, &branch).await;
    assert_eq!(body["member_counts"]["full"], 0);
    assert_eq!(codes, ["too_few_full_members"]);

    let mut full = Vec::new();
    for n in 0..7 {
        full.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    app.member(
        &branch,
        7,
        json!({"stage": "probationary", "joined_on": "2026-06-01"}),
    )
    .await;
    app.member(&branch, 8, json!({})).await;
    let (body, codes) = warning_codes(&app, &branch).await;
    assert_eq!(
        body["member_counts"],
        json!({"full": 7, "probationary": 1, "candidates": 0, "activists": 0, "applicants": 1})
    );
    assert_eq!(codes, ["committee_advised"]);

    // A committee of three among its party workers: no more advice, and the single read shows it.
    for (member, position, portfolio) in [
        (&full[2], "committee_member", Some("organization")),
        (&full[0], "secretary", None),
        (&full[1], "deputy_secretary", None),
    ] {
        app.created(
            "/api/v1/party-workers",
            &json!({"party_organization_id": branch, "member_id": member, "position": position,
                "portfolio": portfolio, "employment": "part_time", "appointed_on": "2025-11-01"}),
        )
        .await;
    }
    let (body, codes) = warning_codes(&app, &branch).await;
    assert!(codes.is_empty(), "{codes:?}");
    let seats: Vec<&str> = body["committee"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_str().unwrap())
        .collect();
    assert_eq!(seats, ["secretary", "deputy_secretary", "committee_member"]);
    assert_eq!(body["secretary_member_id"], full[0].as_str());

    let path = format!("/api/v1/party-organizations/{branch}");
    let term = json!({"term_starts_on": "2022-11-01", "term_ends_on": "2025-11-01"});
    assert_eq!(app.patch_json(&path, &term, None).await.status(), 200);
    let (_, codes) = warning_codes(&app, &branch).await;
    assert_eq!(codes, ["term_expired"]);

    let term = json!({"term_starts_on": "2025-11-01", "term_ends_on": "2025-10-01"});
    let body = problem(app.patch_json(&path, &term, None).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("term_ends_on".into(), "order".into())]
    );
}

async fn a_joint_branch_over_five_units_or_with_a_strong_unit_is_warned(app: TestApp) {
    let mut units = Vec::new();
    for n in 0..6 {
        units.push(app.create_organization(&organization_body(n)).await["id"].clone());
    }
    let body = with(
        party_organization_body("联合支部", "joint_branch", None),
        json!({"covers": units}),
    );
    let joint = app.created("/api/v1/party-organizations", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 0..3 {
        app.member(
            &joint,
            n,
            json!({"stage": "full", "organization_id": units[0]}),
        )
        .await;
    }
    let (_, codes) = warning_codes(&app, &joint).await;
    assert_eq!(codes, ["joint_branch_too_many_units", "own_branch_advised"]);
}

async fn the_secretary_must_be_a_full_member_held_here(app: TestApp) {
    let branch = app.party_organization("云帆支部", "branch", None).await;
    let other = app.party_organization("海峡支部", "branch", None).await;
    let applicant = app.member(&branch, 1, json!({})).await;
    let elsewhere = app.member(&other, 2, json!({"stage": "full"})).await;
    let full = app.member(&branch, 3, json!({"stage": "full"})).await;
    let path = format!("/api/v1/party-organizations/{branch}");
    for wrong in [&applicant, &elsewhere] {
        let body = problem(
            app.patch_json(&path, &json!({"secretary_member_id": wrong}), None)
                .await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&body),
            [("secretary_member_id".into(), "not_full_member_here".into())]
        );
    }
    let response = app
        .patch_json(&path, &json!({"secretary_member_id": full}), None)
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["secretary_member_id"], full.as_str());
}

async fn archiving_waits_for_children_and_members(app: TestApp) {
    let root = app.party_organization("党委", "committee", None).await;
    let branch = app.party_organization("支部", "branch", Some(&root)).await;
    let member = app.member(&branch, 1, json!({})).await;

    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/party-organizations/{root}"),
        )
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, 409).await["code"], "has_children");
    let response = app
        .request(
            Method::DELETE,
            &format!("/api/v1/party-organizations/{branch}"),
        )
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(response, 409).await["code"], "has_members");

    let transfer = json!({"kind": "out", "destination": "外省某支部", "date": "2026-11-01"});
    app.created(&format!("/api/v1/members/{member}/transfers"), &transfer)
        .await;
    for id in [&branch, &root] {
        let response = app
            .request(Method::DELETE, &format!("/api/v1/party-organizations/{id}"))
            .header("if-match", "*")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
    assert!(ids(&app, "").await.is_empty());
}

async fn party_groups_belong_to_their_organization(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let other = app.party_organization("另一支部", "branch", None).await;
    let outsider = app.member(&other, 1, json!({})).await;
    let leader = app.member(&branch, 2, json!({})).await;
    let groups = format!("/api/v1/party-organizations/{branch}/groups");

    let body = problem(
        app.post_json(
            &groups,
            &json!({"name": "研发小组", "leader_member_id": outsider}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [("leader_member_id".into(), "not_member_here".into())]
    );
    let group = app
        .created(
            &groups,
            &json!({"name": "研发小组", "leader_member_id": leader}),
        )
        .await;
    let group_id = group["id"].as_str().unwrap();

    // A member joins the group; a member of another organization cannot.
    let path = format!("/api/v1/members/{leader}");
    assert_eq!(
        app.patch_json(&path, &json!({"party_group_id": group_id}), None)
            .await
            .status(),
        200
    );
    let body = problem(
        app.patch_json(
            &format!("/api/v1/members/{outsider}"),
            &json!({"party_group_id": group_id}),
            None,
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [("party_group_id".into(), "unknown_party_group".into())]
    );

    let page: Value = app.get(&groups).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let other_groups: Value = app
        .get(&format!("/api/v1/party-organizations/{other}/groups"))
        .await
        .json()
        .await
        .unwrap();
    assert!(other_groups["items"].as_array().unwrap().is_empty());
    let wrong_parent = app
        .get(&format!(
            "/api/v1/party-organizations/{other}/groups/{group_id}"
        ))
        .await;
    assert_eq!(wrong_parent.status(), 404);

    let response = app
        .request(Method::DELETE, &format!("{groups}/{group_id}"))
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let member: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(member["party_group_id"], Value::Null);
}

async fn a_branch_secretary_reaches_their_subtree_only(app: TestApp) {
    let root = app.party_organization("党委", "committee", None).await;
    let mine = app
        .party_organization("我的总支", "general_branch", Some(&root))
        .await;
    let below = app
        .party_organization("下属支部", "branch", Some(&mine))
        .await;
    let sibling = app
        .party_organization("兄弟支部", "branch", Some(&root))
        .await;
    let token = user_with_roles(
        &app,
        "secretary",
        json!([{"role": "branch_secretary", "party_organization_id": mine}]),
    )
    .await;
    let get = |id: String| {
        let request = app.request_as(
            &token,
            Method::GET,
            &format!("/api/v1/party-organizations/{id}"),
        );
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(mine.clone()).await, 200);
    assert_eq!(get(below.clone()).await, 200);
    assert_eq!(get(root.clone()).await, 404);
    assert_eq!(get(sibling.clone()).await, 404);

    let page: Value = app
        .request_as(
            &token,
            Method::GET,
            "/api/v1/party-organizations?include_total=true",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2, "{page}");

    // They build below their organization, not beside or above it.
    let create = |body: Value| {
        app.request_as(&token, Method::POST, "/api/v1/party-organizations")
            .json(&body)
            .send()
    };
    let response = create(party_organization_body("新支部", "branch", Some(&below)))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = create(party_organization_body("新党委", "committee", None))
        .await
        .unwrap();
    let body = problem(response, 422).await;
    assert_eq!(
        field_errors(&body),
        [("parent_id".into(), "outside_scope".into())]
    );
    let response = create(party_organization_body(
        "越界支部",
        "branch",
        Some(&sibling),
    ))
    .await
    .unwrap();
    let body = problem(response, 422).await;
    assert_eq!(
        field_errors(&body),
        [("parent_id".into(), "unknown_party_organization".into())]
    );
    // Nor move their subtree out of it.
    let response = app
        .request_as(
            &token,
            Method::PATCH,
            &format!("/api/v1/party-organizations/{below}"),
        )
        .header("if-match", "*")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"parent_id": null}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(response, 422).await["errors"][0]["code"],
        "outside_scope"
    );

    // Members held below their organization, or hosted there, are theirs; others are not.
    let held = app.member(&below, 1, json!({})).await;
    let hosted = app
        .member(
            &sibling,
            2,
            json!({"is_mobile": true, "host_party_organization_id": mine}),
        )
        .await;
    let foreign = app.member(&sibling, 3, json!({})).await;
    let page: Value = app
        .request_as(&token, Method::GET, "/api/v1/members")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut seen: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    seen.sort();
    let mut expected = vec![held.as_str(), hosted.as_str()];
    expected.sort();
    assert_eq!(seen, expected);
    let response = app
        .request_as(&token, Method::GET, &format!("/api/v1/members/{foreign}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Organizations are not theirs to change.
    let response = app
        .request_as(&token, Method::POST, "/api/v1/organizations")
        .json(&organization_body(1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}
