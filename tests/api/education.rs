//! Member education: study records and attended lectures counted once, the 32/56-hour
//! requirement, and the report by party organization.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem};

crate::on_both_databases!(study_hours_count_records_and_attended_meetings_once);

async fn hours(app: &TestApp, member: &str, year: i32) -> Value {
    let response = app
        .get(&format!("/api/v1/members/{member}/study-hours?year={year}"))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn study_hours_count_records_and_attended_meetings_once(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app.member(&branch, 1, json!({"stage": "full"})).await;
    let secretary = app.member(&branch, 2, json!({"stage": "full"})).await;
    app.member(&branch, 3, json!({})).await; // an applicant studies, but is not counted
    let response = app
        .patch_json(
            &format!("/api/v1/party-organizations/{branch}"),
            &json!({"secretary_member_id": secretary}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), 200);

    // A held party lecture of 2 h 15 min counts 2 h for those present.
    let lecture = app
        .created(
            "/api/v1/meetings",
            &json!({"party_organization_id": branch, "kind": "party_lecture", "title": "七一专题党课",
                "starts_at": "2026-06-28T09:00:00+08:00", "ends_at": "2026-06-28T11:15:00+08:00"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .post_json(
            &format!("/api/v1/meetings/{lecture}/hold"),
            &json!({"minutes": "纪要", "lecturer": "王书记", "topic": "党章学习", "attendance": [
                {"member_id": member, "status": "present"},
                {"member_id": secretary, "status": "absent"}]}),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let records = format!("/api/v1/members/{member}/study-records");
    for (hours, title) in [(24.0, "集中轮训"), (6.5, "网络学习")] {
        app.created(
            &records,
            &json!({"studied_on": "2026-05-10", "hours": hours, "kind": "training", "title": title}),
        )
        .await;
    }
    let counted = hours(&app, &member, 2026).await;
    assert_eq!(counted["hours"], 32.5);
    assert_eq!(counted["meeting_hours"], 2.0);
    assert_eq!(counted["recorded_hours"], 30.5);
    assert_eq!(counted["required_hours"], 32.0);
    assert_eq!(counted["meets_requirement"], true);
    assert_eq!(counted["meetings"][0]["meeting_id"], lecture.as_str());
    assert_eq!(hours(&app, &member, 2025).await["hours"], 0.0);
    // The secretary must study 56 hours; absent, the lecture does not count.
    let leader = hours(&app, &secretary, 2026).await;
    assert_eq!(leader["required_hours"], 56.0);
    assert_eq!(leader["hours"], 0.0);

    // Half-hour steps, not in the future.
    let bad = json!({"studied_on": "2999-01-01", "hours": 0.25, "kind": "online", "title": "x"});
    let refused = problem(app.post_json(&records, &bad).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [("hours".into(), "half_hour_steps".into())]
    );
    let future = json!({"studied_on": "2999-01-01", "hours": 1, "kind": "online", "title": "x"});
    let refused = problem(app.post_json(&records, &future).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [("studied_on".into(), "future_date".into())]
    );

    let report: Value = app
        .get("/api/v1/reports/education?region_code=3501&year=2026")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["members"], 2);
    assert_eq!(report["meeting_requirement"], 1);
    let below = &report["items"][0]["below"];
    assert_eq!(
        below,
        &json!([{"member_id": secretary, "name": "党员2", "hours": 0.0, "required_hours": 56.0}])
    );
    let csv = app
        .get("/api/v1/reports/education/export?region_code=3501&year=2026")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(&secretary));

    // A record made in error is withdrawn and no longer counts.
    let list: Value = app.get(&records).await.json().await.unwrap();
    let first = list["items"][0]["id"].as_str().unwrap().to_owned();
    let response = app
        .request(Method::DELETE, &format!("{records}/{first}"))
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let counted = hours(&app, &member, 2026).await;
    assert_eq!(counted["hours"], 8.5);
    assert_eq!(counted["meets_requirement"], false);
    let feed: Value = app
        .get("/api/v1/events?types=study_record")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "create", "archive"]);
}
