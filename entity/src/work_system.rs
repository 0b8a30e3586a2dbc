use sea_orm::entity::prelude::*;

use crate::enums::WorkSystemKind;

/// A written work system a party organization has adopted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "work_systems")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub kind: WorkSystemKind,
    pub title: String,
    pub adopted_on: chrono::NaiveDate,
    pub document_ref: Option<String>,
    /// When it is due for review; past it, the system counts as overdue.
    pub review_due_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    /// Repealed (or replaced).
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
