//! The coverage report on hand-built data whose figures are worked out here.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, organization_body, party_organization_body, uscc_with_prefix, user_with_roles, with,
};

crate::on_both_databases!(coverage_figures_match_the_hand_count);

async fn organization(app: &TestApp, n: u32, changes: Value) -> String {
    app.create_organization(&with(organization_body(n), changes))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn party(app: &TestApp, org_type: &str, region: &str, covers: &[&str]) -> String {
    let body = with(
        party_organization_body("支部", org_type, None),
        json!({"region_code": region, "covers": covers}),
    );
    app.created("/api/v1/party-organizations", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn instructor(app: &TestApp, name: &str) -> String {
    let body = json!({"name": name, "source_unit_type": "public_institution", "source_unit": "福州大学",
        "region_code": "3501", "is_full_party_member": true});
    app.created("/api/v1/instructors", &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .request_as(
            token,
            Method::GET,
            &format!("/api/v1/reports/coverage?{query}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

fn figures(row: &Value) -> [i64; 5] {
    [
        "organizations",
        "with_own_party_organization",
        "covered_by_joint_party_organization",
        "with_active_instructor",
        "work_covered",
    ]
    .map(|k| row[k].as_i64().unwrap_or_else(|| panic!("{k} in {row}")))
}

async fn coverage_figures_match_the_hand_count(app: TestApp) {
    // Fuzhou: 鼓楼区 350102 and 台江区 350103; Xiamen: 思明区 350203.
    let a = organization(&app, 1, json!({})).await; // own branch
    let b = organization(&app, 2, json!({})).await; // joint branch only
    let c = organization(&app, 3, json!({"region_code": "350103"})).await; // joint and own: own
    let d = organization(&app, 4, json!({"region_code": "350103"})).await; // instructor only
    organization(
        &app,
        5,
        json!({"region_code": "350103", "kind": "new_social",
        "category": "social_group", "uscc": uscc_with_prefix("51", 5), "employee_count": 30}),
    )
    .await; // nothing
    let f = organization(&app, 6, json!({"in_survey_scope": false})).await; // out of survey scope
    let g = organization(&app, 7, json!({"operating_status": "dormant"})).await; // dormant
    let h = organization(&app, 8, json!({"region_code": "350203"})).await; // Xiamen
    let i = organization(&app, 9, json!({})).await; // instructor ended before today
    let own_a = party(&app, "branch", "350102", &[&a]).await;
    let joint = party(&app, "joint_branch", "350102", &[&b, &c]).await;
    party(&app, "branch", "350103", &[&c]).await;
    party(&app, "branch", "350102", &[&f, &g]).await;
    let xiamen = party(&app, "branch", "350203", &[&h]).await;
    let (chen, wang) = (
        instructor(&app, "陈立").await,
        instructor(&app, "王敏").await,
    );
    let assign = |instructor: &str, organization: &str, starts_on: &str| json!({"instructor_id": instructor, "organization_id": organization, "starts_on": starts_on});
    app.created(
        "/api/v1/instructor-assignments",
        &assign(&chen, &d, "2026-11-01"),
    )
    .await;
    let ended = app
        .created(
            "/api/v1/instructor-assignments",
            &assign(&wang, &i, "2026-01-01"),
        )
        .await;
    app.post_json(
        &format!(
            "/api/v1/instructor-assignments/{}/end",
            ended["id"].as_str().unwrap()
        ),
        &json!({"date": "2026-06-30"}),
    )
    .await;
    // Members: two full and one probationary in A's branch, a mobile applicant in the joint
    // branch, one full member in Xiamen.
    app.member(&own_a, 1, json!({"stage": "full"})).await;
    app.member(&own_a, 2, json!({"stage": "full"})).await;
    app.member(
        &own_a,
        3,
        json!({"stage": "probationary", "joined_on": "2026-05-01"}),
    )
    .await;
    app.member(
        &joint,
        4,
        json!({"is_mobile": true, "host_party_organization_id": own_a}),
    )
    .await;
    app.member(&xiamen, 5, json!({"stage": "full"})).await;

    // Fuzhou: A B C D E I count; F (survey scope), G (dormant) and H (Xiamen) do not.
    let fuzhou = report(&app, &app.token, "region_code=3501").await;
    let totals = &fuzhou["totals"];
    assert_eq!(figures(totals), [6, 2, 1, 1, 4]);
    assert_eq!(totals["organization_coverage_rate"], 0.5);
    assert_eq!(totals["own_organization_rate"], 0.3333);
    assert_eq!(totals["work_coverage_rate"], 0.6667);
    assert_eq!(
        totals["members"],
        json!({"applicants": 1, "activists": 0, "candidates": 0, "probationary": 1, "full": 2, "mobile": 1})
    );
    assert_eq!(fuzhou["region_name"], "福建省 / 福州市");

    let by_region = report(&app, &app.token, "region_code=3501&group_by=region").await;
    let groups = by_region["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(
        (
            groups[0]["group"].as_str(),
            groups[0]["region_name"].as_str()
        ),
        (Some("350102"), Some("福建省 / 福州市 / 鼓楼区"))
    );
    assert_eq!(figures(&groups[0]), [3, 1, 1, 0, 2]);
    assert_eq!(groups[0]["members"]["full"], 2);
    assert_eq!(figures(&groups[1]), [3, 1, 0, 1, 2]);
    assert_eq!(figures(&by_region["totals"]), [6, 2, 1, 1, 4]);

    let province = report(&app, &app.token, "region_code=35&group_by=region").await;
    let cities: Vec<&str> = province["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(cities, ["350100", "350200"]);
    assert_eq!(province["totals"]["members"]["full"], 3);

    let by_kind = report(&app, &app.token, "region_code=3501&group_by=kind").await;
    let kinds: Vec<(&str, [i64; 5])> = by_kind["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["group"].as_str().unwrap(), figures(g)))
        .collect();
    assert_eq!(
        kinds,
        [
            ("new_economic", [5, 2, 1, 1, 4]),
            ("new_social", [1, 0, 0, 0, 0])
        ]
    );

    // Before the instructor arrived.
    let earlier = report(&app, &app.token, "region_code=3501&as_of=2026-10-01").await;
    assert_eq!(figures(&earlier["totals"]), [6, 2, 1, 0, 3]);

    // A district sees its district.
    let taijiang = user_with_roles(
        &app,
        "taijiang",
        json!([{"role": "org_department", "region_code": "350103"}]),
    )
    .await;
    let own = report(&app, &taijiang, "").await;
    assert_eq!(figures(&own["totals"]), [3, 1, 0, 1, 2]);
    assert_eq!(own["totals"]["members"]["full"], 0);
    let outside = report(&app, &taijiang, "region_code=3502").await;
    assert_eq!(outside["totals"]["organizations"], 0);
    assert_eq!(outside["totals"]["organization_coverage_rate"], Value::Null);

    let csv = app
        .request(
            Method::GET,
            "/api/v1/reports/coverage/export?region_code=3501&group_by=region",
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for Excel");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("group,region_name,organizations"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("350102,福建省 / 福州市 / 鼓楼区,3,1,1,0,2,0.6667,0.3333,0.6667"),
        "{csv}"
    );
    assert!(
        lines[3].starts_with("total,,6,2,1,1,4,0.5,0.3333,0.6667"),
        "{csv}"
    );
}
