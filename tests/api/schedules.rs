//! Meeting schedules plan meetings ahead, idempotently, and move only future planned ones.
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, field_errors, problem};

crate::on_both_databases!(
    a_schedule_plans_ahead_and_follows_changes,
    a_schedule_starting_in_the_past_says_what_it_skipped_and_its_meetings_name_it,
);

/// A monthly schedule that started three months ago plans only the future and says which past
/// occurrences it skipped; every meeting it planned names it, and the list filters by it.
async fn a_schedule_starting_in_the_past_says_what_it_skipped_and_its_meetings_name_it(
    app: TestApp,
) {
    let branch = app.party_organization("支部", "branch", None).await;
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let start = today - Duration::days(90);
    let body = json!({"party_organization_id": branch, "kind": "party_lecture", "title": "周学习",
        "recurrence": "FREQ=MONTHLY;COUNT=6", "starts_on": start.to_string(), "time_of_day": "19:00",
        "duration_minutes": 60, "timezone": "Asia/Shanghai"});
    let response = app.post_json("/api/v1/meeting-schedules", &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let schedule: Value = response.json().await.unwrap();
    let skipped: Vec<NaiveDate> = schedule["materialized"]["skipped_past"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().parse().unwrap())
        .collect();
    assert!(skipped.len() >= 3, "{schedule}");
    assert!(skipped.iter().all(|d| *d <= today), "{skipped:?}");
    assert_eq!(skipped[0], start);
    let planned = schedule["materialized"]["planned"].as_u64().unwrap();
    assert_eq!(planned + skipped.len() as u64, 6, "{schedule}");
    let id = schedule["id"].as_str().unwrap();
    let page: Value = app
        .get(&format!("/api/v1/meetings?schedule_id={id}"))
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len() as u64, planned);
    assert!(items.iter().all(|m| m["schedule_id"] == id));
    let by_hand = app
        .created(
            "/api/v1/meetings",
            &json!({"party_organization_id": branch, "kind": "general_meeting", "title": "党员大会",
                "starts_at": "2026-12-20T19:00:00+08:00", "ends_at": "2026-12-20T21:00:00+08:00"}),
        )
        .await;
    assert_eq!(by_hand["schedule_id"], Value::Null);
}

async fn meetings(app: &TestApp, schedule_org: &str, status: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!(
            "/api/v1/meetings?party_organization_id={schedule_org}&status={status}&limit=200"
        ))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

/// The first and last `weekday` of the month of `first` (a first of the month), and the months after.
fn days(first: NaiveDate, months: u32, weekday: Weekday, last: bool) -> Vec<NaiveDate> {
    (0..months)
        .map(|n| {
            let month = first.checked_add_months(chrono::Months::new(n)).unwrap();
            let mut day = match last {
                false => month,
                true => {
                    month.checked_add_months(chrono::Months::new(1)).unwrap() - Duration::days(1)
                }
            };
            while day.weekday() != weekday {
                day = if last {
                    day - Duration::days(1)
                } else {
                    day + Duration::days(1)
                };
            }
            day
        })
        .collect()
}

fn at(day: NaiveDate, time: &str) -> String {
    format!("{}T{time}:00Z", day.format("%Y-%m-%d"))
}

async fn a_schedule_plans_ahead_and_follows_changes(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    // Three months from the first of the month after next: always ahead, within the horizon.
    let today = chrono::Utc::now().date_naive();
    let start = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .unwrap()
        .checked_add_months(chrono::Months::new(2))
        .unwrap();
    let mondays = days(start, 3, Weekday::Mon, false);
    let fridays = days(start, 3, Weekday::Fri, true);
    let body = json!({
        "party_organization_id": branch, "kind": "theme_party_day", "title": "主题党日",
        "recurrence": "FREQ=MONTHLY;BYDAY=1MO;COUNT=3", "starts_on": start.to_string(),
        "time_of_day": "19:00", "duration_minutes": 120, "location": "党员活动室"
    });
    for (change, field) in [
        (json!({"recurrence": "FREQ=WEEKLY"}), "recurrence"),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"kind": "group_meeting"}), "party_group_id"),
    ] {
        let mut bad = body.clone();
        json_patch::merge(&mut bad, &change);
        let problem = problem(app.post_json("/api/v1/meeting-schedules", &bad).await, 422).await;
        assert_eq!(field_errors(&problem)[0].0, field, "{change}");
    }
    let schedule = app.created("/api/v1/meeting-schedules", &body).await;
    // Three first Mondays at 19:00 Beijing time (11:00 UTC).
    assert_eq!(
        schedule["materialized"],
        json!({"planned": 3, "moved": 0, "cancelled": 0, "skipped_past": []})
    );
    let planned = meetings(&app, &branch, "planned").await;
    assert_eq!(planned.len(), 3);
    assert_eq!(planned[0]["starts_at"], at(mondays[0], "11:00"));
    assert_eq!(planned[0]["ends_at"], at(mondays[0], "13:00"));
    assert_eq!(planned[1]["starts_at"], at(mondays[1], "11:00"));
    assert_eq!(planned[0]["kind"], "theme_party_day");

    let path = format!(
        "/api/v1/meeting-schedules/{}",
        schedule["id"].as_str().unwrap()
    );
    let again: Value = app
        .patch_json(&path, &json!({}), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["materialized"],
        json!({"planned": 0, "moved": 0, "cancelled": 0, "skipped_past": []}),
        "idempotent"
    );
    assert_eq!(meetings(&app, &branch, "planned").await.len(), 3);

    // A cancelled meeting stays as it is when the schedule changes.
    let january = planned[1]["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/meetings/{january}/cancel"),
        &json!({"reason": "元旦"}),
    )
    .await;
    let moved: Value = app
        .patch_json(&path, &json!({"time_of_day": "18:30"}), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        moved["materialized"],
        json!({"planned": 0, "moved": 2, "cancelled": 0, "skipped_past": []})
    );
    let planned = meetings(&app, &branch, "planned").await;
    assert_eq!(planned[0]["starts_at"], at(mondays[0], "10:30"));
    let cancelled = meetings(&app, &branch, "cancelled").await;
    assert_eq!(cancelled[0]["starts_at"], at(mondays[1], "11:00"));

    // A new rule: the old occurrences go, the new ones come.
    let changed: Value = app
        .patch_json(
            &path,
            &json!({"recurrence": "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"}),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        changed["materialized"],
        json!({"planned": 3, "moved": 0, "cancelled": 2, "skipped_past": []})
    );
    let planned = meetings(&app, &branch, "planned").await;
    let starts: Vec<String> = planned
        .iter()
        .map(|m| m["starts_at"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = fridays.iter().map(|d| at(*d, "10:30")).collect();
    assert_eq!(starts, expected);

    let response = app
        .request(Method::DELETE, &path)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(
        meetings(&app, &branch, "planned").await.is_empty(),
        "archiving cancels what it planned"
    );
}
