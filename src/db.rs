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
    /// Each pool's name (`read`, `write`), open connections and idle ones, for the metrics.
    pub fn pool_sizes(&self) -> Vec<(&'static str, u32, usize)> {
        [("read", &self.read), ("write", &self.write)]
            .into_iter()
            .map(|(name, conn)| match conn.get_database_backend() {
                sea_orm::DbBackend::Sqlite => {
                    let pool = conn.get_sqlite_connection_pool();
                    (name, pool.size(), pool.num_idle())
                }
                sea_orm::DbBackend::Postgres => {
                    let pool = conn.get_postgres_connection_pool();
                    (name, pool.size(), pool.num_idle())
                }
                _ => (name, 0, 0),
            })
            .collect()
    }
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
