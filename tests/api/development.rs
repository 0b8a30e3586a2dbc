//! The development pipeline over HTTP: a person enrolled from application to full membership,
//! and each refusal naming its rule with the dates involved.
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem};

crate::on_both_databases!(
    an_applicant_becomes_a_full_member_step_by_step,
    steps_out_of_order_or_too_soon_are_refused_with_the_rule,
    contacts_and_introducers_must_be_other_full_members,
    concurrent_steps_are_checked_one_after_the_other,
);

async fn step(app: &TestApp, member: &str, body: Value) -> Value {
    app.created(&format!("/api/v1/members/{member}/development"), &body)
        .await
}

async fn refused(app: &TestApp, member: &str, body: Value) -> Value {
    let response = app
        .post_json(&format!("/api/v1/members/{member}/development"), &body)
        .await;
    problem(response, 409).await
}

async fn next(app: &TestApp, member: &str) -> Value {
    let development: Value = app
        .get(&format!("/api/v1/members/{member}/development"))
        .await
        .json()
        .await
        .unwrap();
    development["next"].clone()
}

fn next_of<'a>(next: &'a Value, step: &str) -> &'a Value {
    next.as_array()
        .unwrap()
        .iter()
        .find(|n| n["step"] == step)
        .unwrap_or_else(|| panic!("{step} is not next: {next}"))
}

/// A branch with three full members to act as contacts and introducers; the branch and them.
async fn branch_with_full_members(app: &TestApp) -> (String, Vec<String>) {
    let branch = app.party_organization("支部", "branch", None).await;
    let mut full = Vec::new();
    for n in 50..53 {
        full.push(app.member(&branch, n, json!({"stage": "full"})).await);
    }
    (branch, full)
}

