//! Operations endpoints: liveness, readiness and Prometheus metrics.
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::NoQuery;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Liveness
///
/// The process is up and serving.
#[utoipa::path(
    operation_id = "healthz",
    tag = "operations",
    security(()),
    responses((status = 200, description = "Up.", body = Health)),
)]
#[get("/healthz")]
pub async fn healthz(_query: NoQuery) -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness
///
/// The database answers.
#[utoipa::path(
    operation_id = "readyz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve.", body = Health),
        (status = 503, description = "The database is unreachable.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>, _query: NoQuery) -> Result<HttpResponse, ApiError> {
    state
        .db
        .ping()
        .await
        .map_err(|_| ApiError::Unavailable("The database does not answer.".into()))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}

/// Metrics
///
/// Prometheus text format: request counts and a latency histogram by route, method and status
/// (`liangxin_http_request_duration_seconds`), the process (CPU, memory, open files), the
/// database pools, and counters of logins, imported rows, idempotent replays, audit and event
/// rows and webhook deliveries. With `LIANGXIN_METRICS_BIND` set they are served on that address
/// only, and this path is a 404.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus exposition text.", body = String, content_type = "text/plain; version=0.0.4")),
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    http_metrics: web::Data<crate::metrics::HttpMetrics>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    if state.config.metrics_bind.is_some() {
        return Err(ApiError::NotFound);
    }
    metrics_text(state, http_metrics).await
}

/// The metrics as Prometheus text (also what the `LIANGXIN_METRICS_BIND` server answers).
pub async fn metrics_text(
    state: web::Data<AppState>,
    http_metrics: web::Data<crate::metrics::HttpMetrics>,
) -> Result<HttpResponse, ApiError> {
    let buffer = http_metrics
        .render(&state.db)
        .map_err(|e| ApiError::Internal(format!("encoding metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(buffer))
}
