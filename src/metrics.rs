//! Request metrics for Prometheus: a counter and a latency histogram labelled by route
//! *pattern*, method and status. Every label takes a bounded set of values — the routes the
//! server declares (`unmatched` for any other path), seven methods (`other` for any other), and
//! the status codes — so no client can mint new series.
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, web};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

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
            HistogramOpts::new("http_requests_duration_seconds", "HTTP request latency.")
                .namespace("liangxin"),
            &LABELS,
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(durations.clone()))?;
        Ok(HttpMetrics {
            registry,
            requests,
            durations,
        })
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
