use sea_orm::entity::prelude::*;

use crate::enums::MeetingKind;

/// A recurring meeting of a party organization (or one of its groups).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "meeting_schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_organization_id: Uuid,
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: String,
    /// An RFC 5545 RRULE value (`FREQ=MONTHLY;BYDAY=1MO`).
    pub recurrence: String,
    /// The first day the recurrence counts from.
    pub starts_on: chrono::NaiveDate,
    /// `HH:MM` in `timezone`.
    pub time_of_day: String,
    pub duration_minutes: i32,
    pub timezone: String,
    pub location: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
