use sea_orm::entity::prelude::*;

use crate::enums::ConcernStatus;

/// A concern employees raised in ideological work (a talk, an invitation, a face-to-face session),
/// followed to its end.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "concerns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub activity_id: Uuid,
    pub party_organization_id: Uuid,
    pub text: String,
    pub responsible: String,
    pub due_on: chrono::NaiveDate,
    pub status: ConcernStatus,
    pub decline_reason: Option<String>,
    pub closed_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
