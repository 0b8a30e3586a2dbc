use sea_orm::entity::prelude::*;

/// A party organization's fund balance: the sum of its counted entries, kept by every write
/// that counts one. The database refuses a negative balance (a CHECK constraint); writes that
/// would overdraw are refused before that, by a conditional update.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_balances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub party_organization_id: Uuid,
    pub balance_fen: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
