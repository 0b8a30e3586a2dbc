//! Operations endpoints: liveness, readiness and Prometheus metrics.
use actix_web::{HttpResponse, get, web};
use prometheus::{Encoder, TextEncoder};
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
/// Prometheus text format: request counts and a latency histogram by route, method and status.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus exposition text.", body = String, content_type = "text/plain; version=0.0.4")),
)]
#[get("/metrics")]
pub async fn metrics(
    metrics: web::Data<crate::metrics::HttpMetrics>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut buffer)
        .map_err(|e| ApiError::Internal(format!("encoding metrics: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(buffer))
}