async fn an_applicant_becomes_a_full_member_step_by_step(app: TestApp) {
    let (branch, full) = branch_with_full_members(&app).await;
    let id = app.member(&branch, 1, json!({})).await;
    assert_eq!(
        next_of(&next(&app, &id).await, "application")["earliest_on"],
        "2008-01-01"
    );

    step(
        &app,
        &id,
        json!({"step": "application", "date": "2023-01-10"}),
    )
    .await;
    let talk = next(&app, &id).await;
    assert_eq!(next_of(&talk, "talk")["due_by"], "2023-02-10");
    // Late by a day: accepted, with a warning.
    let recorded = step(
        &app,
        &id,
        json!({"step": "talk", "date": "2023-02-11", "talked_by": "王书记"}),
    )
    .await;
    assert_eq!(recorded["warnings"][0]["code"], "late_talk");
    let recorded = step(
        &app,
        &id,
        json!({"step": "activist_designation", "date": "2023-03-01", "contacts": [full[0]]}),
    )
    .await;
    assert_eq!(recorded["stage"], "activist");
    let candidate = next(&app, &id).await;
    assert_eq!(
        next_of(&candidate, "candidate_designation")["earliest_on"],
        "2024-03-01"
    );
    assert_eq!(
        next_of(&candidate, "activist_assessment")["due_by"],
        "2023-09-01"
    );
    step(
        &app,
        &id,
        json!({"step": "activist_assessment", "date": "2023-09-01"}),
    )
    .await;
    step(
        &app,
        &id,
        json!({"step": "candidate_designation", "date": "2024-03-01", "introducers": [full[1], full[2]], "training_hours": 24}),
    )
    .await;
    // 2024-03-04 is a Monday: five working days end on Friday 03-08.
    step(
        &app,
        &id,
        json!({"step": "public_notice", "date": "2024-03-04", "ends_on": "2024-03-08"}),
    )
    .await;
    assert_eq!(
        next_of(&next(&app, &id).await, "admission_vote")["earliest_on"],
        "2024-03-09"
    );
    let recorded = step(
        &app,
        &id,
        json!({"step": "admission_vote", "date": "2024-03-12", "yes_votes": 2, "entitled_voters": 3}),
    )
    .await;
    assert_eq!(recorded["stage"], "probationary");
    assert_eq!(recorded["probation_ends_on"], "2025-03-12");
    step(
        &app,
        &id,
        json!({"step": "full_membership", "date": "2025-03-12"}),
    )
    .await;

    let development: Value = app
        .get(&format!("/api/v1/members/{id}/development"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(development["stage"], "full");
    assert_eq!(development["next"], json!([]));
    let steps: Vec<&str> = development["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "application",
            "talk",
            "activist_designation",
            "activist_assessment",
            "candidate_designation",
            "public_notice",
            "admission_vote",
            "full_membership"
        ]
    );
    assert!(
        development["steps"][0]["recorded_by"]
            .as_str()
            .unwrap()
            .starts_with("user:")
    );
    let member: Value = app
        .get(&format!("/api/v1/members/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(member["stage"], "full");
    assert_eq!(member["joined_on"], "2024-03-12");
    assert_eq!(member["full_member_on"], "2025-03-12");
    // Stage changed only through the pipeline; the counts follow.
    let branch: Value = app
        .get(&format!("/api/v1/party-organizations/{branch}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(branch["member_counts"]["full"], 4);
}

async fn steps_out_of_order_or_too_soon_are_refused_with_the_rule(app: TestApp) {
    let (branch, full) = branch_with_full_members(&app).await;
    let young = app
        .member(
            &branch,
            2,
            json!({"birth_date": "2008-12-01", "id_number": crate::helpers::id_number("20081201", true, 2)}),
        )
        .await;
    let body = refused(
        &app,
        &young,
        json!({"step": "application", "date": "2026-11-28"}),
    )
    .await;
    assert_eq!(body["code"], "under_18");
    assert!(
        body["detail"].as_str().unwrap().contains("2026-12-01"),
        "{body}"
    );

    let id = app.member(&branch, 3, json!({})).await;
    let body = refused(&app, &id, json!({"step": "talk", "date": "2025-01-01"})).await;
    assert_eq!(body["code"], "application_required");
    let future = app
        .post_json(
            &format!("/api/v1/members/{id}/development"),
            &json!({"step": "application", "date": "2999-01-01"}),
        )
        .await;
    let body = problem(future, 422).await;
    assert_eq!(field_errors(&body), [("date".into(), "future_date".into())]);
    let unknown = app
        .post_json(
            &format!("/api/v1/members/{id}/development"),
            &json!({"step": "coronation", "date": "2025-01-01"}),
        )
        .await;
    assert_eq!(unknown.status(), 422);
    let extra = app
        .post_json(
            &format!("/api/v1/members/{id}/development"),
            &json!({"step": "application", "date": "2025-01-01", "stage": "full"}),
        )
        .await;
    assert_eq!(
        field_errors(&problem(extra, 400).await),
        [("stage".into(), "unknown_field".into())]
    );
    let extra = app
        .post_json(
            &format!("/api/v1/members/{id}/transfers"),
            &json!({"kind": "out", "destination": "x", "date": "2025-01-01", "status": "active"}),
        )
        .await;
    assert_eq!(
        field_errors(&problem(extra, 400).await),
        [("status".into(), "unknown_field".into())]
    );

    step(
        &app,
        &id,
        json!({"step": "application", "date": "2025-01-10"}),
    )
    .await;
    let body = refused(&app, &id, json!({"step": "talk", "date": "2025-01-09"})).await;
    assert_eq!(body["code"], "out_of_order");
    step(&app, &id, json!({"step": "talk", "date": "2025-01-20"})).await;
    step(
        &app,
        &id,
        json!({"step": "activist_designation", "date": "2025-02-01", "contacts": [full[0]]}),
    )
    .await;
    step(
        &app,
        &id,
        json!({"step": "activist_assessment", "date": "2025-08-01"}),
    )
    .await;
    let candidate = |date: &str, hours: u32| json!({"step": "candidate_designation", "date": date, "introducers": [full[1], full[2]], "training_hours": hours});
    let body = refused(&app, &id, candidate("2026-01-31", 24)).await;
    assert_eq!(body["code"], "min_activist_period");
    assert!(
        body["detail"].as_str().unwrap().contains("2026-02-01"),
        "{body}"
    );
    assert_eq!(
        refused(&app, &id, candidate("2026-02-01", 23)).await["code"],
        "min_training"
    );
    step(&app, &id, candidate("2026-02-01", 24)).await;

    // 2026-02-02 is a Monday; Monday to Thursday is four working days.
    let body = refused(
        &app,
        &id,
        json!({"step": "public_notice", "date": "2026-02-02", "ends_on": "2026-02-05"}),
    )
    .await;
    assert_eq!(body["code"], "public_notice_period");
    let body = refused(&app, &id, json!({"step": "admission_vote", "date": "2026-02-10", "yes_votes": 9, "entitled_voters": 10})).await;
    assert_eq!(body["code"], "public_notice_required");
    step(
        &app,
        &id,
        json!({"step": "public_notice", "date": "2026-02-02", "ends_on": "2026-02-06"}),
    )
    .await;
    let body = refused(&app, &id, json!({"step": "admission_vote", "date": "2026-02-06", "yes_votes": 9, "entitled_voters": 10})).await;
    assert_eq!(body["code"], "public_notice_not_over");
    let body = refused(&app, &id, json!({"step": "admission_vote", "date": "2026-02-09", "yes_votes": 5, "entitled_voters": 10})).await;
    assert_eq!(body["code"], "vote_majority");
    step(&app, &id, json!({"step": "admission_vote", "date": "2026-02-09", "yes_votes": 6, "entitled_voters": 10})).await;

    let body = refused(
        &app,
        &id,
        json!({"step": "full_membership", "date": "2026-11-28"}),
    )
    .await;
    assert_eq!(body["code"], "probation_not_over");
    assert!(
        body["detail"].as_str().unwrap().contains("2027-02-09"),
        "{body}"
    );
    let too_long = app
        .post_json(
            &format!("/api/v1/members/{id}/development"),
            &json!({"step": "probation_extension", "date": "2026-11-28", "months": 13}),
        )
        .await;
    assert_eq!(
        field_errors(&problem(too_long, 422).await),
        [("months".into(), "range".into())]
    );
    let extended = step(
        &app,
        &id,
        json!({"step": "probation_extension", "date": "2026-11-28", "months": 6}),
    )
    .await;
    assert_eq!(extended["probation_ends_on"], "2027-08-09");
    let body = refused(
        &app,
        &id,
        json!({"step": "probation_extension", "date": "2026-11-28", "months": 6}),
    )
    .await;
    assert_eq!(body["code"], "extension_already_used");

    let development: Value = app
        .get(&format!("/api/v1/members/{id}/development"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(development["stage"], "probationary");
    assert_eq!(
        development["steps"].as_array().unwrap().len(),
        8,
        "refusals recorded nothing"
    );
}

async fn contacts_and_introducers_must_be_other_full_members(app: TestApp) {
    let (branch, full) = branch_with_full_members(&app).await;
    let id = app.member(&branch, 4, json!({})).await;
    let applicant = app.member(&branch, 5, json!({})).await;
    step(
        &app,
        &id,
        json!({"step": "application", "date": "2025-01-10"}),
    )
    .await;
    step(&app, &id, json!({"step": "talk", "date": "2025-01-20"})).await;
    let path = format!("/api/v1/members/{id}/development");
    for (contacts, code) in [
        (json!([applicant]), "not_full_member"),
        (json!([id]), "distinct"),
        (json!([full[0], full[0]]), "distinct"),
        (json!([]), "length"),
        (json!([full[0], full[1], full[2]]), "length"),
    ] {
        let body =
            json!({"step": "activist_designation", "date": "2025-02-01", "contacts": contacts});
        let problem = problem(app.post_json(&path, &body).await, 422).await;
        assert_eq!(
            field_errors(&problem),
            [("contacts".into(), code.into())],
            "{contacts}"
        );
    }
    step(&app, &id, json!({"step": "activist_designation", "date": "2025-02-01", "contacts": [full[0], full[1]]})).await;
}

async fn concurrent_steps_are_checked_one_after_the_other(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let id = app.member(&branch, 1, json!({})).await;
    let path = format!("/api/v1/members/{id}/development");
    let body = json!({"step": "application", "date": "2025-01-10"});
    let requests = (0..10).map(|_| app.post_json(&path, &body));
    let mut statuses: Vec<u16> = futures::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    let development: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(development["steps"].as_array().unwrap().len(), 1);
}
