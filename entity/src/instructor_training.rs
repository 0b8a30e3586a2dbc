use sea_orm::entity::prelude::*;

/// A training an instructor attended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instructor_trainings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub instructor_id: Uuid,
    pub title: String,
    pub held_on: chrono::NaiveDate,
    /// Class hours.
    pub hours: i32,
    pub organizer: Option<String>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
