//! Activities: what they name is checked against the register, ranked results are drafted,
//! published and corrected by revision (1, 1, 3 ranking), and a member reads what they took
//! part in.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, field_errors, organization_body, party_organization_body, problem, user_with_roles,
    with,
};

crate::on_both_databases!(
    an_activity_runs_and_publishes_its_results_by_revision,
    concerns_raised_by_employees_are_followed_to_their_end,
    the_activity_report_puts_decorative_branches_first,
);

fn entries(ranks: &[u32]) -> Value {
    let list: Vec<Value> = ranks
        .iter()
        .enumerate()
        .map(|(i, rank)| json!({"rank": rank, "name": format!("选手{i}"), "award": "奖", "score": 90.0}))
        .collect();
    json!({"entries": list})
}

async fn an_activity_runs_and_publishes_its_results_by_revision(app: TestApp) {
    let organization = app.create_organization(&organization_body(1)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app.create_organization(&organization_body(2)).await["id"]
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
    let m1 = app.member(&branch, 1, json!({"stage": "full"})).await;
    let m2 = app.member(&branch, 2, json!({"stage": "full"})).await;
    let path = "/api/v1/activities";
    let competition = |changes: Value| {
        with(
            json!({"kind": "skills_competition", "party_organization_id": branch, "title": "数控车工技能竞赛",
                "starts_on": "2026-09-10", "ends_on": "2026-09-12", "organization_ids": [organization],
                "participant_ids": [m1, m2], "employee_count": 26}),
            changes,
        )
    };
    let contest = app.created(path, &competition(json!({}))).await;
    assert_eq!(contest["participant_ids"], json!([m1, m2]));

    // What it names is checked, every fault at once.
    let bad = competition(
        json!({"organization_ids": [elsewhere], "participant_ids": [branch],
        "meeting_id": m1}),
    );
    let refused = problem(app.post_json(path, &bad).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [("meeting_id".into(), "not_allowed".into())]
    );
    let bad = competition(json!({"organization_ids": [elsewhere], "participant_ids": [branch]}));
    let refused = problem(app.post_json(path, &bad).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [
            ("organization_ids".into(), "not_covered".into()),
            ("participant_ids".into(), "unknown_member".into())
        ]
    );
    // A theme activity names a theme party day of its party organization.
    let lecture = app
        .created(
            "/api/v1/meetings",
            &json!({"party_organization_id": branch, "kind": "party_lecture", "title": "党课",
                "starts_at": "2026-07-01T09:00:00+08:00", "ends_at": "2026-07-01T10:00:00+08:00"}),
        )
        .await;
    let theme = json!({"kind": "theme_activity", "party_organization_id": branch, "title": "主题党日志愿服务",
        "starts_on": "2026-07-01", "meeting_id": lecture["id"]});
    let refused = problem(app.post_json(path, &theme).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        [("meeting_id".into(), "not_a_theme_party_day".into())]
    );
    let day = app
        .created(
            "/api/v1/meetings",
            &json!({"party_organization_id": branch, "kind": "theme_party_day", "title": "主题党日",
                "starts_at": "2026-07-01T09:00:00+08:00", "ends_at": "2026-07-01T10:00:00+08:00"}),
        )
        .await;
    let theme_activity = app
        .created(path, &with(theme, json!({"meeting_id": day["id"]})))
        .await;
    assert_eq!(theme_activity["ends_on"], "2026-07-01");

    // Results: a draft, 1-1-3 ranking, published, never changed, corrected by a revision.
    let results = format!("{path}/{}/results", contest["id"].as_str().unwrap());
    let gaps = problem(app.post_json(&results, &entries(&[1, 1, 2])).await, 422).await;
    assert_eq!(field_errors(&gaps), [("entries".into(), "ranks".into())]);
    let first = app.created(&results, &entries(&[1, 2, 3])).await;
    assert_eq!(first["revision"], 1);
    assert_eq!(first["status"], "draft");
    let second_draft = problem(app.post_json(&results, &entries(&[1])).await, 409).await;
    assert_eq!(second_draft["code"], "draft_exists");
    let replaced = app
        .request(Method::PUT, &format!("{results}/1"))
        .json(&entries(&[1, 1, 3]))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    let published = app
        .post_json(&format!("{results}/1/publish"), &json!({}))
        .await;
    assert_eq!(published.status(), 200);
    let frozen = app
        .request(Method::PUT, &format!("{results}/1"))
        .json(&entries(&[1]))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(frozen, 409).await["code"], "published");
    let correction = app.created(&results, &entries(&[1, 2])).await;
    assert_eq!(correction["revision"], 2);
    app.post_json(&format!("{results}/2/publish"), &json!({}))
        .await;
    let all: Value = app.get(&results).await.json().await.unwrap();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["status"], "published");
    assert_eq!(items[0]["entries"].as_array().unwrap().len(), 3);
    assert_eq!(items[0]["entries"][1]["rank"], 1);
    assert_eq!(items[1]["entries"].as_array().unwrap().len(), 2);

    // Innovation entries carry a category and a benefit; talks have no results.
    let innovation = app
        .created(
            path,
            &competition(json!({"kind": "innovation_contribution", "title": "技术创新贡献榜"})),
        )
        .await;
    let innovations = format!("{path}/{}/results", innovation["id"].as_str().unwrap());
    let missing = problem(app.post_json(&innovations, &entries(&[1])).await, 422).await;
    assert_eq!(
        field_errors(&missing),
        [("entries[0]".into(), "required".into())]
    );
    let listed = json!({"entries": [{"rank": 1, "name": "工艺改进组", "category": "cost_saving", "amount_fen": 12_000_000}]});
    app.created(&innovations, &listed).await;
    let talk = app
        .created(
            path,
            &competition(json!({"kind": "face_to_face", "title": "党代表与职工面对面"})),
        )
        .await;
    let none = app
        .post_json(
            &format!("{path}/{}/results", talk["id"].as_str().unwrap()),
            &entries(&[1]),
        )
        .await;
    assert_eq!(problem(none, 409).await["code"], "no_results");

    // A member reads what they took part in.
    let token = user_with_roles(&app, "m1", json!([{"role": "member", "member_id": m1}])).await;
    let mine: Value = app
        .request_as(&token, Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&contest["id"].as_str().unwrap()));
    assert!(!ids.contains(&theme_activity["id"].as_str().unwrap()));
    let feed: Value = app
        .get("/api/v1/events?types=activity&limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert!(feed["items"].as_array().unwrap().len() >= 4);
}

