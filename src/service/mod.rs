//! Transactions and queries over SeaORM. Rules come from `domain/`; HTTP stays in `api/`.
pub mod activities;
pub mod api_clients;
pub mod audit;
pub mod bootstrap;
pub mod calendar;
pub mod compliance;
pub mod education;
pub mod events;
pub mod fund;
pub mod idempotency;
pub mod imports;
pub mod instructors;
pub mod login_throttle;
pub mod meetings;
pub mod members;
pub mod organizations;
pub mod party_organizations;
pub mod party_workers;
pub mod posts;
pub mod refresh_tokens;
pub mod reports;
pub mod resource;
pub mod schedules;
pub mod scope;
pub mod users;
pub mod webhooks;
pub mod work_systems;

use crate::auth::Access;

/// A service write's caller: the operation's [`Access`] plus the [`audit::Actor`] to record.
pub struct Caller {
    pub access: Access,
    pub actor: audit::Actor,
}

use sea_orm::{AccessMode, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

/// Starts a write transaction. On SQLite the write pool has one connection, so writers queue
/// for it instead of failing with SQLITE_BUSY. While a write transaction is open, run every
/// query on it: asking `db.write` for another connection would wait for this one forever.
pub async fn begin_write(conn: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match conn.get_database_backend() {
        // SQLite has no access modes (sea-orm would warn on every write); the pool does the job.
        sea_orm::DatabaseBackend::Sqlite => conn.begin().await,
        _ => {
            conn.begin_with_config(None, Some(AccessMode::ReadWrite))
                .await
        }
    }
}
