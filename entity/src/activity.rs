use sea_orm::entity::prelude::*;

use crate::enums::ActivityKind;

/// An activity a party organization ran (a competition, an evaluation, a talk with employees…).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ActivityKind,
    pub party_organization_id: Uuid,
    pub title: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub place: Option<String>,
    /// JSON arrays: the organizations served, the member participants, attachment references.
    pub organization_ids: String,
    pub participant_ids: String,
    pub employee_count: i32,
    pub summary: Option<String>,
    pub attachments: String,
    /// A theme activity's theme party day.
    pub meeting_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
