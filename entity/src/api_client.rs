use sea_orm::entity::prelude::*;

/// A system that integrates over the API with OAuth client credentials.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    #[serde(skip)]
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// JSON array of OAuth scopes (`organizations:read`, …).
    pub scopes: String,
    pub region_code: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
