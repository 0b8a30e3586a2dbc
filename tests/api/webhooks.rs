//! Webhooks: every event reaches a receiver signed and in feed order, across a restart in the
//! middle of retries and with two instances sending; a webhook that keeps failing is marked
//! `failing` and comes back on a retry; targets on internal addresses are refused; pings.
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::helpers::{TestApp, organization_body, problem, spawn_with_config, test_config};

crate::on_both_databases!(
    a_receiver_gets_every_event_signed_in_order_across_a_restart,
    a_webhook_that_keeps_failing_is_marked_failing_and_a_retry_brings_it_back,
    targets_on_internal_addresses_and_unreadable_types_are_refused,
    a_ping_is_signed_and_answered_with_what_the_receiver_said,
    an_api_client_sees_its_own_webhooks_and_events_of_its_region_only,
);

/// One request a receiver got, and what it answered.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Plan {
    /// Statuses to answer first, in order; then `otherwise`.
    first: VecDeque<u16>,
    otherwise: u16,
}

/// A webhook receiver on 127.0.0.1 that answers as planned and reports every request.
struct Receiver {
    url: String,
    plan: Arc<Mutex<Plan>>,
    arrivals: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    async fn start() -> Receiver {
        let plan = Arc::new(Mutex::new(Plan {
            first: VecDeque::new(),
            otherwise: 204,
        }));
        let (tx, arrivals) = mpsc::unbounded_channel();
        let (shared_plan, shared_tx) = (plan.clone(), tx.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let (plan, tx) = (shared_plan.clone(), shared_tx.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (plan, tx) = (plan.clone(), tx.clone());
                async move {
                    let answered = {
                        let mut plan = plan.lock().unwrap();
                        let otherwise = plan.otherwise;
                        plan.first.pop_front().unwrap_or(otherwise)
                    };
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                        .collect();
                    let _ = tx.send(Received {
                        headers,
                        body: String::from_utf8(body.to_vec()).unwrap(),
                        answered,
                    });
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap())
                        .finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            plan,
            arrivals,
        }
    }

    fn answer_first(&self, statuses: &[u16]) {
        self.plan.lock().unwrap().first.extend(statuses);
    }

    fn answer(&self, status: u16) {
        self.plan.lock().unwrap().otherwise = status;
    }

    /// The next request, within 30 s.
    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(30), self.arrivals.recv())
            .await
            .expect("a delivery arrives within 30 s")
            .unwrap()
    }

    /// Requests until `delivered` of them were answered 2xx.
    async fn until_delivered(&mut self, delivered: usize) -> Vec<Received> {
        let mut seen = Vec::new();
        while seen.iter().filter(|r: &&Received| r.answered < 300).count() < delivered {
            seen.push(self.next().await);
        }
        seen
    }
}

/// The receiver's side of the signature: `sha256=` hex HMAC-SHA256(secret, timestamp "." body).
fn verify(secret: &str, received: &Received) {
    let timestamp = received.header("liangxin-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        received.header("liangxin-signature"),
        format!("sha256={expected}")
    );
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "the timestamp is fresh");
}