async fn concerns_raised_by_employees_are_followed_to_their_end(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let session = |kind: &str| {
        json!({"kind": kind, "party_organization_id": branch, "title": "党代表与职工面对面",
            "starts_on": "2026-09-01", "employee_count": 40})
    };
    let meeting = app
        .created("/api/v1/activities", &session("face_to_face"))
        .await;
    let concerns = format!(
        "/api/v1/activities/{}/concerns",
        meeting["id"].as_str().unwrap()
    );
    let late = app
        .created(
            &concerns,
            &json!({"text": "夜班通勤不便", "responsible": "王书记", "due_on": "2026-09-30"}),
        )
        .await;
    assert_eq!(late["status"], "open");
    assert_eq!(late["overdue"], true);
    let later = app
        .created(
            &concerns,
            &json!({"text": "食堂菜品单一", "responsible": "工会主席", "due_on": "2099-12-31"}),
        )
        .await;
    assert_eq!(later["overdue"], false);
    // Only ideological work records concerns.
    let contest = app
        .created("/api/v1/activities", &session("skills_competition"))
        .await;
    let refused = app
        .post_json(
            &format!(
                "/api/v1/activities/{}/concerns",
                contest["id"].as_str().unwrap()
            ),
            &json!({"text": "x", "responsible": "y", "due_on": "2026-10-01"}),
        )
        .await;
    assert_eq!(problem(refused, 409).await["code"], "not_ideological_work");

    let overdue: Value = app
        .get("/api/v1/concerns?status=open&overdue=true")
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [late["id"].as_str().unwrap()]);

    // Forward to an end: declining says why; a closed concern stays closed.
    let path = format!("/api/v1/concerns/{}", late["id"].as_str().unwrap());
    let progress = app
        .patch_json(&path, &json!({"status": "in_progress"}), None)
        .await;
    assert_eq!(progress.status(), 200);
    let no_reason = app
        .patch_json(&path, &json!({"status": "declined"}), None)
        .await;
    assert_eq!(problem(no_reason, 409).await["code"], "reason_required");
    let declined: Value = app
        .patch_json(
            &path,
            &json!({"status": "declined", "decline_reason": "不属企业职责，已向街道反映"}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(declined["status"], "declined");
    assert!(declined["closed_on"].is_string());
    assert_eq!(declined["overdue"], false);
    let reopened = app
        .patch_json(&path, &json!({"status": "open"}), None)
        .await;
    assert_eq!(problem(reopened, 409).await["code"], "closed");
    let none: Value = app
        .get("/api/v1/concerns?overdue=true")
        .await
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
}

async fn the_activity_report_puts_decorative_branches_first(app: TestApp) {
    let organization = app.create_organization(&organization_body(1)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = with(
        party_organization_body("活跃支部", "branch", None),
        json!({"covers": [organization]}),
    );
    let active = app.created("/api/v1/party-organizations", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let idle = app.party_organization("空壳支部", "branch", None).await;
    let m1 = app.member(&active, 1, json!({"stage": "full"})).await;
    let m2 = app.member(&active, 2, json!({"stage": "full"})).await;
    let m3 = app.member(&active, 3, json!({"stage": "full"})).await;
    app.member(&idle, 4, json!({"stage": "full"})).await;
    let talk = app
        .created(
            "/api/v1/activities",
            &json!({"kind": "face_to_face", "party_organization_id": active, "title": "面对面",
                "starts_on": "2026-08-10", "participant_ids": [m1], "employee_count": 40}),
        )
        .await;
    app.created(
        &format!(
            "/api/v1/activities/{}/concerns",
            talk["id"].as_str().unwrap()
        ),
        &json!({"text": "夜班通勤不便", "responsible": "王书记", "due_on": "2026-09-30"}),
    )
    .await;
    app.created(
        "/api/v1/responsibility-posts",
        &json!({"kind": "pioneer_post", "member_id": m2, "organization_id": organization,
            "title": "先锋岗", "starts_on": "2026-01-01"}),
    )
    .await;
    // Outside the quarter: not counted.
    app.created(
        "/api/v1/activities",
        &json!({"kind": "other", "party_organization_id": idle, "title": "年初活动", "starts_on": "2026-01-10"}),
    )
    .await;

    let summary: Value = app
        .get(&format!(
            "/api/v1/party-organizations/{active}/activity-summary?period=2026-Q3"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(summary["activities"], 1);
    assert_eq!(summary["activities_by_kind"], json!({"face_to_face": 1}));
    assert_eq!(summary["member_participants"], 2);
    assert_eq!(summary["employee_participants"], 40);
    assert_eq!(summary["posts_held"], 1);
    assert_eq!(summary["concerns_raised"], 1);
    assert_eq!(summary["concerns_overdue"], 1);
    assert_eq!(summary["decorative"], false);
    assert_eq!(
        summary["idle_members"],
        json!([{"member_id": m3, "name": "党员3"}])
    );

    let report: Value = app
        .get("/api/v1/reports/activity?region_code=3501&period=2026-Q3")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["party_organizations"], 2);
    assert_eq!(report["decorative"], 1);
    assert_eq!(report["items"][0]["party_organization_id"], idle.as_str());
    assert_eq!(report["items"][0]["decorative"], true);
    let year: Value = app
        .get("/api/v1/reports/activity?region_code=3501&period=2026")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(year["decorative"], 0);
    let csv = app
        .get("/api/v1/reports/activity/export?region_code=3501&period=2026-Q3")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.lines().nth(1).unwrap().contains("空壳支部"));
}
