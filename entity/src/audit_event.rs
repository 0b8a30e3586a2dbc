use sea_orm::entity::prelude::*;

/// One write: who did what to which record, which fields changed (names only), and from where.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `user:<id>`.
    pub actor: String,
    /// JSON array of role names.
    pub actor_roles: String,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Uuid,
    /// JSON array of field names; values are never stored.
    pub changed_fields: String,
    /// The region of the record, so that regional staff see their region's events.
    pub region_code: Option<String>,
    pub request_id: String,
    pub client_address: Option<String>,
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
