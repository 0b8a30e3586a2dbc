//! Throttling of failed logins, per username and per client address, counted in the database so
//! that every instance enforces the same limits.
use chrono::{DateTime, Utc};
use entity::login_failure::{self, Column, Entity as LoginFailure};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::Db;
pub use crate::domain::login::{LoginPolicy, keys};
use crate::error::ApiError;

/// 429 with the seconds to wait when any counter is at its limit.
pub async fn check(db: &Db, policy: &LoginPolicy, keys: &[(String, i32)]) -> Result<(), ApiError> {
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    let rows = LoginFailure::find()
        .filter(Column::Key.is_in(names))
        .all(&db.read)
        .await?;
    let now = Utc::now();
    let wait = rows
        .iter()
        .filter(|row| row.window_started_at + policy.window > now)
        .filter(|row| {
            keys.iter()
                .any(|(k, limit)| *k == row.key && row.failures >= *limit)
        })
        .map(|row| seconds_until(row.window_started_at + policy.window, now))
        .max();
    match wait {
        Some(retry_after_secs) => Err(ApiError::TooManyRequests { retry_after_secs }),
        None => Ok(()),
    }
}

fn seconds_until(end: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    Ord::max((end - now).num_seconds(), 1) as u64
}

/// Counts a failure against every key: an increment within the current window, or a new window.
pub async fn record_failure(
    db: &Db,
    policy: &LoginPolicy,
    keys: &[(String, i32)],
) -> Result<(), ApiError> {
    let now = Utc::now();
    for (key, _) in keys {
        let incremented = LoginFailure::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
            .filter(Column::Key.eq(key.as_str()))
            .filter(Column::WindowStartedAt.gt(now - policy.window))
            .exec(&db.write)
            .await?;
        if incremented.rows_affected == 0 {
            let fresh = login_failure::ActiveModel {
                key: Set(key.clone()),
                failures: Set(1),
                window_started_at: Set(now),
            };
            LoginFailure::insert(fresh)
                .on_conflict(
                    OnConflict::column(Column::Key)
                        .update_columns([Column::Failures, Column::WindowStartedAt])
                        .to_owned(),
                )
                .exec(&db.write)
                .await?;
        }
    }
    Ok(())
}

/// A successful login clears the username's counter (not the address's).
pub async fn reset(db: &Db, key: &str) -> Result<(), ApiError> {
    LoginFailure::delete_by_id(key.to_owned())
        .exec(&db.write)
        .await?;
    Ok(())
}

/// Forgets windows that have ended.
pub async fn purge_expired(db: &Db, policy: &LoginPolicy) -> Result<u64, ApiError> {
    let result = LoginFailure::delete_many()
        .filter(Column::WindowStartedAt.lt(Utc::now() - policy.window))
        .exec(&db.write)
        .await?;
    Ok(result.rows_affected)
}
