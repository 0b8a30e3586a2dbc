//! Creation, at most once per `Idempotency-Key`: the key is claimed and completed in the create's
//! own transaction, so the key and the write commit together or not at all.
//!
//! A retry after a crash therefore finds either nothing (the write never committed: it is made
//! now, once) or the stored response (the write committed: it is replayed). A second request
//! with the same key while the first is running waits for the first's transaction (PostgreSQL
//! holds the key row's insert; SQLite has one writer) and then replays its response. No key is
//! ever left "in progress" by a crash or a restart.
use chrono::{Duration, Utc};
use entity::idempotency_key::{self, Entity as IdempotencyKey};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use crate::db::Db;
use crate::error::ApiError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// What a create answered: replayed as it was for a retry with the same key.
#[derive(Clone, Debug)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

/// A create's `Idempotency-Key`: whose it is, the key, and a fingerprint of the request.
pub struct Key<'a> {
    pub caller: &'a str,
    pub key: &'a str,
    pub request_hash: &'a str,
}

/// Runs `create` in a write transaction, at most once per key: the same key and request replay
/// the first response (`true` in the answer); another request with the key gets 422. Without a
/// key, `create` simply runs in its transaction. An error from `create` rolls everything back,
/// the key included, so the client may retry with it.
pub async fn create_once<F>(
    db: &Db,
    key: Option<Key<'_>>,
    create: F,
) -> Result<(StoredResponse, bool), ApiError>
where
    F: AsyncFnOnce(&DatabaseTransaction) -> Result<StoredResponse, ApiError>,
{
    let txn = super::begin_write(&db.write).await?;
    if let Some(key) = &key
        && let Some(stored) = claim(&txn, key).await?
    {
        return Ok((stored, true)); // the transaction rolls back: nothing was written
    }
    let response = create(&txn).await?;
    if let Some(key) = &key {
        complete(&txn, key, &response).await?;
    }
    txn.commit().await?;
    Ok((response, false))
}

/// Claims the key in `txn`, or returns the response of the request that completed it (for a
/// write that runs its own transaction, such as an import; others use [`create_once`]).
pub async fn claim(
    txn: &DatabaseTransaction,
    key: &Key<'_>,
) -> Result<Option<StoredResponse>, ApiError> {
    let id = (key.caller.to_owned(), key.key.to_owned());
    // Two rounds: a row that is gone stale (expired, or left without a response by a version
    // before this one) is deleted, then the key is claimed afresh.
    for _ in 0..2 {
        let inserted = IdempotencyKey::insert(idempotency_key::ActiveModel {
            caller: Set(key.caller.to_owned()),
            key: Set(key.key.to_owned()),
            request_hash: Set(key.request_hash.to_owned()),
            response_status: Set(None),
            response_body: Set(None),
            response_location: Set(None),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([
                idempotency_key::Column::Caller,
                idempotency_key::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        if inserted == 1 {
            return Ok(None);
        }
        // On PostgreSQL the insert waited for any transaction holding the key to end; this
        // statement sees what it committed.
        let Some(existing) = IdempotencyKey::find_by_id(id.clone()).one(txn).await? else {
            continue;
        };
        let expired = existing.created_at < Utc::now() - Duration::hours(RETENTION_HOURS);
        match (existing.response_status, existing.response_body) {
            (Some(status), Some(body)) if !expired => {
                if existing.request_hash != key.request_hash {
                    return Err(ApiError::IdempotencyMismatch);
                }
                return Ok(Some(StoredResponse {
                    status: status as u16,
                    body,
                    location: existing.response_location,
                }));
            }
            _ => {
                IdempotencyKey::delete_by_id(id.clone()).exec(txn).await?;
            }
        }
    }
    Err(ApiError::Internal(
        "an Idempotency-Key row could be neither claimed nor read".into(),
    ))
}

/// Stores the response with the key, in the write's transaction.
pub async fn complete(
    txn: &DatabaseTransaction,
    key: &Key<'_>,
    response: &StoredResponse,
) -> Result<(), ApiError> {
    IdempotencyKey::update(idempotency_key::ActiveModel {
        caller: Set(key.caller.to_owned()),
        key: Set(key.key.to_owned()),
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        response_location: Set(response.location.clone()),
        ..Default::default()
    })
    .exec(txn)
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
