//! Health, readiness, metrics and the docs UI.
use serde_json::Value;

use crate::helpers::TestApp;

crate::on_both_databases!(
    health_readiness_and_metrics,
    docs_are_served_from_the_binary
);

async fn health_readiness_and_metrics(app: TestApp) {
    let health: Value = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    app.get("/api/v1/organizations").await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("liangxin_http_requests_total{")
                && l.contains("endpoint=\"/api/v1/organizations\"")
                && l.contains("status=\"200\"")),
        "{text}"
    );
    assert!(text.contains("liangxin_http_request_duration_seconds_bucket"));
    // The process, the pools and the app's own counters (the test logged in once).
    for series in [
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
        "liangxin_db_pool_connections{pool=\"read\",state=\"idle\"}",
        "liangxin_db_pool_connections{pool=\"write\",state=\"in_use\"}",
        "liangxin_logins_total{outcome=\"success\"}",
    ] {
        assert!(text.contains(series), "{series}: {text}");
    }
    // Made-up methods and paths add no series: they share `other` and `unmatched`.
    let before = text.lines().count();
    for n in 0..20 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{n}").as_bytes()).unwrap();
        app.client
            .request(method, app.url(&format!("/no/such/path/{n}")))
            .send()
            .await
            .unwrap();
    }
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("MADEUP") && !text.contains("/no/such"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("liangxin_http_requests_total{")
                && l.contains("endpoint=\"unmatched\"")
                && l.contains("method=\"other\"")),
        "{text}"
    );
    // Two new series (this scrape's own, and unmatched/other/404: 15 lines each with the
    // histogram), not one per made-up method or path (300 lines).
    assert!(
        text.lines().count() <= before + 30,
        "{before} → {}",
        text.lines().count()
    );
}

async fn docs_are_served_from_the_binary(app: TestApp) {
    let redirect = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/docs/");
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://"), "no asset comes from a CDN");
    let script = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
}

/// `liangxin healthcheck` (the container's HEALTHCHECK) exits 0 while the server at
/// `LIANGXIN_BIND` answers `/healthz`, 1 when nothing listens there; `0.0.0.0` is asked on
/// loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_healthcheck_subcommand_asks_the_bound_server() {
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    let check = |bind: String| async move {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_liangxin"))
                .arg("healthcheck")
                .env("LIANGXIN_BIND", bind)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(check(format!("127.0.0.1:{port}")).await.status.success());
    assert!(check(format!("0.0.0.0:{port}")).await.status.success());
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = free.local_addr().unwrap().port();
    drop(free);
    let down = check(format!("127.0.0.1:{closed}")).await;
    assert_eq!(down.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&down.stderr).contains("unhealthy"));
}

/// With `LIANGXIN_METRICS_BIND` the metrics live on their own address (an internal port) and
/// the API's port answers 404 for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_metrics_can_have_an_address_of_their_own() {
    let mut config = crate::helpers::config_for(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    config.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    let app = crate::helpers::spawn_with_config(config).await;
    let port = app.metrics_port.expect("a metrics server");
    let text = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("liangxin_logins_total"), "{text}");
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
}
