//! Calendar feeds: revocable tokens made by a user, good only for the `.ics` feeds.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, login, problem};

crate::on_both_databases!(feeds_answer_to_calendar_tokens_only);

async fn feeds_answer_to_calendar_tokens_only(app: TestApp) {
    let branch = app.party_organization("支部", "branch", None).await;
    let member = app.member(&branch, 1, json!({"stage": "full"})).await;
    // A bare CR in the title must not reach the feed as a line break of its own.
    let body = json!({"party_organization_id": branch, "kind": "general_meeting", "title": "党员大会\r第二议程",
        "starts_at": "2026-11-20T19:00:00+08:00", "ends_at": "2026-11-20T21:00:00+08:00", "location": "会议室"});
    let held = app.created("/api/v1/meetings", &body).await;
    let hold =
        json!({"minutes": "纪要", "attendance": [{"member_id": member, "status": "present"}]});
    let held_id = held["id"].as_str().unwrap();
    app.post_json(&format!("/api/v1/meetings/{held_id}/hold"), &hold)
        .await;
    let mut later = body.clone();
    later["title"] = json!("主题党日");
    later["kind"] = json!("theme_party_day");
    later["starts_at"] = json!("2026-11-25T19:00:00+08:00");
    later["ends_at"] = json!("2026-11-25T21:00:00+08:00");
    let cancelled = app.created("/api/v1/meetings", &later).await;
    let cancelled_id = cancelled["id"].as_str().unwrap();
    app.post_json(
        &format!("/api/v1/meetings/{cancelled_id}/cancel"),
        &json!({"reason": "改期"}),
    )
    .await;

    // A member's own token and feed.
    let user = json!({"username": "dangyuan", "password": "a-long-password", "roles": [{"role": "member", "member_id": member}]});
    assert_eq!(app.post_json("/api/v1/users", &user).await.status(), 201);
    let member_token = login(&app, "dangyuan", "a-long-password").await;
    let response = app
        .request_as(&member_token, Method::POST, "/api/v1/me/calendar-tokens")
        .json(&json!({"label": "手机日历"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let made: Value = response.json().await.unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    // Absolute, to paste into a calendar app.
    let url = made["my_calendar_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.url("/api/v1/me/calendar.ics?token=")),
        "{url}"
    );
    let feed = app.client.get(&url).send().await.unwrap();
    assert_eq!(feed.status(), 200);
    let tag = feed.headers()["etag"].to_str().unwrap().to_owned();
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = feed.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
    assert!(ics.contains("PRODID:-//Liangxin//"), "{ics}");
    assert!(
        ics.contains("REFRESH-INTERVAL;VALUE=DURATION:PT3600S"),
        "{ics}"
    );
    assert!(ics.contains("X-PUBLISHED-TTL:PT3600S"), "{ics}");
    // Polled again with the tag: 304 while nothing changed.
    let again = app
        .client
        .get(&url)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert!(ics.contains(&format!("UID:{held_id}@liangxin")), "{ics}");
    assert!(ics.contains("DTSTART:20261120T110000Z"), "{ics}");
    assert!(ics.contains("SUMMARY:党员大会\\n第二议程"), "{ics}");
    assert!(
        ics.split("\r\n").all(|line| !line.contains('\r')),
        "no bare CR: {ics:?}"
    );
    assert!(
        !ics.contains(cancelled_id),
        "planned for the branch, but cancelled: not expected of them"
    );

    // The token is not a bearer token, and the member reaches no organization feed.
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let feed = format!("/api/v1/party-organizations/{branch}/calendar.ics?token={token}");
    assert_eq!(
        app.client
            .get(app.url(&feed))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // The admin's token reads the organization's feed, cancelled meetings marked so.
    let admin_token: Value = app
        .post_json("/api/v1/me/calendar-tokens", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let admin_token = admin_token["token"].as_str().unwrap().to_owned();
    // The admin has no member record: their own feed is an empty calendar, not a 404.
    let own = app
        .client
        .get(app.url(&format!("/api/v1/me/calendar.ics?token={admin_token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let own = own.text().await.unwrap();
    assert!(
        own.starts_with("BEGIN:VCALENDAR") && !own.contains("BEGIN:VEVENT"),
        "{own}"
    );
    let ics = app
        .client
        .get(app.url(&format!(
            "/api/v1/party-organizations/{branch}/calendar.ics?token={admin_token}"
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    assert!(
        ics.contains("SEQUENCE:2"),
        "held and cancelled meetings moved on a version: {ics}"
    );

    // Revoked: 401 from then on.
    let id = made["id"].as_str().unwrap();
    let response = app
        .request_as(
            &member_token,
            Method::DELETE,
            &format!("/api/v1/me/calendar-tokens/{id}"),
        )
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = app
        .client
        .get(app.url(&format!("/api/v1/me/calendar.ics?token={token}")))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
    let list: Value = app
        .request_as(&member_token, Method::GET, "/api/v1/me/calendar-tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["items"][0]["revoked_at"].is_string());
    assert!(list["items"][0].get("token").is_none(), "shown only once");
    let response = app
        .client
        .get(app.url("/api/v1/me/calendar.ics?token=made-up"))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
}
