use sea_orm::entity::prelude::*;

use crate::enums::{MeetingKind, MeetingStatus};

/// A meeting of a party organization or one of its party groups.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub location: Option<String>,
    pub status: MeetingStatus,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    pub lecturer: Option<String>,
    pub topic: Option<String>,
    pub theme: Option<String>,
    /// JSON array of references (URLs or document ids).
    pub attachments: String,
    pub cancel_reason: Option<String>,
    /// The schedule that planned it, and for which day.
    pub schedule_id: Option<Uuid>,
    pub occurs_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
