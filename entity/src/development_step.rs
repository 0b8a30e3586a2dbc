use sea_orm::entity::prelude::*;

/// One dated step of a member's development, appended and never changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "development_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    pub step: String,
    pub occurred_on: chrono::NaiveDate,
    /// The step's details as a JSON object.
    pub details: String,
    /// The actor who recorded it (`user:<id>` or `client:<id>`).
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
