//! The special party-building fund: an immutable ledger whose balance never goes negative (also
//! under 20 parallel expenditures), corrections by reversal, approval of larger expenditures by
//! someone else from above, and the annual report with the management-fee warning.
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, organization_body, party_organization_body, problem, user_with_roles,
    with,
};

crate::on_both_databases!(
    the_ledger_counts_allocations_expenditures_and_reversals,
    twenty_parallel_expenditures_against_a_balance_for_five,
    large_expenditures_wait_for_approval_by_someone_above,
    the_annual_report_adds_up_and_warns_of_low_management_fees,
);

fn entries(branch: &str) -> String {
    format!("/api/v1/party-organizations/{branch}/fund/entries")
}

fn allocation(amount: i64, on: &str) -> Value {
    json!({"kind": "allocation", "source": "management_fee", "amount_fen": amount,
        "occurred_on": on, "description": "党建工作经费拨入"})
}

fn expenditure(amount: i64, on: &str) -> Value {
    json!({"kind": "expenditure", "category": "activities", "amount_fen": amount,
        "occurred_on": on, "description": "主题党日活动"})
}

async fn balance(app: &TestApp, branch: &str) -> (i64, i64) {
    let balance: Value = app
        .get(&format!(
            "/api/v1/party-organizations/{branch}/fund/balance"
        ))
        .await
        .json()
        .await
        .unwrap();
    (
        balance["balance_fen"].as_i64().unwrap(),
        balance["pending_fen"].as_i64().unwrap(),
    )
}

