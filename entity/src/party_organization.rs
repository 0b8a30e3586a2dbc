use sea_orm::entity::prelude::*;

use crate::enums::PartyOrganizationType;

/// A party organization of the two-new sector: a committee, general branch, branch or joint
/// branch, in a tree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "party_organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `type` in the API.
    pub org_type: PartyOrganizationType,
    pub parent_id: Option<Uuid>,
    /// The ids from the root down to this one: `/<root>/…/<id>/`.
    pub path: String,
    pub region_code: String,
    pub established_on: Option<chrono::NaiveDate>,
    pub secretary_member_id: Option<Uuid>,
    pub term_starts_on: Option<chrono::NaiveDate>,
    pub term_ends_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
