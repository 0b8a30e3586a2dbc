//! Database connections. SQLite gets its pragmas and a single writer connection, so concurrent
//! writers queue in this process instead of failing with SQLITE_BUSY; PostgreSQL uses one pool.
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

#[derive(Clone, Debug)]
pub struct Db {
    /// For reads outside a write transaction.
    pub read: DatabaseConnection,
    /// For write transactions. On SQLite this pool has exactly one connection.
    pub write: DatabaseConnection,
}

impl Db {
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        if url.starts_with("sqlite:") {
            let read = Database::connect(sqlite_options(url, 8)).await?;
            let write = Database::connect(sqlite_options(url, 1)).await?;
            Ok(Db { read, write })
        } else {
            let mut options = ConnectOptions::new(url);
            options
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            let pool = Database::connect(options).await?;
            Ok(Db {
                read: pool.clone(),
                write: pool,
            })
        }
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        use migration::MigratorTrait;
        migration::Migrator::up(&self.write, None).await
    }

    /// Whether the database answers within two seconds (readiness must answer sooner than a
    /// probe gives up, even while new connections time out).
    pub async fn ping(&self) -> Result<(), DbErr> {
        match tokio::time::timeout(Duration::from_secs(2), self.read.ping()).await {
            Ok(answer) => answer,
            Err(_) => Err(DbErr::Custom(
                "the database did not answer within 2 s".into(),
            )),
        }
    }
}

fn sqlite_options(url: &str, connections: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    options
}
