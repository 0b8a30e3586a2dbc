//! Party workers and the branch committee: one current secretary (database-enforced, also under
//! concurrency), the party organization's `secretary_member_id` following it both ways, committee
//! meetings expecting the committee, and trainings.
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem};

crate::on_both_databases!(
    the_committee_is_kept_with_one_secretary,
    one_of_ten_parallel_secretary_appointments_succeeds,
);

fn appointment(branch: &str, member: &str, position: &str, portfolio: Option<&str>) -> Value {
    json!({"party_organization_id": branch, "member_id": member, "position": position,
        "portfolio": portfolio, "employment": "part_time", "appointed_on": "2026-01-05"})
}

async fn secretary_of(app: &TestApp, branch: &str) -> Value {
    let read: Value = app
        .get(&format!("/api/v1/party-organizations/{branch}"))
        .await
        .json()
        .await
        .unwrap();
    read["secretary_member_id"].clone()
}

async fn the_committee_is_kept_with_one_secretary(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let mut members = Vec::new();
    for n in 1..=4 {
        members.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    let applicant = app.member(&branch, 9, json!({})).await;
    let workers = "/api/v1/party-workers";

    let secretary = app
        .created(
            workers,
            &appointment(&branch, &members[0], "secretary", None),
        )
        .await;
    assert_eq!(secretary["on_committee"], true);
    assert_eq!(secretary_of(&app, &branch).await, members[0].as_str());
    let taken = app
        .post_json(
            workers,
            &appointment(&branch, &members[1], "secretary", None),
        )
        .await;
    assert_eq!(problem(taken, 409).await["code"], "secretary_taken");
    let twice = app
        .post_json(workers, &appointment(&branch, &members[0], "liaison", None))
        .await;
    assert_eq!(problem(twice, 409).await["code"], "already_serving");
    let not_full = app
        .post_json(workers, &appointment(&branch, &applicant, "liaison", None))
        .await;
    assert_eq!(problem(not_full, 409).await["code"], "not_full_member");
    let no_portfolio = app
        .post_json(
            workers,
            &appointment(&branch, &members[1], "committee_member", None),
        )
        .await;
    assert_eq!(
        field_errors(&problem(no_portfolio, 422).await),
        [("portfolio".into(), "required".into())]
    );
    app.created(
        workers,
        &appointment(&branch, &members[1], "committee_member", Some("discipline")),
    )
    .await;
    app.created(
        workers,
        &appointment(&branch, &members[2], "deputy_secretary", None),
    )
    .await;

    // A committee meeting expects the committee, not every member.
    let meeting = app
        .created(
            "/api/v1/meetings",
            &json!({"party_organization_id": branch, "kind": "committee_meeting", "title": "支委会",
                "starts_at": "2026-06-01T19:00:00+08:00", "ends_at": "2026-06-01T20:00:00+08:00"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attendance: Vec<Value> = members[..3]
        .iter()
        .map(|m| json!({"member_id": m, "status": "present"}))
        .collect();
    let held = app
        .post_json(
            &format!("/api/v1/meetings/{meeting}/hold"),
            &json!({"minutes": "纪要", "attendance": attendance}),
        )
        .await;
    assert_eq!(held.status(), 200, "{}", held.text().await.unwrap());

    // Setting the party organization's secretary appoints them and ends the one before.
    let response = app
        .patch_json(
            &format!("/api/v1/party-organizations/{branch}"),
            &json!({"secretary_member_id": members[3]}),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let current: Value = app
        .get(&format!(
            "{workers}?party_organization_id={branch}&position=secretary&current=true"
        ))
        .await
        .json()
        .await
        .unwrap();
    let current = current["items"].as_array().unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["member_id"], members[3].as_str());
    let before: Value = app
        .get(&format!("{workers}/{}", secretary["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert!(before["ended_on"].is_string());

    // Ending the secretary's appointment clears the party organization's secretary.
    let ended = app
        .post_json(
            &format!("{workers}/{}/end", current[0]["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(ended.status(), 200);
    assert!(secretary_of(&app, &branch).await.is_null());
    let again = app
        .post_json(
            &format!("{workers}/{}/end", current[0]["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(problem(again, 409).await["code"], "already_ended");

    // Trainings, with their total.
    let trainings = format!("{workers}/{}/trainings", secretary["id"].as_str().unwrap());
    for hours in [16, 8] {
        app.created(
            &trainings,
            &json!({"held_on": "2026-04-20", "hours": hours, "title": "党务工作者培训班", "given_by": "experts"}),
        )
        .await;
    }
    let listed: Value = app.get(&trainings).await.json().await.unwrap();
    assert_eq!(listed["total_hours"], 24);
    // Corrections: employment and start, not the position.
    let path = format!("{workers}/{}", secretary["id"].as_str().unwrap());
    let fixed = app
        .patch_json(&path, &json!({"employment": "full_time"}), None)
        .await;
    assert_eq!(fixed.status(), 200);
    let refused = app
        .patch_json(&path, &json!({"position": "liaison"}), None)
        .await;
    let refused = crate::helpers::problem(refused, 422).await;
    assert_eq!(refused["errors"][0]["code"], "read_only");
    let response = app
        .request(Method::DELETE, &path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
}

async fn one_of_ten_parallel_secretary_appointments_succeeds(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let mut members = Vec::new();
    for n in 1..=10 {
        members.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    let statuses = join_all(members.iter().map(|m| {
        let (app, body) = (&app, appointment(&branch, m, "secretary", None));
        async move {
            app.post_json("/api/v1/party-workers", &body)
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
    assert!(secretary_of(&app, &branch).await.is_string());
}
