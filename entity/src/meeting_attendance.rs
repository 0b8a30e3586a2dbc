use sea_orm::entity::prelude::*;

use crate::enums::AttendanceStatus;

/// Whether an expected member attended a meeting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_attendance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub meeting_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub status: AttendanceStatus,
    pub reason: Option<String>,
    /// Full members vote; probationary members attend without a vote.
    pub voting: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
