//! Meetings: planning, holding with the attendance of every expected member, cancelling,
//! corrections, the votes of general meetings and the admission vote of the pipeline.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem, user_with_roles};

crate::on_both_databases!(
    a_meeting_is_held_with_every_expected_member_accounted_for,
    lectures_and_theme_days_record_their_details_and_states_only_move_forward,
    general_meeting_votes_need_quorum_and_majority,
    the_pipeline_admission_vote_names_its_meeting,
    meetings_are_filtered_and_scoped,
    an_action_retried_with_its_idempotency_key_replays_its_answer,
);

fn meeting(party: &str, kind: &str, starts_at: &str) -> Value {
    json!({
        "party_organization_id": party,
        "kind": kind,
        "title": "支部党员大会",
        "starts_at": starts_at,
        "ends_at": "2026-11-20T21:00:00+08:00",
    })
}

async fn plan(app: &TestApp, party: &str, kind: &str) -> String {
    app.created(
        "/api/v1/meetings",
        &meeting(party, kind, "2026-11-20T19:00:00+08:00"),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn present(ids: &[&String]) -> Vec<Value> {
    ids.iter()
        .map(|id| json!({"member_id": id, "status": "present"}))
        .collect()
}

async fn hold(app: &TestApp, id: &str, attendance: Vec<Value>) -> reqwest::Response {
    app.post_json(
        &format!("/api/v1/meetings/{id}/hold"),
        &json!({"minutes": "会议纪要", "attendance": attendance}),
    )
    .await
}

async fn a_meeting_is_held_with_every_expected_member_accounted_for(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let other = app.party_organization("另一支部", "branch", None).await;
    let full = app.member(&branch, 1, json!({"stage": "full"})).await;
    let probationary = app
        .member(
            &branch,
            2,
            json!({"stage": "probationary", "joined_on": "2026-06-01"}),
        )
        .await;
    app.member(&branch, 3, json!({})).await; // an applicant is not expected
    let away = app
        .member(
            &branch,
            4,
            json!({"stage": "full", "is_mobile": true, "host_party_organization_id": other}),
        )
        .await;
    let guest = app
        .member(
            &other,
            5,
            json!({"stage": "full", "is_mobile": true, "host_party_organization_id": branch}),
        )
        .await;
    let id = plan(&app, &branch, "general_meeting").await;

    let body = problem(hold(&app, &id, present(&[&full, &probationary])).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("attendance".into(), "missing_member".into())],
        "the hosted mobile member is expected"
    );
    let mut attendance = present(&[&full, &probationary, &away]);
    attendance.push(json!({"member_id": guest, "status": "excused"}));
    let body = problem(hold(&app, &id, attendance).await, 422).await;
    let mut errors = field_errors(&body);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("attendance[2]".into(), "not_expected".into()),
            ("attendance[3]".into(), "reason_required".into())
        ]
    );

    let mut attendance = present(&[&full, &probationary]);
    attendance.push(json!({"member_id": guest, "status": "excused", "reason": "出差"}));
    let response = hold(&app, &id, attendance).await;
    assert_eq!(response.status(), 200);
    let held: Value = response.json().await.unwrap();
    assert_eq!(held["status"], "held");
    let voting: Vec<(String, bool)> = held["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["member_id"].as_str().unwrap().to_owned(),
                a["voting"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        voting.contains(&(probationary.clone(), false)) && voting.contains(&(full.clone(), true))
    );

    let again = hold(&app, &id, present(&[&full])).await;
    assert_eq!(problem(again, 409).await["code"], "not_planned");
    // Corrected later: the same expected members.
    let path = format!("/api/v1/meetings/{id}/attendance");
    let mut corrected = present(&[&full]);
    corrected.push(json!({"member_id": probationary, "status": "absent"}));
    corrected.push(json!({"member_id": guest, "status": "present"}));
    // A correction needs the meeting's ETag: without it 428, with a stale one 412.
    let read = app.get(&format!("/api/v1/meetings/{id}")).await;
    let tag = read.headers()["etag"].to_str().unwrap().to_owned();
    let unconditional = app
        .request(Method::PUT, &path)
        .json(&json!({"attendance": corrected}))
        .send()
        .await
        .unwrap();
    assert_eq!(unconditional.status(), 428);
    let response = app
        .request(Method::PUT, &path)
        .header("if-match", &tag)
        .json(&json!({"attendance": corrected}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stale = app
        .request(Method::PUT, &path)
        .header("if-match", &tag)
        .json(&json!({"attendance": corrected}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let response = app
        .request(Method::PUT, &path)
        .header("if-match", "*")
        .json(&json!({"attendance": present(&[&full])}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);

    let future = app
        .created(
            "/api/v1/meetings",
            &json!({
        "party_organization_id": branch, "kind": "committee_meeting", "title": "明年的会",
        "starts_at": "2999-01-01T19:00:00+08:00", "ends_at": "2999-01-01T21:00:00+08:00"}),
        )
        .await;
    let response = hold(
        &app,
        future["id"].as_str().unwrap(),
        present(&[&full, &probationary]),
    )
    .await;
    assert_eq!(problem(response, 409).await["code"], "not_yet");
}

async fn lectures_and_theme_days_record_their_details_and_states_only_move_forward(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let full = app.member(&branch, 1, json!({"stage": "full"})).await;
    let lecture = plan(&app, &branch, "party_lecture").await;
    let body = problem(hold(&app, &lecture, present(&[&full])).await, 422).await;
    let mut errors = field_errors(&body);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("lecturer".into(), "required".into()),
            ("topic".into(), "required".into())
        ]
    );
    let response = app
        .post_json(&format!("/api/v1/meetings/{lecture}/hold"), &json!({"minutes": "纪要", "lecturer": "王书记", "topic": "党章学习", "attendance": present(&[&full])}))
        .await;
    assert_eq!(response.status(), 200);
    let held: Value = response.json().await.unwrap();
    // A held meeting is corrected with If-Match, never un-held.
    let path = format!("/api/v1/meetings/{lecture}");
    let stale = app
        .patch_json(&path, &json!({"minutes": "更正"}), Some("\"1\""))
        .await;
    assert_eq!(stale.status(), 412);
    let tag = format!("\"{}\"", held["version"]);
    let fixed = app
        .patch_json(&path, &json!({"minutes": "更正后的纪要"}), Some(&tag))
        .await;
    assert_eq!(fixed.status(), 200);
    let body = problem(
        app.patch_json(&path, &json!({"status": "planned"}), None)
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&body), [("status".into(), "read_only".into())]);
    let body = problem(
        app.patch_json(&path, &json!({"topic": null}), None).await,
        422,
    )
    .await;
    assert_eq!(field_errors(&body), [("topic".into(), "required".into())]);

    let day = plan(&app, &branch, "theme_party_day").await;
    let response = app
        .post_json(
            &format!("/api/v1/meetings/{day}/cancel"),
            &json!({"reason": "台风"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let again = app
        .post_json(
            &format!("/api/v1/meetings/{day}/cancel"),
            &json!({"reason": "台风"}),
        )
        .await;
    assert_eq!(problem(again, 409).await["code"], "not_planned");
    let changed = app
        .patch_json(
            &format!("/api/v1/meetings/{day}"),
            &json!({"title": "改期"}),
            None,
        )
        .await;
    assert_eq!(problem(changed, 409).await["code"], "cancelled");

    let group_meeting = json!({"party_organization_id": branch, "kind": "group_meeting", "title": "小组会",
        "starts_at": "2026-11-20T19:00:00+08:00", "ends_at": "2026-11-20T20:00:00+08:00"});
    let body = problem(app.post_json("/api/v1/meetings", &group_meeting).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [("party_group_id".into(), "required".into())]
    );
    let backwards = json!({"party_organization_id": branch, "kind": "committee_meeting", "title": "x",
        "starts_at": "2026-11-20T19:00:00+08:00", "ends_at": "2026-11-20T18:00:00+08:00"});
    let body = problem(app.post_json("/api/v1/meetings", &backwards).await, 422).await;
    assert_eq!(field_errors(&body), [("ends_at".into(), "order".into())]);
}

async fn general_meeting_votes_need_quorum_and_majority(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let mut full = Vec::new();
    for n in 0..10 {
        full.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    let candidate = app.member(&branch, 20, json!({})).await;
    // Eight of ten present: enough for a vote, not for an election.
    let id = plan(&app, &branch, "general_meeting").await;
    let mut attendance = present(&full.iter().take(8).collect::<Vec<_>>());
    attendance.push(json!({"member_id": full[8], "status": "absent"}));
    attendance.push(json!({"member_id": full[9], "status": "excused", "reason": "病假"}));
    assert_eq!(hold(&app, &id, attendance).await.status(), 200);
    let votes = format!("/api/v1/meetings/{id}/votes");
    let vote = |subject: &str, yes: u32| json!({"subject": subject, "member_id": candidate, "yes_votes": yes, "no_votes": 0, "abstentions": 0});
    assert_eq!(
        problem(app.post_json(&votes, &vote("election", 8)).await, 409).await["code"],
        "election_quorum"
    );
    assert_eq!(
        problem(app.post_json(&votes, &vote("admission", 5)).await, 409).await["code"],
        "vote_majority"
    );
    assert_eq!(
        problem(app.post_json(&votes, &vote("other", 9)).await, 409).await["code"],
        "more_votes_than_voters"
    );
    let recorded = app.created(&votes, &vote("admission", 6)).await;
    assert_eq!(
        (
            recorded["entitled_voters"].as_i64(),
            recorded["voters_present"].as_i64()
        ),
        (Some(10), Some(8))
    );

    let committee = plan(&app, &branch, "committee_meeting").await;
    let body = problem(
        app.post_json(
            &format!("/api/v1/meetings/{committee}/votes"),
            &vote("other", 1),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(body["code"], "general_meeting_only");
    // Five of ten present: no quorum.
    let thin = plan(&app, &branch, "general_meeting").await;
    let mut attendance = present(&full.iter().take(5).collect::<Vec<_>>());
    for id in &full[5..] {
        attendance.push(json!({"member_id": id, "status": "absent"}));
    }
    assert_eq!(hold(&app, &thin, attendance).await.status(), 200);
    let body = problem(
        app.post_json(&format!("/api/v1/meetings/{thin}/votes"), &vote("other", 5))
            .await,
        409,
    )
    .await;
    assert_eq!(body["code"], "quorum");
}

async fn the_pipeline_admission_vote_names_its_meeting(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let mut full = Vec::new();
    for n in 0..3 {
        full.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    let id = app.member(&branch, 10, json!({})).await;
    let path = format!("/api/v1/members/{id}/development");
    let step = |body: Value| app.request(Method::POST, &path).json(&body).send();
    for body in [
        json!({"step": "application", "date": "2024-01-10"}),
        json!({"step": "talk", "date": "2024-01-20"}),
        json!({"step": "activist_designation", "date": "2024-02-01", "contacts": [full[0]]}),
        json!({"step": "activist_assessment", "date": "2024-08-01"}),
        json!({"step": "candidate_designation", "date": "2025-02-03", "introducers": [full[1], full[2]], "training_hours": 24}),
        json!({"step": "public_notice", "date": "2025-02-03", "ends_on": "2025-02-07"}),
    ] {
        assert_eq!(step(body).await.unwrap().status(), 201);
    }
    let meeting = app.created("/api/v1/meetings", &json!({"party_organization_id": branch, "kind": "general_meeting",
        "title": "接收预备党员", "starts_at": "2025-02-10T19:00:00+08:00", "ends_at": "2025-02-10T21:00:00+08:00"})).await;
    let meeting = meeting["id"].as_str().unwrap().to_owned();
    assert_eq!(
        hold(&app, &meeting, present(&[&full[0], &full[1], &full[2]]))
            .await
            .status(),
        200
    );
    let vote = json!({"step": "admission_vote", "date": "2025-02-10", "meeting_id": meeting, "yes_votes": 3, "entitled_voters": 3});
    assert_eq!(
        problem(step(vote.clone()).await.unwrap(), 409).await["code"],
        "meeting_mismatch",
        "no admission vote recorded yet"
    );
    app.created(
        &format!("/api/v1/meetings/{meeting}/votes"),
        &json!({"subject": "admission", "member_id": id, "yes_votes": 3}),
    )
    .await;
    let wrong_day = json!({"step": "admission_vote", "date": "2025-02-11", "meeting_id": meeting, "yes_votes": 3, "entitled_voters": 3});
    assert_eq!(
        problem(step(wrong_day).await.unwrap(), 409).await["code"],
        "meeting_mismatch"
    );
    let response = step(vote).await.unwrap();
    assert_eq!(response.status(), 201);
    let recorded: Value = response.json().await.unwrap();
    assert_eq!(recorded["stage"], "probationary");
}

async fn meetings_are_filtered_and_scoped(app: TestApp) {
    let root = app.party_organization("党委", "committee", None).await;
    let branch = app.party_organization("支部", "branch", Some(&root)).await;
    let sibling = app.party_organization("兄弟支部", "branch", None).await;
    let full = app.member(&branch, 1, json!({"stage": "full"})).await;
    let held = plan(&app, &branch, "general_meeting").await;
    assert_eq!(hold(&app, &held, present(&[&full])).await.status(), 200);
    let mut later = meeting(&branch, "committee_meeting", "2026-11-25T19:00:00+08:00");
    later["ends_at"] = json!("2026-11-25T21:00:00+08:00");
    let planned = app.created("/api/v1/meetings", &later).await;
    let other = plan(&app, &sibling, "general_meeting").await;

    let ids = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |query: String| {
        let request = app.request(Method::GET, &format!("/api/v1/meetings?{query}"));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        ids(list(format!(
            "party_organization_id={root}&include_descendants=true"
        ))
        .await)
        .len(),
        2
    );
    assert_eq!(
        ids(list(format!("party_organization_id={root}")).await).len(),
        0
    );
    assert_eq!(ids(list("status=held".into()).await), vec![held.clone()]);
    assert_eq!(
        ids(list("kind=committee_meeting".into()).await),
        [planned["id"].as_str().unwrap().to_owned()]
    );
    assert_eq!(ids(list("from=2026-11-21T00:00:00Z".into()).await).len(), 1);
    assert_eq!(
        ids(list(format!("member_id={full}")).await).len(),
        2,
        "held with them, or planned for them"
    );

    let token = user_with_roles(
        &app,
        "secretary",
        json!([{"role": "branch_secretary", "party_organization_id": branch}]),
    )
    .await;
    let response = app
        .request_as(&token, Method::GET, &format!("/api/v1/meetings/{other}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let page: Value = app
        .request_as(&token, Method::GET, "/api/v1/meetings?include_total=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
}

/// An action whose answer was lost, retried with its `Idempotency-Key`, gets that answer again
/// (`Idempotent-Replayed: true`) rather than the 409 of the state it left; without the key the
/// retry meets that state; the key with another body is a 422.
async fn an_action_retried_with_its_idempotency_key_replays_its_answer(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let day = plan(&app, &branch, "theme_party_day").await;
    let path = format!("/api/v1/meetings/{day}/cancel");
    let cancel = |key: Option<&'static str>, reason: &'static str| {
        let mut request = app
            .request(Method::POST, &path)
            .json(&json!({"reason": reason}));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send()
    };
    let first = cancel(Some("cancel-1"), "台风").await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let tag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "cancelled");
    let again = cancel(Some("cancel-1"), "台风").await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["etag"], tag);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    let bare = cancel(None, "台风").await.unwrap();
    assert_eq!(problem(bare, 409).await["code"], "not_planned");
    let other = cancel(Some("cancel-1"), "暴雨").await.unwrap();
    assert_eq!(other.status(), 422);
    let audit: Value = app
        .get(&format!("/api/v1/audit-events?resource_id={day}"))
        .await
        .json()
        .await
        .unwrap();
    let cancels = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "cancel")
        .count();
    assert_eq!(cancels, 1, "cancelled once: {audit}");
}
