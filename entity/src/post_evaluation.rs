use sea_orm::entity::prelude::*;

use crate::enums::Rating;

/// A yearly evaluation of a responsibility post (one per post per calendar year: a unique index).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "post_evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    pub evaluated_on: chrono::NaiveDate,
    /// The calendar year of `evaluated_on`.
    pub year: i32,
    pub rating: Rating,
    pub evaluator: String,
    pub comment: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
