//! Abuse a client can attempt without special rights: reports that multiply their input,
//! uploads that never finish, bodies that never arrive.
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, TestApp, config_for, organization_body, spawn_with_config};

crate::on_both_databases!(an_import_report_is_bounded_whatever_the_input,);

/// 1,500 junk rows: every one is counted, by error code too, but only the first 1,000 are listed
/// in full.
async fn an_import_report_is_bounded_whatever_the_input(app: TestApp) {
    let mut csv =
        String::from("name,gender,birth_date,id_number,party_organization_id,stage,is_mobile\n");
    for n in 0..1500 {
        csv.push_str(&format!("x{n},?,?,?,?,?,?\n"));
    }
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/imports/members?dry_run=true&mode=valid_rows",
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"], 1500);
    assert_eq!(report["rejected"], 1500);
    assert_eq!(report["truncated"], true);
    assert_eq!(report["report"].as_array().unwrap().len(), 1000);
    assert_eq!(report["report"][999]["row"], 1001);
    let counted: u64 = report["errors_by_code"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    let listed = report["report"][0]["errors"].as_array().unwrap().len() as u64;
    assert_eq!(counted, listed * 1500, "every row has the same errors");
}

/// A request head and the first bytes of a body of `length`, then silence.
async fn stall(
    app: &TestApp,
    path: &str,
    content_type: &str,
    length: usize,
) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\nname,",
        app.token
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// What the server answers on a stalled connection: its status line.
async fn status_line(stream: &mut tokio::net::TcpStream) -> String {
    let mut buffer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buffer))
        .await
        .expect("the server answers a stalled body")
        .unwrap();
    String::from_utf8_lossy(&buffer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// While an import's body stalls, every other write goes through (it holds no transaction and
/// no connection of the write pool); after `LIANGXIN_BODY_TIMEOUT_SECS` it is answered 408, as
/// is a JSON body that never completes.
async fn stalled_uploads_block_nothing_and_time_out(backend: Backend) {
    let Some(mut config) = config_for(backend).await else {
        return;
    };
    config.body_timeout = Duration::from_secs(2);
    let app = spawn_with_config(config).await;
    let mut uploads = Vec::new();
    for _ in 0..4 {
        uploads.push(stall(&app, "/api/v1/imports/members", "text/csv", 1 << 20).await);
    }
    let mut json = stall(&app, "/api/v1/organizations", "application/json", 4096).await;
    // Writes and logins go on meanwhile (on SQLite the write pool has one connection).
    for n in 1..=3 {
        app.create_organization(&organization_body(n)).await;
    }
    for upload in &mut uploads {
        assert!(status_line(upload).await.contains(" 408 "));
    }
    assert!(status_line(&mut json).await.contains(" 408 "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stalled_uploads_block_nothing_and_time_out() {
    stalled_uploads_block_nothing_and_time_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stalled_uploads_block_nothing_and_time_out() {
    stalled_uploads_block_nothing_and_time_out(Backend::Postgres).await;
}

/// Each caller has a bucket: past the burst, 429 with `Retry-After` and the IETF headers, while
/// another caller goes on; anonymous calls count against their address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_each_caller_is_rate_limited_on_their_own() {
    let mut config = config_for(Backend::Sqlite).await.unwrap();
    config.rate_limit_per_minute = 12; // bursts of 3
    let app = spawn_with_config(config).await;
    // The admin's login in spawn_with_config was anonymous: it counted against the address.
    let statuses: Vec<u16> =
        futures::future::join_all((0..4).map(|_| async { app.get("/api/v1/organizations").await }))
            .await
            .into_iter()
            .map(|r| {
                assert!(r.headers().contains_key("ratelimit"));
                assert_eq!(r.headers()["ratelimit-policy"], "\"per-client\";q=12;w=60");
                r.status().as_u16()
            })
            .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        3,
        "{statuses:?}"
    );
    let refused = app.get("/api/v1/organizations").await;
    assert_eq!(refused.status(), 429);
    assert!(
        refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    assert!(
        refused.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .contains("r=0")
    );
    // Anonymous calls from this address have their own bucket (two left after the login).
    let anonymous = app
        .client
        .get(app.url("/api/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// A raw connection that asks for `/healthz` and keeps the connection; the head of the answer.
async fn keep_open(app: &TestApp) -> (tokio::net::TcpStream, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buffer = vec![0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
        .await
        .expect("the server answers")
        .unwrap();
    (stream, String::from_utf8_lossy(&buffer[..n]).into_owned())
}

/// One address holds at most `LIANGXIN_MAX_CONNECTIONS_PER_CLIENT` connections: the next is
/// answered 429 and closed; a slot comes back when a connection closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_connections_over_the_per_client_cap_are_refused_and_closed() {
    let mut config = config_for(Backend::Sqlite).await.unwrap();
    config.max_connections_per_client = 3;
    let app = spawn_with_config(config).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(keep_open(&app).await);
    }
    // The harness's own client may hold one more connection: the first is always within the
    // cap, the fourth always over it.
    assert!(open[0].1.starts_with("HTTP/1.1 200"), "{}", open[0].1);
    let (mut refused, head) = open.pop().unwrap();
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("connection: close"),
        "{head}"
    );
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), refused.read_to_end(&mut rest))
        .await
        .expect("the server closes the refused connection");
    assert!(closed.is_ok());
    // Closing the others gives their slots back.
    drop(open);
    let mut answered = String::new();
    for _ in 0..100 {
        answered = keep_open(&app).await.1;
        if answered.starts_with("HTTP/1.1 200") {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}

/// Behind a trusted proxy the client is the address it forwarded for (the right-most one it did
/// not add itself); from anyone else `X-Forwarded-For` is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_forwarded_addresses_count_only_from_trusted_proxies() {
    for (trusted, expected) in [(true, "198.51.100.7"), (false, "127.0.0.1")] {
        let mut config = config_for(Backend::Sqlite).await.unwrap();
        if trusted {
            config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        }
        let app = spawn_with_config(config).await;
        let response = app
            .request(reqwest::Method::POST, "/api/v1/organizations")
            .header("x-forwarded-for", "6.6.6.6, 198.51.100.7")
            .json(&organization_body(1))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let events: Value = app
            .get("/api/v1/audit-events?resource_type=organization")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(events["items"][0]["client_address"], expected, "{events}");
    }
}
