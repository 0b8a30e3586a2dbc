use sea_orm::entity::prelude::*;

use crate::enums::PostKind;

/// A member's responsibility area, demonstration post or pioneer post in an organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "responsibility_posts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: PostKind,
    pub member_id: Uuid,
    /// The member's party organization when the post was made (for scope).
    pub party_organization_id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    /// JSON array of short texts (承诺).
    pub commitments: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
