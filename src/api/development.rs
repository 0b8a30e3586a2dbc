//! `/api/v1/members/{id}/development`: a member's way to membership, step by step (the rules
//! are in `domain::development`).
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::BASE_PATH;
use super::extract::{
    Authorized, IdempotencyKey, JsonBody, NoQuery, from_json_value, refuse_unknown_fields,
    validation_errors,
};
use super::respond::{Created, create_idempotently};
use crate::domain::development::{DevelopmentStep, NextStep, StepWarning};
use crate::domain::member::{MemberStatus, Stage};
use crate::error::{ApiError, Problem};
use crate::service::members::{self as service, RecordedStep};
use crate::state::AppState;

const TAG: &str = "members";

/// One recorded step of a member's development.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevelopmentRecord {
    pub id: Uuid,
    #[schema(example = "application")]
    pub step: String,
    pub date: NaiveDate,
    /// The step as it was recorded.
    pub details: DevelopmentStep,
    /// Who recorded it (`user:<id>` or `client:<id>`).
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl From<RecordedStep> for DevelopmentRecord {
    fn from(r: RecordedStep) -> Self {
        DevelopmentRecord {
            id: r.id,
            step: r.step.name().to_owned(),
            date: r.step.date(),
            details: r.step,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

/// A member's development: the steps taken, oldest first, and the steps allowed next.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDevelopment {
    pub member_id: Uuid,
    pub stage: Stage,
    pub status: MemberStatus,
    pub probation_ends_on: Option<NaiveDate>,
    pub steps: Vec<DevelopmentRecord>,
    /// Each allowed next step with its earliest date, when it is due, and what it still needs.
    pub next: Vec<NextStep>,
}

/// A step accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepRecorded {
    pub step: DevelopmentRecord,
    /// The member's stage after the step.
    pub stage: Stage,
    pub status: MemberStatus,
    pub probation_ends_on: Option<NaiveDate>,
    /// Irregularities that did not stop the step (a talk later than a month after the
    /// application).
    pub warnings: Vec<StepWarning>,
}

/// Get a member's development
///
/// The pipeline steps taken and `next`: what may be recorded next, from when, and what it needs.
#[utoipa::path(
    operation_id = "getMemberDevelopment",
    tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id.")),
    responses((status = 200, description = "The member's development.", body = MemberDevelopment)),
)]
#[get("/members/{id}/development")]
pub async fn get(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let development = service::development(&state.db, &access, *id).await?;
    let (stage, status) = (development.member.stage, development.member.status);
    Ok(HttpResponse::Ok().json(MemberDevelopment {
        member_id: development.member.id,
        stage,
        status,
        probation_ends_on: development.member.probation_ends_on,
        steps: development.steps.into_iter().map(Into::into).collect(),
        next: development.next,
    }))
}

fn parse_step(body: &serde_json::Value) -> Result<DevelopmentStep, ApiError> {
    let step: DevelopmentStep = from_json_value(body.clone()).map_err(|e| match e {
        ApiError::BadRequest { detail, errors } => ApiError::Validation(if errors.is_empty() {
            vec![crate::error::FieldError::new("body", "format", detail)]
        } else {
            errors
        }),
        other => other,
    })?;
    refuse_unknown_fields(body, &step)?;
    step.validate_fields()
        .map_err(|e| ApiError::Validation(validation_errors(&e)))?;
    Ok(step)
}

/// Record a development step
///
/// Appends a dated step. Out of order or too soon is a 409 whose `code` names the rule
/// (`under_18`, `min_activist_period`, `min_training`, `public_notice_period`,
/// `public_notice_not_over`, `vote_majority`, `probation_not_over`, `extension_already_used`,
/// …) and whose detail gives the dates involved; a step dated after today is a 422. The
/// member's stage changes in the same transaction.
#[utoipa::path(
    operation_id = "recordDevelopmentStep",
    tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."), IdempotencyKey),
    request_body(content = DevelopmentStep, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded.", body = StepRecorded,
         headers(("Location" = String, description = "The member's development."))),
        (status = 409, description = "The step breaks a rule of the pipeline; `code` names it.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/members/{id}/development")]
pub async fn record_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let step = parse_step(&body.0)?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let (recorded, member, effect) = service::record_step(
            txn,
            &caller,
            *id,
            step,
            state.today(),
            state.config.utc_offset,
        )
        .await?;
        let (stage, status) = (member.stage, member.status);
        let response = StepRecorded {
            step: recorded.into(),
            stage,
            status,
            probation_ends_on: member.probation_ends_on,
            warnings: effect.warnings,
        };
        Created::new(format!("{BASE_PATH}/members/{id}/development"), &response)
    })
    .await
}
