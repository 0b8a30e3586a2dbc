//! Metrics for Prometheus: a counter and a latency histogram of requests labelled by route
//! *pattern*, method and status; the process (CPU, memory, open files); the database pools; and
//! counters of logins by outcome, imported rows, idempotent replays, audit and event rows and
//! webhook deliveries. Every label takes a bounded set of values — the routes the server
//! declares (`unmatched` for any other path), seven methods (`other` for any other), the status
//! codes and fixed outcome names — so no client can mint new series.
use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
};

fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::with_opts(Opts::new(name, help).namespace("liangxin")).expect("a valid counter")
}

fn counter_vec(name: &str, help: &str, label: &str) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help).namespace("liangxin"), &[label])
        .expect("a valid counter")
}

/// Password and client-credential logins by outcome: `success`, `failure`, `throttled`.
pub static LOGINS: LazyLock<IntCounterVec> =
    LazyLock::new(|| counter_vec("logins_total", "Logins by outcome.", "outcome"));
/// Rows of CSV imports by outcome: `accepted`, `rejected`.
pub static IMPORTED_ROWS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "import_rows_total",
        "Rows of CSV imports by outcome.",
        "outcome",
    )
});
/// Requests answered from a stored `Idempotency-Key` answer.
pub static IDEMPOTENT_REPLAYS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "idempotent_replays_total",
        "Requests answered by replaying an Idempotency-Key.",
    )
});
/// Audit records written (in the write's transaction; a rolled-back write's count too).
pub static AUDIT_ROWS: LazyLock<IntCounter> =
    LazyLock::new(|| counter("audit_rows_total", "Audit records written."));
/// Feed events written (in the write's transaction).
pub static EVENT_ROWS: LazyLock<IntCounter> =
    LazyLock::new(|| counter("event_rows_total", "Event feed rows written."));
/// Webhook delivery attempts by outcome: `delivered`, `retrying`, `failed`.
pub static WEBHOOK_DELIVERIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    counter_vec(
        "webhook_deliveries_total",
        "Webhook delivery attempts by outcome.",
        "outcome",
    )
});
/// Connections of the database pools, by pool (`read`, `write`) and state (`idle`, `in_use`),
/// read at each scrape.
pub static POOL_CONNECTIONS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    IntGaugeVec::new(
        Opts::new("db_pool_connections", "Database pool connections.").namespace("liangxin"),
        &["pool", "state"],
    )
    .expect("a valid gauge")
});

/// The request metrics and the registry `/metrics` exposes.
#[derive(Clone)]
pub struct HttpMetrics {
    pub registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
}

const LABELS: [&str; 3] = ["endpoint", "method", "status"];

impl HttpMetrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served.").namespace("liangxin"),
            &LABELS,
        )?;
        let durations = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency.")
                .namespace("liangxin"),
            &LABELS,
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        registry.register(Box::new(LOGINS.clone()))?;
        registry.register(Box::new(IMPORTED_ROWS.clone()))?;
        registry.register(Box::new(IDEMPOTENT_REPLAYS.clone()))?;
        registry.register(Box::new(AUDIT_ROWS.clone()))?;
        registry.register(Box::new(EVENT_ROWS.clone()))?;
        registry.register(Box::new(WEBHOOK_DELIVERIES.clone()))?;
        registry.register(Box::new(POOL_CONNECTIONS.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(HttpMetrics {
            registry,
            requests,
            durations,
        })
    }

    /// The exposition text, with the pools' gauges read now.
    pub fn render(&self, db: &crate::db::Db) -> Result<Vec<u8>, prometheus::Error> {
        for (pool, open, idle) in db.pool_sizes() {
            let idle = i64::try_from(idle).unwrap_or(i64::MAX);
            POOL_CONNECTIONS
                .with_label_values(&[pool, "idle"])
                .set(idle);
            POOL_CONNECTIONS
                .with_label_values(&[pool, "in_use"])
                .set(i64::from(open) - idle);
        }
        let mut buffer = Vec::new();
        prometheus::Encoder::encode(
            &prometheus::TextEncoder::new(),
            &self.registry.gather(),
            &mut buffer,
        )?;
        Ok(buffer)
    }

    fn observe(&self, endpoint: &str, method: &Method, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [endpoint, method_label(method), status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.durations.with_label_values(&labels).observe(seconds);
    }
}

/// The method as a label: the seven the API can answer, `other` for anything a client made up.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: counts and times every request under its route pattern.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let endpoint = response.request().match_pattern();
        metrics.observe(
            endpoint.as_deref().unwrap_or("unmatched"),
            &method,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_share_one_label() {
        let made_up = Method::from_bytes(b"FROBNICATE").unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
    }
}
