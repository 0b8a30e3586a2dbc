use sea_orm::entity::prelude::*;

use crate::enums::AssignmentStatus;

/// An instructor assigned to an organization for a period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "instructor_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub instructor_id: Uuid,
    pub organization_id: Uuid,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: Option<chrono::NaiveDate>,
    pub status: AssignmentStatus,
    /// The instructor's place this assignment takes while active (1..=the per-instructor limit).
    pub slot: i32,
    pub note: Option<String>,
    pub end_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