async fn the_ledger_counts_allocations_expenditures_and_reversals(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let path = entries(&branch);
    let income = app.created(&path, &allocation(100_000, "2026-03-01")).await;
    assert_eq!(income["status"], "approved");
    assert_eq!(balance(&app, &branch).await, (100_000, 0));
    let spent = app.created(&path, &expenditure(30_000, "2026-03-05")).await;
    assert_eq!(balance(&app, &branch).await, (70_000, 0));

    // A mistake is undone by a reversal in full, once.
    let reversal = json!({"kind": "reversal", "reverses_id": spent["id"], "occurred_on": "2026-03-06",
        "description": "冲销：金额录错"});
    let undone = app.created(&path, &reversal).await;
    assert_eq!(undone["amount_fen"], 30_000);
    assert_eq!(balance(&app, &branch).await, (100_000, 0));
    let again = problem(app.post_json(&path, &reversal).await, 409).await;
    assert_eq!(again["code"], "already_reversed");
    let of_reversal = with(reversal.clone(), json!({"reverses_id": undone["id"]}));
    let refused = problem(app.post_json(&path, &of_reversal).await, 409).await;
    assert_eq!(refused["code"], "reversal_of_reversal");
    let partial = with(
        reversal.clone(),
        json!({"reverses_id": income["id"], "amount_fen": 1}),
    );
    let refused = problem(app.post_json(&path, &partial).await, 409).await;
    assert_eq!(refused["code"], "partial_reversal");

    // Never below zero; the refusal names the balance and changes nothing.
    let refused = problem(
        app.post_json(&path, &expenditure(100_001, "2026-03-07"))
            .await,
        409,
    )
    .await;
    assert_eq!(refused["code"], "insufficient_funds");
    assert!(refused["detail"].as_str().unwrap().contains("100000"));
    assert_eq!(balance(&app, &branch).await, (100_000, 0));

    // Entries are immutable.
    let entry = format!("{path}/{}", income["id"].as_str().unwrap());
    for method in [Method::PATCH, Method::DELETE, Method::PUT] {
        let response = app.request(method, &entry).send().await.unwrap();
        assert_eq!(response.status(), 405);
    }
    // Every bad field at once.
    let bad = json!({"kind": "allocation", "category": "activities", "amount_fen": 0,
        "occurred_on": "2999-01-01", "description": "x"});
    let refused = problem(app.post_json(&path, &bad).await, 422).await;
    let errors = field_errors(&refused);
    for expected in [
        ("source", "required"),
        ("category", "not_allowed"),
        ("amount_fen", "range"),
    ] {
        assert!(
            errors.contains(&(expected.0.into(), expected.1.into())),
            "{errors:?}"
        );
    }
    let future = problem(
        app.post_json(&path, &allocation(1, "2999-01-01")).await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&future),
        [("occurred_on".into(), "future_date".into())]
    );

    let list: Value = app
        .get(&format!("{path}?kind=reversal"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Each entry is an event of the feed, shown as its GET shows it.
    let feed: Value = app
        .get("/api/v1/events?types=fund_entry")
        .await
        .json()
        .await
        .unwrap();
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let shown: Value = app.get(&entry).await.json().await.unwrap();
    assert_eq!(items[0]["representation"], shown);
}

async fn twenty_parallel_expenditures_against_a_balance_for_five(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let path = entries(&branch);
    app.created(&path, &allocation(5_000, "2026-03-01")).await;
    let statuses = join_all((0..20).map(|_| {
        let (app, path) = (&app, path.clone());
        async move {
            let response = app
                .post_json(&path, &expenditure(1_000, "2026-03-02"))
                .await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            if status == 409 {
                assert_eq!(body["code"], "insufficient_funds");
            }
            status
        }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(balance(&app, &branch).await, (0, 0));
    let spent: Value = app
        .get(&format!("{path}?kind=expenditure&limit=100"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(spent["items"].as_array().unwrap().len(), 5);
}

async fn large_expenditures_wait_for_approval_by_someone_above(app: TestApp) {
    let committee = app.party_organization("委员会", "committee", None).await;
    let branch = app
        .party_organization("支部", "branch", Some(&committee))
        .await;
    let own = user_with_roles(
        &app,
        "branch-secretary",
        json!([{"role": "branch_secretary", "party_organization_id": branch}]),
    )
    .await;
    let above = user_with_roles(
        &app,
        "committee-secretary",
        json!([{"role": "branch_secretary", "party_organization_id": committee}]),
    )
    .await;
    let path = entries(&branch);
    let post = |token: &str, body: Value| {
        app.request_as(token, Method::POST, &path)
            .json(&body)
            .send()
    };
    assert_eq!(
        post(&own, allocation(2_000_000, "2026-03-01"))
            .await
            .unwrap()
            .status(),
        201
    );
    // Up to the threshold an expenditure counts at once; above it, it waits.
    let small: Value = post(&own, expenditure(500_000, "2026-03-02"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(small["status"], "approved");
    let large: Value = post(&own, expenditure(600_000, "2026-03-03"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(large["status"], "pending");
    assert_eq!(balance(&app, &branch).await, (1_500_000, 600_000));

    let decide = |token: &str, id: &Value, what: &str, body: Value| {
        app.request_as(
            token,
            Method::POST,
            &format!("{path}/{}/{what}", id.as_str().unwrap()),
        )
        .json(&body)
        .send()
    };
    // Not the recorder, and not from below or beside: from above.
    let refused = decide(&own, &large["id"], "approve", json!({}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let by_admin: Value = app
        .created(&path, &expenditure(700_000, "2026-03-04"))
        .await;
    let same = decide(&app.token, &by_admin["id"], "approve", json!({}))
        .await
        .unwrap();
    assert_eq!(problem(same, 409).await["code"], "same_person");
    let approve_once = || {
        app.request_as(
            &above,
            Method::POST,
            &format!("{path}/{}/approve", large["id"].as_str().unwrap()),
        )
        .header("idempotency-key", "approve-large")
        .json(&json!({}))
        .send()
    };
    let approved = approve_once().await.unwrap();
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    // The approval retried with its key (its answer lost): the same answer, the money moved once.
    let retried = approve_once().await.unwrap();
    assert_eq!(retried.status(), 200);
    assert_eq!(retried.headers()["idempotent-replayed"], "true");
    assert_eq!(retried.json::<Value>().await.unwrap(), approved);
    assert_eq!(approved["status"], "approved");
    assert!(
        approved["decided_by"]
            .as_str()
            .unwrap()
            .starts_with("user:")
    );
    assert!(approved["decided_at"].is_string());
    assert_eq!(balance(&app, &branch).await, (900_000, 700_000));

    // A rejection says why, and never counts.
    let no_reason = decide(&above, &by_admin["id"], "reject", json!({}))
        .await
        .unwrap();
    assert_eq!(
        field_errors(&problem(no_reason, 422).await),
        [("reason".into(), "required".into())]
    );
    let rejected = decide(
        &above,
        &by_admin["id"],
        "reject",
        json!({"reason": "超出年度预算"}),
    )
    .await
    .unwrap();
    assert_eq!(rejected.status(), 200);
    let twice = decide(&above, &by_admin["id"], "approve", json!({}))
        .await
        .unwrap();
    assert_eq!(problem(twice, 409).await["code"], "already_decided");
    assert_eq!(balance(&app, &branch).await, (900_000, 0));

    // A pending one cannot be reversed; an approval that would overdraw is refused.
    let pending: Value = post(&own, expenditure(800_000, "2026-03-05"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reversal = json!({"kind": "reversal", "reverses_id": pending["id"], "occurred_on": "2026-03-06",
        "description": "冲销"});
    let refused = problem(app.post_json(&path, &reversal).await, 409).await;
    assert_eq!(refused["code"], "not_counted");
    app.created(&path, &expenditure(200_000, "2026-03-06"))
        .await;
    let overdraw = decide(&above, &pending["id"], "approve", json!({}))
        .await
        .unwrap();
    let refused = problem(overdraw, 409).await;
    assert_eq!(refused["code"], "insufficient_funds");
    assert_eq!(balance(&app, &branch).await, (700_000, 800_000));
}

async fn the_annual_report_adds_up_and_warns_of_low_management_fees(app: TestApp) {
    let organization = app.create_organization(&organization_body(1)).await;
    let body = with(
        party_organization_body("支部", "branch", None),
        json!({"covers": [organization["id"]]}),
    );
    let branch = app.created("/api/v1/party-organizations", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let payroll = app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/organizations/{}/payrolls/2025",
                organization["id"].as_str().unwrap()
            ),
        )
        .json(&json!({"payroll_fen": 300_000_000}))
        .send()
        .await
        .unwrap();
    assert_eq!(payroll.status(), 200);
    let path = entries(&branch);
    app.created(&path, &allocation(500_000, "2025-06-01")).await;
    app.created(&path, &expenditure(100_000, "2025-07-01"))
        .await;
    app.created(&path, &allocation(1_000_000, "2026-01-10"))
        .await;
    let training = with(
        expenditure(200_000, "2026-02-01"),
        json!({"category": "education_training"}),
    );
    app.created(&path, &training).await;
    let dues = with(
        allocation(50_000, "2026-02-02"),
        json!({"source": "dues_return"}),
    );
    app.created(&path, &dues).await;
    let report: Value = app
        .get(&format!(
            "/api/v1/party-organizations/{branch}/fund/report?year=2026"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["opening_fen"], 400_000);
    assert_eq!(report["allocations_fen"], 1_050_000);
    assert_eq!(
        report["allocations"],
        json!([{"source": "management_fee", "amount_fen": 1_000_000}, {"source": "dues_return", "amount_fen": 50_000}])
    );
    assert_eq!(
        report["expenditures"],
        json!([{"category": "education_training", "amount_fen": 200_000}])
    );
    assert_eq!(report["closing_fen"], 1_250_000);
    assert_eq!(report["previous_year_payroll_fen"], 300_000_000);
    // 1% of ¥3,000,000 is ¥30,000; ¥10,000 is less than half of it.
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1, "{report}");
    let last_year: Value = app
        .get(&format!(
            "/api/v1/party-organizations/{branch}/fund/report?year=2025"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last_year["closing_fen"], report["opening_fen"]);
    assert!(last_year["warnings"].as_array().unwrap().is_empty());

    let csv = app
        .get(&format!(
            "/api/v1/party-organizations/{branch}/fund/report/export?year=2026"
        ))
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.contains("closing,,1250000,12500.00"), "{text}");
    assert!(
        text.contains("allocation,management_fee,1000000,10000.00"),
        "{text}"
    );
}
