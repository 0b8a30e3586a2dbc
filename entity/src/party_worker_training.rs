use sea_orm::entity::prelude::*;

use crate::enums::GivenBy;

/// A training a party worker attended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "party_worker_trainings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_worker_id: Uuid,
    pub held_on: chrono::NaiveDate,
    pub hours: i32,
    pub title: String,
    pub given_by: GivenBy,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
