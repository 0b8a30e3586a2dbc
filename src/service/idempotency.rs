//! `Idempotency-Key` records, kept in the database so that every instance sees them.
//!
//! The first request with a key inserts a row (the primary key decides races); when it finishes
//! its response is stored in the row. A later request with the same key and body replays that
//! response; with another body it is refused; while the first is still running it gets 409.
use chrono::{Duration, Utc};
use entity::idempotency_key::{self, Entity as IdempotencyKey};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};

use crate::db::Db;
use crate::error::ApiError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

#[derive(Clone, Debug)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

pub enum Claim {
    /// This request owns the key and must `finish` or `release` it.
    Owned,
    /// A finished request with the same key and body: replay its response.
    Replay(StoredResponse),
}

pub async fn claim(
    db: &Db,
    caller: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claim, ApiError> {
    for _ in 0..2 {
        let row = idempotency_key::ActiveModel {
            caller: Set(caller.to_owned()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            response_status: Set(None),
            response_body: Set(None),
            response_location: Set(None),
            created_at: Set(Utc::now()),
        };
        match row.insert(&db.write).await {
            Ok(_) => return Ok(Claim::Owned),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(existing) = IdempotencyKey::find_by_id((caller.to_owned(), key.to_owned()))
            .one(&db.write)
            .await?
        else {
            continue; // released between our insert and read: try again
        };
        if existing.created_at < Utc::now() - Duration::hours(RETENTION_HOURS) {
            IdempotencyKey::delete_many()
                .filter(idempotency_key::Column::Caller.eq(caller))
                .filter(idempotency_key::Column::Key.eq(key))
                .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
                .exec(&db.write)
                .await?;
            continue;
        }
        if existing.request_hash != request_hash {
            return Err(ApiError::IdempotencyMismatch);
        }
        return match (existing.response_status, existing.response_body) {
            (Some(status), Some(body)) => Ok(Claim::Replay(StoredResponse {
                status: status as u16,
                body,
                location: existing.response_location,
            })),
            _ => Err(ApiError::conflict(
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still being processed; retry later.",
            )),
        };
    }
    Err(ApiError::conflict(
        "idempotency_in_progress",
        "A request with this Idempotency-Key is being processed; retry later.",
    ))
}

pub async fn finish(
    db: &Db,
    caller: &str,
    key: &str,
    response: &StoredResponse,
) -> Result<(), ApiError> {
    IdempotencyKey::update_many()
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            Expr::value(response.status as i32),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            Expr::value(response.body.clone()),
        )
        .col_expr(
            idempotency_key::Column::ResponseLocation,
            Expr::value(response.location.clone()),
        )
        .filter(idempotency_key::Column::Caller.eq(caller))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Forgets a key whose request failed, so that the client may retry with it.
pub async fn release(db: &Db, caller: &str, key: &str) -> Result<(), ApiError> {
    IdempotencyKey::delete_many()
        .filter(idempotency_key::Column::Caller.eq(caller))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Forgets keys older than the retention period.
pub async fn purge_expired(db: &Db) -> Result<u64, ApiError> {
    let result = IdempotencyKey::delete_many()
        .filter(
            idempotency_key::Column::CreatedAt.lt(Utc::now() - Duration::hours(RETENTION_HOURS)),
        )
        .exec(&db.write)
        .await?;
    Ok(result.rows_affected)
}
