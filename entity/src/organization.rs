use sea_orm::entity::prelude::*;

use crate::enums::{OperatingStatus, OrganizationCategory, OrganizationKind};

/// A "two new" organization: a new economic or new social organization.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub category: OrganizationCategory,
    pub uscc: String,
    pub region_code: String,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub employee_count: i32,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub in_survey_scope: bool,
    pub operating_status: OperatingStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
