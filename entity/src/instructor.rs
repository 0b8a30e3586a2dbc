use sea_orm::entity::prelude::*;

use crate::enums::{InstructorStatus, SourceUnitType};

/// A party-building instructor, drawn from a government agency, public institution or
/// state-owned enterprise.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "instructors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub source_unit_type: SourceUnitType,
    pub source_unit: String,
    /// The region whose pool the instructor belongs to.
    pub region_code: String,
    pub phone: Option<String>,
    pub expertise: Option<String>,
    pub status: InstructorStatus,
    pub is_full_party_member: bool,
    /// The user account of the instructor, if they sign in.
    pub user_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
