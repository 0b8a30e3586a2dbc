//! `/api/v1/members/{id}/transfers`: moving a member's relation between party organizations,
//! out of the register and back in.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::BASE_PATH;
use super::extract::{
    Authorized, IdempotencyKey, JsonBody, NoQuery, from_json_value, refuse_unknown_fields,
    validation_errors,
};
use super::respond::{Created, create_idempotently};
use crate::domain::member::TransferKind;
use crate::error::{ApiError, Problem};
use crate::service::members::{self as service, Transfer, TransferRequest};
use crate::state::AppState;

const TAG: &str = "members";

/// A transfer of a member's relation.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferInput {
    /// To another party organization in the register.
    Internal(InternalTransfer),
    /// Out of the register: the member's status becomes `transferred_out`.
    Out(OutgoingTransfer),
    /// Back into the register, for a member who was transferred out.
    In(IncomingTransfer),
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct InternalTransfer {
    pub to_party_organization_id: Uuid,
    pub date: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct OutgoingTransfer {
    /// The receiving party organization, in words.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub destination: String,
    pub date: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, Validate)]
pub struct IncomingTransfer {
    pub to_party_organization_id: Uuid,
    /// The sending party organization, in words.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub origin: String,
    pub date: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    #[serde(default)]
    pub reason: Option<String>,
}

impl TransferInput {
    fn into_request(self) -> Result<TransferRequest, ApiError> {
        let invalid = |e: validator::ValidationErrors| ApiError::Validation(validation_errors(&e));
        Ok(match self {
            TransferInput::Internal(t) => {
                t.validate().map_err(invalid)?;
                TransferRequest {
                    transfer: Transfer::Internal {
                        to: t.to_party_organization_id,
                    },
                    date: t.date,
                    reason: t.reason,
                }
            }
            TransferInput::Out(t) => {
                t.validate().map_err(invalid)?;
                TransferRequest {
                    transfer: Transfer::Out {
                        destination: t.destination,
                    },
                    date: t.date,
                    reason: t.reason,
                }
            }
            TransferInput::In(t) => {
                t.validate().map_err(invalid)?;
                TransferRequest {
                    transfer: Transfer::In {
                        to: t.to_party_organization_id,
                        origin: t.origin,
                    },
                    date: t.date,
                    reason: t.reason,
                }
            }
        })
    }
}

/// A transfer in a member's history.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e51",
    "member_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e31",
    "kind": "internal",
    "from_party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e21",
    "to_party_organization_id": "019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e22",
    "counterpart": null,
    "date": "2026-11-20",
    "reason": "changed employer",
    "recorded_by": "user:019ac8e2-6a40-7c3e-9a51-3f0c2b7d8e01",
    "recorded_at": "2026-11-28T03:30:00Z"
}))]
pub struct TransferRecord {
    pub id: Uuid,
    pub member_id: Uuid,
    /// `internal`, `out` or `in`.
    #[schema(value_type = String)]
    pub kind: TransferKind,
    pub from_party_organization_id: Option<Uuid>,
    pub to_party_organization_id: Option<Uuid>,
    /// Where the member went (`out`) or came from (`in`), in words.
    pub counterpart: Option<String>,
    pub date: NaiveDate,
    pub reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

impl From<entity::member_transfer::Model> for TransferRecord {
    fn from(t: entity::member_transfer::Model) -> Self {
        TransferRecord {
            id: t.id,
            member_id: t.member_id,
            kind: t.kind,
            from_party_organization_id: t.from_party_organization_id,
            to_party_organization_id: t.to_party_organization_id,
            counterpart: t.counterpart,
            date: t.transferred_on,
            reason: t.reason,
            recorded_by: t.recorded_by,
            recorded_at: t.created_at,
        }
    }
}

/// A member's transfers, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferHistory {
    pub items: Vec<TransferRecord>,
}

/// List a member's transfers
///
/// Every transfer of the member's organizational relation, oldest first.
#[utoipa::path(
    operation_id = "listMemberTransfers",
    tag = TAG,
    security(("oauth2" = ["members:read"])),
    params(("id" = Uuid, Path, description = "The member's id.")),
    responses((status = 200, description = "The member's transfers, oldest first.", body = TransferHistory)),
)]
#[get("/members/{id}/transfers")]
pub async fn list(
    state: web::Data<AppState>,
    Authorized { access, .. }: Authorized,
    id: web::Path<Uuid>,
    _query: NoQuery,
) -> Result<HttpResponse, ApiError> {
    let items = service::transfers(&state.db, &access, *id).await?;
    Ok(HttpResponse::Ok().json(TransferHistory {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

/// Transfer a member
///
/// Moves the member's relation to another party organization (`internal`), out of the register
/// (`out`), or back in (`in`), in one transaction: the member is held by exactly one party
/// organization throughout, and the move joins their history.
#[utoipa::path(
    operation_id = "transferMember",
    tag = TAG,
    security(("oauth2" = ["members:write"])),
    params(("id" = Uuid, Path, description = "The member's id."), IdempotencyKey),
    request_body(content = TransferInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Transferred.", body = TransferRecord,
         headers(("Location" = String, description = "The member's transfers."))),
        (status = 409, description = "The member's status does not allow this transfer.", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/members/{id}/transfers")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    Authorized { principal, access }: Authorized,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    _query: NoQuery,
    body: JsonBody,
) -> Result<HttpResponse, ApiError> {
    let caller = super::caller(&req, &principal, access);
    let input = from_json_value::<TransferInput>(body.0.clone())?;
    refuse_unknown_fields(&body.0, &input)?;
    let request = input.into_request()?;
    create_idempotently(&state, &principal, key, &req, &body.0, async |txn| {
        let (record, _) = service::transfer(txn, &caller, *id, request, state.today()).await?;
        Created::new(
            format!("{BASE_PATH}/members/{id}/transfers"),
            &TransferRecord::from(record),
        )
    })
    .await
}
