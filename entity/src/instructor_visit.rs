use sea_orm::entity::prelude::*;

/// An instructor's visit to the organization of an assignment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "instructor_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub assignment_id: Uuid,
    pub visited_on: chrono::NaiveDate,
    pub topic: String,
    pub findings: Option<String>,
    pub follow_ups: Option<String>,
    pub next_visit_on: Option<chrono::NaiveDate>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
