use sea_orm::entity::prelude::*;

/// One event to send to one webhook: the outbox row, queued in the write's transaction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's number in the feed.
    pub seq: i64,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub action: String,
    pub version: Option<i32>,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub first_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The body as first sent; every retry sends the same bytes.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
