//! The register of adopted work systems: what a party organization lacks on its single read, the
//! regional report, repeal and review dates.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem};

crate::on_both_databases!(
    the_register_says_what_is_missing_or_past_review,
    the_report_counts_registers_in_a_region,
);

const STANDARD: [&str; 9] = [
    "three_meetings_one_lesson",
    "fund_management",
    "member_development",
    "member_education",
    "party_worker_duties",
    "ideological_work",
    "discussion_and_communication",
    "employee_invites_member",
    "face_to_face",
];

fn system(kind: &str, review_due_on: Option<&str>) -> Value {
    json!({"kind": kind, "title": format!("{kind}制度"), "adopted_on": "2025-03-01",
        "document_ref": "党支〔2025〕1号", "review_due_on": review_due_on})
}

async fn gaps(app: &TestApp, branch: &str) -> Value {
    let read: Value = app
        .get(&format!("/api/v1/party-organizations/{branch}"))
        .await
        .json()
        .await
        .unwrap();
    read["work_systems"].clone()
}

async fn the_register_says_what_is_missing_or_past_review(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    assert_eq!(
        gaps(&app, &branch).await,
        json!({"in_force": 0, "missing": STANDARD, "review_overdue": []})
    );
    let path = format!("/api/v1/party-organizations/{branch}/work-systems");
    // Today is past 2026-06-01 and before 2099.
    let fund = app
        .created(&path, &system("fund_management", Some("2026-06-01")))
        .await;
    app.created(&path, &system("three_meetings_one_lesson", None))
        .await;
    app.created(&path, &system("other", None)).await;
    let found = gaps(&app, &branch).await;
    assert_eq!(found["in_force"], 3);
    assert_eq!(found["review_overdue"], json!(["fund_management"]));
    assert_eq!(found["missing"].as_array().unwrap().len(), 7);

    // Reviewed: a new review date clears it.
    let system_path = format!("{path}/{}", fund["id"].as_str().unwrap());
    let response = app
        .patch_json(
            &system_path,
            &json!({"review_due_on": "2099-01-01"}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(gaps(&app, &branch).await["review_overdue"], json!([]));
    // Repealed: missing again, still readable.
    let response = app
        .request(Method::DELETE, &system_path)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        gaps(&app, &branch).await["missing"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    assert_eq!(app.get(&system_path).await.status(), 404);
    let archived: Value = app
        .get(&format!("{system_path}?include_archived=true"))
        .await
        .json()
        .await
        .unwrap();
    assert!(archived["archived_at"].is_string());

    // Review after adoption; kinds from the list.
    let bad = json!({"kind": "rules", "title": "", "adopted_on": "2025-03-01"});
    let refused = problem(app.post_json(&path, &bad).await, 422).await;
    let fields = crate::helpers::field_errors(&refused);
    assert!(
        fields.contains(&("kind".to_owned(), "enum".to_owned()))
            && fields.contains(&("title".to_owned(), "length".to_owned())),
        "{refused}"
    );
    let early = system("member_education", Some("2025-01-01"));
    let refused = problem(app.post_json(&path, &early).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [("review_due_on".into(), "order".into())]
    );
    let listed: Value = app
        .get(&format!("{path}?kind=three_meetings_one_lesson"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // Systems are events of the feed.
    let feed: Value = app
        .get("/api/v1/events?types=work_system")
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
    assert_eq!(actions, ["create", "create", "create", "update", "archive"]);
}

async fn the_report_counts_registers_in_a_region(app: TestApp) {
    let complete = app.party_organization("齐全支部", "branch", None).await;
    let lacking = app.party_organization("欠缺支部", "branch", None).await;
    for kind in STANDARD {
        app.created(
            &format!("/api/v1/party-organizations/{complete}/work-systems"),
            &system(kind, Some("2099-01-01")),
        )
        .await;
    }
    app.created(
        &format!("/api/v1/party-organizations/{lacking}/work-systems"),
        &system("fund_management", None),
    )
    .await;
    let report: Value = app
        .get("/api/v1/reports/work-systems?region_code=3501")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["party_organizations"], 2);
    assert_eq!(report["complete"], 1);
    assert_eq!(report["region_name"], "福建省 / 福州市");
    let row = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["party_organization_id"] == lacking.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["in_force"], 1);
    assert_eq!(row["missing"].as_array().unwrap().len(), 8);
    let elsewhere: Value = app
        .get("/api/v1/reports/work-systems?region_code=11")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(elsewhere["party_organizations"], 0);
    let csv = app
        .get("/api/v1/reports/work-systems/export?region_code=3501")
        .await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("欠缺支部"));
    assert!(
        text.contains("three_meetings_one_lesson;member_development"),
        "{text}"
    );
}
