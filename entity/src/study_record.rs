use sea_orm::entity::prelude::*;

use crate::enums::StudyKind;

/// Study a member recorded (a course, online study…). Attended party lectures and theme party
/// days are not recorded here: they count from the meeting's attendance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "study_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    pub studied_on: chrono::NaiveDate,
    /// Hours in halves (3 = 1.5 h).
    pub half_hours: i32,
    pub kind: StudyKind,
    pub title: String,
    pub source: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
