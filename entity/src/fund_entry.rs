use sea_orm::entity::prelude::*;

use crate::enums::{FundCategory, FundEntryKind, FundEntryStatus, FundSource};

/// An entry of a party organization's special fund ledger; never changed but by its approval or
/// rejection, never deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "fund_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub kind: FundEntryKind,
    pub source: Option<FundSource>,
    pub category: Option<FundCategory>,
    /// The entry a reversal undoes (each entry at most once: a unique index).
    #[sea_orm(unique)]
    pub reverses_id: Option<Uuid>,
    pub amount_fen: i64,
    pub occurred_on: chrono::NaiveDate,
    pub description: String,
    pub document_ref: Option<String>,
    /// The caller who recorded it (`user:<id>` or `client:<client_id>`).
    pub recorded_by: String,
    pub status: FundEntryStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
