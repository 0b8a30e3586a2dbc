use sea_orm::entity::prelude::*;

use crate::enums::{Gender, MemberStatus, Stage};

/// A party member, or a person on the way to becoming one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub gender: Gender,
    pub birth_date: chrono::NaiveDate,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    pub phone: Option<String>,
    pub id_number: String,
    /// The two-new organization the member works for.
    pub organization_id: Option<Uuid>,
    /// Where the membership relation is held.
    pub party_organization_id: Uuid,
    pub party_group_id: Option<Uuid>,
    pub stage: Stage,
    pub status: MemberStatus,
    pub is_mobile: bool,
    /// For a mobile member: where they take part in organizational life.
    pub host_party_organization_id: Option<Uuid>,
    /// Admitted as a probationary member.
    pub joined_on: Option<chrono::NaiveDate>,
    pub probation_ends_on: Option<chrono::NaiveDate>,
    pub full_member_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Registered while this live member, outside the registering caller's scope, held the same
    /// ID number: waits for the organization department (`GET /member-duplicates`).
    pub duplicate_of: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
