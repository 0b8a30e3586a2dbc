//! Responsibility posts: held by a party member of a party organization covering the
//! organization, never two of a kind at once (also under concurrency), evaluated once a year and
//! not before they start; a member reads their own.
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, organization_body, party_organization_body, problem, user_with_roles,
    with,
};

crate::on_both_databases!(
    posts_are_held_one_of_a_kind_at_a_time_and_evaluated_yearly,
    parallel_posts_of_one_kind_give_one,
);

/// An organization, a branch covering it, and a full member of the branch.
async fn setting(app: &TestApp) -> (String, String, String) {
    let organization = app.create_organization(&organization_body(1)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = with(
        party_organization_body("支部", "branch", None),
        json!({"covers": [organization]}),
    );
    let branch = app.created("/api/v1/party-organizations", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = app.member(&branch, 1, json!({"stage": "full"})).await;
    (organization, branch, member)
}

fn post(
    kind: &str,
    member: &str,
    organization: &str,
    starts_on: &str,
    ends_on: Option<&str>,
) -> Value {
    json!({"kind": kind, "member_id": member, "organization_id": organization, "title": "研发中心党员先锋岗",
        "commitments": ["按期交付核心模块", "带教两名新员工"], "starts_on": starts_on, "ends_on": ends_on})
}

async fn posts_are_held_one_of_a_kind_at_a_time_and_evaluated_yearly(app: TestApp) {
    let (organization, branch, member) = setting(&app).await;
    let path = "/api/v1/responsibility-posts";
    let first = app
        .created(
            path,
            &post(
                "pioneer_post",
                &member,
                &organization,
                "2025-01-01",
                Some("2025-12-31"),
            ),
        )
        .await;
    assert_eq!(
        first["commitments"],
        json!(["按期交付核心模块", "带教两名新员工"])
    );
    assert_eq!(first["party_organization_id"], branch.as_str());
    // Another kind at the same time, and the same kind after it ends: fine.
    app.created(
        path,
        &post(
            "demonstration_post",
            &member,
            &organization,
            "2025-06-01",
            None,
        ),
    )
    .await;
    let open = app
        .created(
            path,
            &post("pioneer_post", &member, &organization, "2026-01-01", None),
        )
        .await;
    // The same kind overlapping: refused, naming the other.
    let overlap = app
        .post_json(
            path,
            &post(
                "pioneer_post",
                &member,
                &organization,
                "2025-12-01",
                Some("2025-12-31"),
            ),
        )
        .await;
    let refused = problem(overlap, 409).await;
    assert_eq!(refused["code"], "post_overlaps");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains(first["id"].as_str().unwrap())
    );
    // Extending the first into the open one's time: refused too.
    let response = app
        .patch_json(
            &format!("{path}/{}", first["id"].as_str().unwrap()),
            &json!({"ends_on": "2026-03-01"}),
            None,
        )
        .await;
    assert_eq!(problem(response, 409).await["code"], "post_overlaps");

    // Held by a party member whose branch covers the organization.
    let elsewhere = app.create_organization(&organization_body(2)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let uncovered = app
        .post_json(
            path,
            &post(
                "responsibility_area",
                &member,
                &elsewhere,
                "2026-01-01",
                None,
            ),
        )
        .await;
    assert_eq!(problem(uncovered, 409).await["code"], "not_covered");
    let applicant = app.member(&branch, 2, json!({})).await;
    let not_member = app
        .post_json(
            path,
            &post(
                "responsibility_area",
                &applicant,
                &organization,
                "2026-01-01",
                None,
            ),
        )
        .await;
    assert_eq!(problem(not_member, 409).await["code"], "not_a_party_member");
    let backwards = app
        .post_json(
            path,
            &post(
                "responsibility_area",
                &member,
                &organization,
                "2026-02-01",
                Some("2026-01-01"),
            ),
        )
        .await;
    assert_eq!(
        field_errors(&problem(backwards, 422).await),
        [("ends_on".into(), "order".into())]
    );

    // Evaluated once a calendar year, not before it starts.
    let evaluations = format!("{path}/{}/evaluations", open["id"].as_str().unwrap());
    let evaluation =
        |on: &str| json!({"evaluated_on": on, "rating": "excellent", "evaluator": "支部委员会"});
    let early = app.post_json(&evaluations, &evaluation("2025-12-20")).await;
    assert_eq!(problem(early, 409).await["code"], "before_post");
    app.created(&evaluations, &evaluation("2026-06-30")).await;
    let twice = app.post_json(&evaluations, &evaluation("2026-12-20")).await;
    assert_eq!(problem(twice, 409).await["code"], "already_evaluated");
    let read: Value = app
        .get(&format!("{path}/{}", open["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["evaluations"][0]["year"], 2026);
    assert_eq!(read["evaluations"][0]["rating"], "excellent");

    // A member reads their own posts, nobody else's.
    let own = user_with_roles(
        &app,
        "member-1",
        json!([{"role": "member", "member_id": member}]),
    )
    .await;
    let other_member = app.member(&branch, 3, json!({"stage": "full"})).await;
    let theirs = app
        .created(
            path,
            &post(
                "pioneer_post",
                &other_member,
                &organization,
                "2026-01-01",
                None,
            ),
        )
        .await;
    let listed: Value = app
        .request_as(&own, Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    let hidden = app
        .request_as(
            &own,
            Method::GET,
            &format!("{path}/{}", theirs["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), 404);
    let write = app
        .request_as(&own, Method::POST, path)
        .json(&post(
            "responsibility_area",
            &member,
            &organization,
            "2026-01-01",
            None,
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    let active: Value = app
        .get(&format!("{path}?member_id={member}&active_on=2026-03-01"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["items"].as_array().unwrap().len(), 2);
    // Posts are events of the feed.
    let feed: Value = app
        .get("/api/v1/events?types=responsibility_post")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(feed["items"].as_array().unwrap().len(), 5);
}

async fn parallel_posts_of_one_kind_give_one(app: TestApp) {
    let (organization, _, member) = setting(&app).await;
    let statuses = join_all((0..10).map(|n| {
        let body = post(
            "pioneer_post",
            &member,
            &organization,
            &format!("2026-0{}-01", 1 + n % 9),
            None,
        );
        let app = &app;
        async move {
            app.post_json("/api/v1/responsibility-posts", &body)
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
        9,
        "{statuses:?}"
    );
}
