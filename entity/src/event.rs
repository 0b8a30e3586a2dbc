use sea_orm::entity::prelude::*;

/// A committed change, numbered gap-free in commit order (`GET /api/v1/events`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub action: String,
    /// The resource's version after the change.
    pub version: Option<i32>,
    /// Where the resource was when it changed, for the feed's scopes: its region, and the path
    /// of the party organization it belongs to.
    pub region_code: Option<String>,
    pub party_path: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
