use sea_orm::entity::prelude::*;

/// A two-new organization served by a party organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "party_organization_covers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub party_organization_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
