use sea_orm::entity::prelude::*;

use crate::enums::{Employment, PartyWorkerPosition, Portfolio};

/// A person doing party work in a party organization (党务工作者); current until `ended_on`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "party_workers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub member_id: Uuid,
    pub position: PartyWorkerPosition,
    pub portfolio: Option<Portfolio>,
    pub employment: Employment,
    pub appointed_on: chrono::NaiveDate,
    pub ended_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
