use sea_orm::entity::prelude::*;

/// A URL that receives the events of the feed, signed (`/api/v1/webhooks`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    /// JSON array of the feed's resource types this webhook receives.
    pub event_types: String,
    pub description: Option<String>,
    /// Who registered it (`user:<id>` or `client:<client_id>`): deliveries show resources as
    /// that caller's GET would.
    pub owner: String,
    /// The owner's region when it was registered (API clients); `None` for every region.
    pub region_prefix: Option<String>,
    /// The signing secret. Kept as is: the server needs it to sign.
    pub secret: String,
    /// `active`, `paused` or `failing`.
    pub status: String,
    pub status_reason: Option<String>,
    /// The sender (a server instance) holding this webhook's deliveries, until `lease_until`.
    pub lease_owner: Option<String>,
    /// Until when a sender holds this webhook's deliveries.
    pub lease_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
