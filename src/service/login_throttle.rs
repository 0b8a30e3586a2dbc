//! Throttling of failed logins, per username and per client address, counted in the database so
//! that every instance enforces the same limits.
use chrono::{DateTime, Utc};
use entity::login_failure::{Column, Entity as LoginFailure};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};

use crate::db::Db;
pub use crate::domain::login::{LoginPolicy, keys};
use crate::error::ApiError;

/// Charges this attempt to every counter *before* the password is checked, so that attempts
/// made at the same moment cannot all pass under the limit: the count comes back from the same
/// statement that raised it. 429 with the seconds to wait when the attempt takes any counter past
/// its limit (the password is then not checked at all).
pub async fn charge(db: &Db, policy: &LoginPolicy, keys: &[(String, i32)]) -> Result<(), ApiError> {
    let now = Utc::now();
    for (key, limit) in keys {
        let (attempts, started) = count_attempt(db, key, now, now - policy.window).await?;
        if attempts > *limit {
            // Refused already: the remaining counters are not charged (one write, not two).
            return Err(ApiError::TooManyRequests {
                retry_after_secs: seconds_until(started + policy.window, now),
            });
        }
    }
    Ok(())
}

/// One more attempt on `key`: within the current window, or starting a new one. Returns the
/// attempts in the window and when it started. One statement (an upsert returning the row), so
/// concurrent attempts each see their own count on both databases.
async fn count_attempt(
    db: &Db,
    key: &str,
    now: DateTime<Utc>,
    window_opened_after: DateTime<Utc>,
) -> Result<(i32, DateTime<Utc>), ApiError> {
    let backend = db.write.get_database_backend();
    let sql = match backend {
        // PostgreSQL numbers its placeholders.
        DatabaseBackend::Postgres => UPSERT
            .split('?')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_owned()
                } else {
                    format!("${i}{part}")
                }
            })
            .collect(),
        _ => UPSERT.to_owned(),
    };
    let values: Vec<sea_orm::Value> = vec![
        key.into(),
        now.into(),
        window_opened_after.into(),
        window_opened_after.into(),
    ];
    let row = db
        .write
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| ApiError::Internal("the login counter returned no row".into()))?;
    Ok((
        row.try_get("", "failures")?,
        row.try_get("", "window_started_at")?,
    ))
}

/// Raises a counter within its window, or opens a new window at 1.
const UPSERT: &str = "INSERT INTO login_failures (key, failures, window_started_at) VALUES (?, 1, ?) \
ON CONFLICT (key) DO UPDATE SET \
failures = CASE WHEN login_failures.window_started_at > ? THEN login_failures.failures + 1 ELSE 1 END, \
window_started_at = CASE WHEN login_failures.window_started_at > ? THEN login_failures.window_started_at ELSE excluded.window_started_at END \
RETURNING failures, window_started_at";

fn seconds_until(end: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    Ord::max((end - now).num_seconds(), 1) as u64
}

/// A successful login clears the username's counter and gives the other counters (the
/// address's) back the attempt it was charged, so only failures count against them.
pub async fn succeeded(db: &Db, keys: &[(String, i32)]) -> Result<(), ApiError> {
    let Some(((user_key, _), others)) = keys.split_first() else {
        return Ok(());
    };
    LoginFailure::delete_by_id(user_key.clone())
        .exec(&db.write)
        .await?;
    for (key, _) in others {
        LoginFailure::update_many()
            .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
            .filter(Column::Key.eq(key.as_str()))
            .filter(Column::Failures.gt(0))
            .exec(&db.write)
            .await?;
    }
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