async fn register(app: &TestApp, body: Value) -> Value {
    let response = app.post_json("/api/v1/webhooks", &body).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn read(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Polls `path` until `done` holds of it (a state reached, not an order: there is nothing to
/// wait on from outside but the state itself), for at most 30 s.
async fn eventually(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let value = read(app, path).await;
        if done(&value) {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path} never got there: {value}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_receiver_gets_every_event_signed_in_order_across_a_restart(first: TestApp) {
    let mut receiver = Receiver::start().await;
    // The first three attempts fail; the server restarts after the first.
    receiver.answer_first(&[503, 503, 500]);
    // On PostgreSQL a second instance sends too: the two never send a delivery at once.
    let other = match first.database_url.starts_with("postgres") {
        true => Some(spawn_with_config(test_config(first.database_url.clone())).await),
        false => None,
    };
    let hook = register(
        &first,
        json!({"url": receiver.url, "event_types": ["party_organization", "member"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert!(hook.get("secret").is_some());
    let shown = read(
        &first,
        &format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()),
    )
    .await;
    assert!(shown.get("secret").is_none(), "the secret is shown once");

    // Not a type of the webhook: no delivery.
    first.create_organization(&organization_body(1)).await;
    let branch = first.party_organization("支部", "branch", None).await;
    for n in 1..=3 {
        first.member(&branch, n, json!({})).await;
    }
    let failed = receiver.next().await;
    assert_eq!(failed.answered, 503);
    first.server.stop(true).await;
    let restarted = spawn_with_config(test_config(first.database_url.clone())).await;
    let last = restarted.member(&branch, 4, json!({})).await;

    let received = receiver.until_delivered(5).await;
    let all: Vec<Received> = std::iter::once(failed).chain(received).collect();
    for request in &all {
        verify(&secret, request);
        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(request.header("liangxin-event"), "event");
    }
    // Each attempt of a delivery is numbered once: never the same delivery and attempt twice.
    let attempts: HashSet<(String, String)> = all
        .iter()
        .map(|r| {
            (
                r.header("liangxin-delivery").to_owned(),
                r.header("liangxin-attempt").to_owned(),
            )
        })
        .collect();
    assert_eq!(attempts.len(), all.len());
    // Delivered in feed order: the feed's party-organization and member events, each once.
    let feed = read(
        &restarted,
        "/api/v1/events?types=party_organization,member&limit=100",
    )
    .await;
    let expected: Vec<i64> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let delivered: Vec<&Received> = all.iter().filter(|r| r.answered < 300).collect();
    let seqs: Vec<i64> = delivered
        .iter()
        .map(|r| r.header("liangxin-event-seq").parse().unwrap())
        .collect();
    assert_eq!(seqs, expected);
    for request in &delivered {
        assert_eq!(
            request.event()["seq"].as_i64().unwrap().to_string(),
            request.header("liangxin-event-seq")
        );
    }
    // The event shows the resource as the owner's GET does.
    let newest = delivered.last().unwrap().event();
    assert_eq!(newest["resource_id"], last.as_str());
    assert_eq!(newest["action"], "create");
    let member = read(&restarted, &format!("/api/v1/members/{last}")).await;
    assert_eq!(newest["representation"], member);
    // The first delivery took four attempts, the last answered 204.
    let deliveries = read(
        &restarted,
        &format!(
            "/api/v1/webhooks/{}/deliveries",
            hook["id"].as_str().unwrap()
        ),
    )
    .await;
    let items = deliveries["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert!(items.iter().all(|d| d["status"] == "delivered"));
    assert_eq!(items[0]["attempts"], 4);
    assert_eq!(items[0]["last_status_code"], 204);
    assert_eq!(items[0]["seq"].as_i64(), expected.first().copied());
    drop(other);
}

async fn a_webhook_that_keeps_failing_is_marked_failing_and_a_retry_brings_it_back(app: TestApp) {
    // This server gives up after 300 ms of retries (24 hours by default).
    app.server.stop(true).await;
    let mut config = test_config(app.database_url.clone());
    config.webhook_give_up_after = Duration::from_millis(300);
    let app = spawn_with_config(config).await;
    let mut receiver = Receiver::start().await;
    receiver.answer(500);
    let hook = register(
        &app,
        json!({"url": receiver.url, "event_types": ["organization"]}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    app.create_organization(&organization_body(1)).await;
    let failing = eventually(&app, &format!("/api/v1/webhooks/{id}"), |w| {
        w["status"] == "failing"
    })
    .await;
    assert!(
        failing["status_reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    let failed = read(
        &app,
        &format!("/api/v1/webhooks/{id}/deliveries?status=failed"),
    )
    .await;
    let failed = &failed["items"].as_array().unwrap()[0];
    assert!(failed["attempts"].as_i64().unwrap() >= 2);
    assert_eq!(failed["last_status_code"], 500);
    assert_eq!(failed["last_error"], "HTTP 500");
    // While failing, events are still queued (and not sent).
    app.create_organization(&organization_body(2)).await;
    let pending = read(
        &app,
        &format!("/api/v1/webhooks/{id}/deliveries?status=pending"),
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);

    receiver.answer(204);
    while receiver.arrivals.try_recv().is_ok() {}
    let response = app
        .request(
            Method::POST,
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/retry",
                failed["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let retried: Value = response.json().await.unwrap();
    assert_eq!(retried["status"], "pending");
    let delivered = receiver.until_delivered(2).await;
    let seqs: Vec<i64> = delivered
        .iter()
        .filter(|r| r.answered < 300)
        .map(|r| r.header("liangxin-event-seq").parse().unwrap())
        .collect();
    assert!(seqs[0] < seqs[1], "the retried one first, then the queued");
    let active = read(&app, &format!("/api/v1/webhooks/{id}")).await;
    assert_eq!(active["status"], "active");
    assert!(active["status_reason"].is_null());
    // A paused webhook queues nothing.
    let response = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"status": "paused"}),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    app.create_organization(&organization_body(3)).await;
    let all = read(&app, &format!("/api/v1/webhooks/{id}/deliveries")).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    // Nobody sets failing by hand.
    let response = app
        .patch_json(
            &format!("/api/v1/webhooks/{id}"),
            &json!({"status": "failing"}),
            None,
        )
        .await;
    let problem = problem(response, 422).await;
    assert_eq!(problem["errors"][0]["code"], "not_settable");
}

async fn targets_on_internal_addresses_and_unreadable_types_are_refused(app: TestApp) {
    // A server as deployed: private targets not allowed.
    let mut config = test_config(app.database_url.clone());
    config.webhook_allow_private = false;
    let guarded = spawn_with_config(config).await;
    for (url, code) in [
        ("https://127.0.0.1/hook", "private_address"),
        ("https://localhost/hook", "private_address"),
        ("https://10.0.0.8/hook", "private_address"),
        (
            "https://169.254.169.254/latest/meta-data",
            "private_address",
        ),
        ("https://[fd00:ec2::254]/", "private_address"),
        ("https://[::ffff:192.168.0.1]/", "private_address"),
        ("http://example.com/hook", "https_required"),
        ("https://user:pw@example.com/hook", "credentials_in_url"),
        ("https://no-such-host.invalid/hook", "unresolvable"),
    ] {
        let response = guarded
            .post_json("/api/v1/webhooks", &json!({"url": url}))
            .await;
        let problem = problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
        assert_eq!(problem["errors"][0]["code"], code, "{url}");
    }
    let list = read(&guarded, "/api/v1/webhooks").await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing was registered"
    );
    // Changing a registered webhook to an internal target is refused too.
    let hook = register(&app, json!({"url": "http://127.0.0.1:9/hook"})).await;
    let response = guarded
        .patch_json(
            &format!("/api/v1/webhooks/{}", hook["id"].as_str().unwrap()),
            &json!({"url": "https://192.168.1.1/"}),
            None,
        )
        .await;
    assert_eq!(
        problem(response, 422).await["errors"][0]["code"],
        "private_address"
    );
    // An API client may subscribe only to what it may read.
    let client: Value = app
        .post_json(
            "/api/v1/api-clients",
            &json!({"name": "镜像", "scopes": ["webhooks:write", "organizations:read"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = client_token(&app, &client).await;
    let response = app
        .request_as(&token, Method::POST, "/api/v1/webhooks")
        .json(&json!({"url": "http://127.0.0.1:9/hook", "event_types": ["member"]}))
        .send()
        .await
        .unwrap();
    let problem = problem(response, 422).await;
    assert_eq!(problem["errors"][0]["field"], "event_types");
    assert_eq!(problem["errors"][0]["code"], "not_permitted");
}

async fn client_token(app: &TestApp, client: &Value) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_ping_is_signed_and_answered_with_what_the_receiver_said(app: TestApp) {
    let mut receiver = Receiver::start().await;
    let hook = register(&app, json!({"url": receiver.url})).await;
    let id = hook["id"].as_str().unwrap();
    let ping = |app: &TestApp| {
        app.request(Method::POST, &format!("/api/v1/webhooks/{id}/ping"))
            .send()
    };
    let answer: Value = ping(&app).await.unwrap().json().await.unwrap();
    assert_eq!(answer["delivered"], true);
    assert_eq!(answer["status_code"], 204);
    let request = receiver.next().await;
    verify(hook["secret"].as_str().unwrap(), &request);
    assert_eq!(request.header("liangxin-event"), "ping");
    assert_eq!(request.event()["ping"], true);
    receiver.answer(418);
    let answer: Value = ping(&app).await.unwrap().json().await.unwrap();
    assert_eq!(answer["delivered"], false);
    assert_eq!(answer["status_code"], 418);
    assert_eq!(answer["error"], "HTTP 418");
    // Nothing was queued by the pings.
    let deliveries = read(&app, &format!("/api/v1/webhooks/{id}/deliveries")).await;
    assert!(deliveries["items"].as_array().unwrap().is_empty());
    // Deleted: gone, and nothing more is sent.
    let response = app
        .request(Method::DELETE, &format!("/api/v1/webhooks/{id}"))
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.get(&format!("/api/v1/webhooks/{id}")).await.status(),
        404
    );
}

async fn an_api_client_sees_its_own_webhooks_and_events_of_its_region_only(app: TestApp) {
    let mut receiver = Receiver::start().await;
    let client: Value = app
        .post_json(
            "/api/v1/api-clients",
            &json!({"name": "福州镜像", "scopes": ["webhooks:write", "organizations:read"], "region_code": "3501"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = client_token(&app, &client).await;
    let response = app
        .request_as(&token, Method::POST, "/api/v1/webhooks")
        .json(&json!({"url": receiver.url}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let hook: Value = response.json().await.unwrap();
    assert_eq!(hook["event_types"], json!(["organization"]));
    assert_eq!(hook["region_code"], "3501");
    assert_eq!(
        hook["owner"],
        format!("client:{}", client["client_id"].as_str().unwrap())
    );
    // The admin's own webhook is not the client's to see.
    let admins = register(
        &app,
        json!({"url": "http://127.0.0.1:9/hook", "status": "paused"}),
    )
    .await;
    let listed: Value = app
        .request_as(&token, Method::GET, "/api/v1/webhooks")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let response = app
        .request_as(
            &token,
            Method::GET,
            &format!("/api/v1/webhooks/{}", admins["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Outside the region: not delivered; inside: delivered, as the client's GET shows it.
    let beijing = app
        .create_organization(&crate::helpers::with(
            organization_body(1),
            json!({"region_code": "110105"}),
        ))
        .await;
    let fuzhou = app
        .create_organization(&crate::helpers::with(
            organization_body(2),
            json!({"region_code": "350102"}),
        ))
        .await;
    let request = receiver.until_delivered(1).await.pop().unwrap();
    let event = request.event();
    assert_eq!(event["resource_id"], fuzhou["id"]);
    assert_ne!(event["resource_id"], beijing["id"]);
    let seen: Value = app
        .request_as(
            &token,
            Method::GET,
            &format!("/api/v1/organizations/{}", fuzhou["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(event["representation"], seen);
    let deliveries: Value = app
        .request_as(
            &token,
            Method::GET,
            &format!(
                "/api/v1/webhooks/{}/deliveries",
                hook["id"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deliveries["items"].as_array().unwrap().len(), 1);
}
