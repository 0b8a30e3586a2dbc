use sea_orm::entity::prelude::*;

use crate::enums::TransferKind;

/// A move of a member's relation: between party organizations, out of the system or into it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub member_id: Uuid,
    pub kind: TransferKind,
    pub from_party_organization_id: Option<Uuid>,
    pub to_party_organization_id: Option<Uuid>,
    /// Where the member went (`out`) or came from (`in`), in words.
    pub counterpart: Option<String>,
    pub transferred_on: chrono::NaiveDate,
    pub reason: Option<String>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
