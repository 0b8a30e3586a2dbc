//! Compliance of a branch and of a region, on hand-built meetings whose figures are counted here.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, problem};

crate::on_both_databases!(
    a_quarter_is_assessed_kind_by_kind_and_worst_first,
    a_running_or_future_period_is_due_or_upcoming_not_missed,
);

/// "Not yet due" is told from "missed": the running month's theme party day is `due` (and no
/// rate: nothing is over), next year's units are `upcoming`, and a month that is over with none
/// held is `missed` and counts; the region report puts the branch with most missed units first.
async fn a_running_or_future_period_is_due_or_upcoming_not_missed(app: TestApp) {
    use chrono::Datelike;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let branch = app.party_organization("支部", "branch", None).await;
    let path = format!("/api/v1/party-organizations/{branch}/compliance");
    let compliance = |period: String| {
        let app = &app;
        let path = path.clone();
        async move {
            let response = app.get(&format!("{path}?period={period}")).await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let theme_days = |report: &Value| -> Value {
        report["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "theme_party_day")
            .unwrap()
            .clone()
    };
    let running = compliance(format!("{}-{:02}", today.year(), today.month())).await;
    let theme = theme_days(&running);
    assert_eq!(theme["units"][0]["status"], "due", "{running}");
    assert_eq!(theme["missing"], json!([]));
    assert_eq!(
        running["compliance_rate"],
        Value::Null,
        "nothing is over yet"
    );

    let future = compliance((today.year() + 1).to_string()).await;
    assert_eq!(future["compliance_rate"], Value::Null);
    for kind in future["kinds"].as_array().unwrap() {
        assert_eq!(kind["missing"], json!([]));
        assert!(
            kind["units"]
                .as_array()
                .unwrap()
                .iter()
                .all(|u| u["status"] == "upcoming")
        );
    }

    let last_year = compliance((today.year() - 1).to_string()).await;
    let theme = theme_days(&last_year);
    assert_eq!(theme["missing"].as_array().unwrap().len(), 12);
    assert!(
        theme["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["status"] == "missed")
    );
    assert_eq!(last_year["compliance_rate"], 0.0);

    // A branch that held last January's theme party day misses one unit fewer: listed after.
    let diligent = app.party_organization("勤勉支部", "branch", None).await;
    let january = format!("{}-01-15", today.year() - 1);
    let id = meeting(&app, &diligent, "theme_party_day", &january, None).await;
    let body = json!({"minutes": "纪要", "attendance": [], "theme": "学习党章"});
    let response = app
        .post_json(&format!("/api/v1/meetings/{id}/hold"), &body)
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let region: Value = app
        .get(&format!(
            "/api/v1/reports/compliance?period={}",
            today.year() - 1
        ))
        .await
        .json()
        .await
        .unwrap();
    let order: Vec<(&str, u64)> = region["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["party_organization_id"].as_str().unwrap(),
                i["missed_units"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order.len(), 2);
    assert_eq!(order[0].0, branch, "{region}");
    assert_eq!(order[0].1, order[1].1 + 1);
}

async fn meeting(app: &TestApp, party: &str, kind: &str, day: &str, group: Option<&str>) -> String {
    let mut body = json!({"party_organization_id": party, "kind": kind, "title": kind,
        "starts_at": format!("{day}T19:00:00+08:00"), "ends_at": format!("{day}T21:00:00+08:00")});
    if let Some(group) = group {
        body["party_group_id"] = json!(group);
    }
    app.created("/api/v1/meetings", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn hold(app: &TestApp, id: &str, attendance: Value) {
    let body = json!({"minutes": "纪要", "attendance": attendance});
    let response = app
        .post_json(&format!("/api/v1/meetings/{id}/hold"), &body)
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

fn entries(list: &[(&String, &str)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(id, status)| match *status {
                "excused" => json!({"member_id": id, "status": status, "reason": "出差"}),
                _ => json!({"member_id": id, "status": status}),
            })
            .collect(),
    )
}

async fn a_quarter_is_assessed_kind_by_kind_and_worst_first(app: TestApp) {
    let branch = app.party_organization("云帆支部", "branch", None).await;
    let path = format!("/api/v1/party-organizations/{branch}");
    let group = app
        .created(&format!("{path}/groups"), &json!({"name": "研发小组"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let m1 = app
        .member(
            &branch,
            1,
            json!({"stage": "full", "party_group_id": group}),
        )
        .await;
    let m2 = app
        .member(
            &branch,
            2,
            json!({"stage": "full", "joined_on": "2020-01-01"}),
        )
        .await;
    let m3 = app
        .member(
            &branch,
            3,
            json!({"stage": "full", "joined_on": "2020-01-01"}),
        )
        .await;
    // A committee of three (so committee meetings are due monthly, and expect the three).
    for (member, position, portfolio) in [
        (&m1, "secretary", None),
        (&m2, "deputy_secretary", None),
        (&m3, "committee_member", Some("propaganda")),
    ] {
        app.created(
            "/api/v1/party-workers",
            &json!({"party_organization_id": branch, "member_id": member, "position": position,
                "portfolio": portfolio, "employment": "part_time", "appointed_on": "2025-01-01"}),
        )
        .await;
    }
    let idle = app.party_organization("沉寂支部", "branch", None).await;

    // Q3 2026: committee in July and September, a group meeting in July, a general meeting in
    // August; the August lecture stayed planned; no theme party day.
    let c1 = meeting(&app, &branch, "committee_meeting", "2026-07-03", None).await;
    hold(
        &app,
        &c1,
        entries(&[(&m1, "present"), (&m2, "absent"), (&m3, "excused")]),
    )
    .await;
    let g1 = meeting(&app, &branch, "group_meeting", "2026-07-10", Some(&group)).await;
    hold(&app, &g1, entries(&[(&m1, "present")])).await;
    let gm = meeting(&app, &branch, "general_meeting", "2026-08-03", None).await;
    hold(
        &app,
        &gm,
        entries(&[(&m1, "present"), (&m2, "absent"), (&m3, "present")]),
    )
    .await;
    meeting(&app, &branch, "party_lecture", "2026-08-20", None).await;
    let c2 = meeting(&app, &branch, "committee_meeting", "2026-09-03", None).await;
    hold(
        &app,
        &c2,
        entries(&[(&m1, "present"), (&m2, "absent"), (&m3, "present")]),
    )
    .await;
    meeting(&app, &branch, "general_meeting", "2026-10-08", None).await; // another quarter

    let report: Value = app
        .get(&format!("{path}/compliance?period=2026-Q3"))
        .await
        .json()
        .await
        .unwrap();
    let kind = |name: &str| {
        report["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == name)
            .unwrap()
            .clone()
    };
    let figures = |k: Value| {
        (
            k["required"].as_u64().unwrap(),
            k["held"].as_u64().unwrap(),
            k["missing"].clone(),
            k["overdue_planned"].as_u64().unwrap(),
        )
    };
    assert_eq!(
        figures(kind("committee_meeting")),
        (3, 2, json!(["2026-08"]), 0)
    );
    assert_eq!(
        figures(kind("group_meeting")),
        (
            3,
            1,
            json!([format!("{group}:2026-08"), format!("{group}:2026-09")]),
            0
        )
    );
    assert_eq!(figures(kind("general_meeting")), (1, 1, json!([]), 0));
    assert_eq!(
        figures(kind("party_lecture")),
        (1, 0, json!(["2026-Q3"]), 1)
    );
    assert_eq!(
        figures(kind("theme_party_day")),
        (3, 0, json!(["2026-07", "2026-08", "2026-09"]), 0)
    );
    assert_eq!(
        figures(kind("organizational_life_meeting")),
        (0, 0, json!([]), 0)
    );
    // 4 of 11 required units; 6 of 10 expected attendances.
    assert_eq!(report["compliance_rate"], 0.3636);
    assert_eq!(report["attendance_rate"], 0.6);
    assert_eq!(
        report["repeatedly_absent"],
        json!([{"member_id": m2, "consecutive_absences": 3}])
    );
    assert_eq!(
        report["no_organizational_life"],
        json!([m2]),
        "m1 and m3 came; m1 joined too recently anyway"
    );

    let year: Value = app
        .get(&format!("{path}/compliance?period=2026"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        year["kinds"][0]["required"], 4,
        "four general meetings a year"
    );
    let response = app.get(&format!("{path}/compliance?period=2026-Q5")).await;
    assert_eq!(problem(response, 400).await["errors"][0]["field"], "period");

    let region: Value = app
        .get("/api/v1/reports/compliance?period=2026-Q3&region_code=3501")
        .await
        .json()
        .await
        .unwrap();
    let order: Vec<&str> = region["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["party_organization_id"].as_str().unwrap())
        .collect();
    // Most missed units first: the branch with a committee and groups misses more units than
    // the idle one, whose rate is lower.
    assert_eq!(order, [branch.as_str(), idle.as_str()], "most missed first");
    let missed: Vec<u64> = region["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["missed_units"].as_u64().unwrap())
        .collect();
    assert!(missed[0] > missed[1], "{missed:?}");
    assert_eq!(region["items"][1]["compliance_rate"], 0.0);
    assert_eq!(
        region["items"][1]["required"], 5,
        "no committee, no groups: general, lecture, three theme days"
    );
    assert_eq!(
        (
            region["party_organizations"].as_u64(),
            region["fully_compliant"].as_u64()
        ),
        (Some(2), Some(0))
    );
    assert_eq!(region["compliance_rate"], 0.25);
    assert_eq!(region["region_name"], "福建省 / 福州市");

    let csv = app
        .request(
            Method::GET,
            "/api/v1/reports/compliance/export?period=2026-Q3",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("committee_meeting: 2026-08"),
        "most missed first: {csv}"
    );
}
