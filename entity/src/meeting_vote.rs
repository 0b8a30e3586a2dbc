use sea_orm::entity::prelude::*;

use crate::enums::VoteSubject;

/// A vote taken at a general meeting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_votes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub subject: VoteSubject,
    /// The member admitted or converted.
    pub member_id: Option<Uuid>,
    pub description: Option<String>,
    pub yes_votes: i32,
    pub no_votes: i32,
    pub abstentions: i32,
    /// Full members expected at the meeting.
    pub entitled_voters: i32,
    /// Full members present.
    pub voters_present: i32,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
