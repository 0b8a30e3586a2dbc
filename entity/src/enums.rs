//! The enums stored in single text columns. Each stores its `string_value`, which is also its
//! name in the API (serde, `snake_case`), so the database reads like the API; `Display` and
//! `FromStr` use that same text.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Organizations.

/// New economic organizations (非公有制经济组织) or new social organizations (社会组织).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OrganizationKind {
    #[sea_orm(string_value = "new_economic")]
    NewEconomic,
    #[sea_orm(string_value = "new_social")]
    NewSocial,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OrganizationCategory {
    #[sea_orm(string_value = "private_enterprise")]
    PrivateEnterprise,
    #[sea_orm(string_value = "foreign_invested")]
    ForeignInvested,
    /// Hong Kong, Macao or Taiwan invested.
    #[sea_orm(string_value = "hmt_invested")]
    HmtInvested,
    #[sea_orm(string_value = "joint_stock_cooperative")]
    JointStockCooperative,
    #[sea_orm(string_value = "private_technology")]
    PrivateTechnology,
    #[sea_orm(string_value = "individual_business")]
    IndividualBusiness,
    #[sea_orm(string_value = "mixed_ownership")]
    MixedOwnership,
    #[sea_orm(string_value = "social_group")]
    SocialGroup,
    #[sea_orm(string_value = "private_non_enterprise_unit")]
    PrivateNonEnterpriseUnit,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OperatingStatus {
    #[sea_orm(string_value = "operating")]
    Operating,
    #[sea_orm(string_value = "dormant")]
    Dormant,
}

// Party organizations and members.

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PartyOrganizationType {
    /// A primary-level committee (基层党委).
    #[sea_orm(string_value = "committee")]
    Committee,
    /// A general branch (党总支).
    #[sea_orm(string_value = "general_branch")]
    GeneralBranch,
    /// A branch of one unit (党支部).
    #[sea_orm(string_value = "branch")]
    Branch,
    /// A joint branch serving several units (联合党支部).
    #[sea_orm(string_value = "joint_branch")]
    JointBranch,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Gender {
    #[sea_orm(string_value = "male")]
    Male,
    #[sea_orm(string_value = "female")]
    Female,
}

/// Where a person stands on the way to full membership.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Stage {
    /// Has applied to join (入党申请人).
    #[sea_orm(string_value = "applicant")]
    Applicant,
    /// Activist for party membership (入党积极分子).
    #[sea_orm(string_value = "activist")]
    Activist,
    /// Candidate for development (发展对象).
    #[sea_orm(string_value = "candidate")]
    Candidate,
    /// Probationary member (预备党员).
    #[sea_orm(string_value = "probationary")]
    Probationary,
    /// Full member (正式党员).
    #[sea_orm(string_value = "full")]
    Full,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MemberStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "transferred_out")]
    TransferredOut,
    #[sea_orm(string_value = "deceased")]
    Deceased,
    #[sea_orm(string_value = "removed")]
    Removed,
}

/// How a member's relation moved (`member_transfers.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, EnumIter, DeriveActiveEnum)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TransferKind {
    /// To another party organization in the register.
    #[sea_orm(string_value = "internal")]
    Internal,
    /// Out of the register.
    #[sea_orm(string_value = "out")]
    Out,
    /// Back into the register.
    #[sea_orm(string_value = "in")]
    In,
}

// Instructors.

/// Where an instructor comes from.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SourceUnitType {
    #[sea_orm(string_value = "government_agency")]
    GovernmentAgency,
    #[sea_orm(string_value = "public_institution")]
    PublicInstitution,
    #[sea_orm(string_value = "state_owned_enterprise")]
    StateOwnedEnterprise,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InstructorStatus {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "inactive")]
    Inactive,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AssignmentStatus {
    /// Holds its place until ended (even past a planned `ends_on`).
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "ended")]
    Ended,
}

// Meetings.

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MeetingKind {
    /// 支部党员大会.
    #[sea_orm(string_value = "general_meeting")]
    GeneralMeeting,
    /// 支部委员会会议.
    #[sea_orm(string_value = "committee_meeting")]
    CommitteeMeeting,
    /// 党小组会 (of a party group).
    #[sea_orm(string_value = "group_meeting")]
    GroupMeeting,
    /// 党课.
    #[sea_orm(string_value = "party_lecture")]
    PartyLecture,
    /// 主题党日.
    #[sea_orm(string_value = "theme_party_day")]
    ThemePartyDay,
    /// 组织生活会.
    #[sea_orm(string_value = "organizational_life_meeting")]
    OrganizationalLifeMeeting,
    /// 民主评议党员.
    #[sea_orm(string_value = "democratic_review")]
    DemocraticReview,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MeetingStatus {
    #[sea_orm(string_value = "planned")]
    Planned,
    #[sea_orm(string_value = "held")]
    Held,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AttendanceStatus {
    #[sea_orm(string_value = "present")]
    Present,
    #[sea_orm(string_value = "absent")]
    Absent,
    /// Absent with leave; a reason is required.
    #[sea_orm(string_value = "excused")]
    Excused,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum VoteSubject {
    /// Admission of a member (the development pipeline's `admission_vote`).
    #[sea_orm(string_value = "admission")]
    Admission,
    /// Conversion of a probationary member to full membership.
    #[sea_orm(string_value = "conversion")]
    Conversion,
    #[sea_orm(string_value = "election")]
    Election,
    #[sea_orm(string_value = "other")]
    Other,
}

/// `Display` and `FromStr` as the stored text (which is also the API's name).
macro_rules! text_as_stored {
    ($($t:ty),* $(,)?) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_value())
            }
        }

        impl std::str::FromStr for $t {
            type Err = DbErr;

            fn from_str(text: &str) -> Result<Self, DbErr> {
                Self::try_from_value(&text.to_owned())
            }
        }
    )*};
}

text_as_stored!(
    OrganizationKind,
    OrganizationCategory,
    OperatingStatus,
    PartyOrganizationType,
    Gender,
    Stage,
    MemberStatus,
    TransferKind,
    SourceUnitType,
    InstructorStatus,
    AssignmentStatus,
    MeetingKind,
    MeetingStatus,
    AttendanceStatus,
    VoteSubject,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant stores the text it has in the API, and reads back from it.
    fn stored_as_serde_name<T>()
    where
        T: ActiveEnum<Value = String> + Serialize + std::str::FromStr + PartialEq + std::fmt::Debug,
    {
        for variant in T::iter() {
            let serde_name = serde_json::to_value(&variant).unwrap();
            assert_eq!(serde_name, serde_json::Value::String(variant.to_value()));
            assert_eq!(variant.to_value().parse::<T>().ok(), Some(variant));
        }
    }

    #[test]
    fn stored_text_is_the_api_name() {
        stored_as_serde_name::<OrganizationKind>();
        stored_as_serde_name::<OrganizationCategory>();
        stored_as_serde_name::<OperatingStatus>();
        stored_as_serde_name::<PartyOrganizationType>();
        stored_as_serde_name::<Gender>();
        stored_as_serde_name::<Stage>();
        stored_as_serde_name::<MemberStatus>();
        stored_as_serde_name::<TransferKind>();
        stored_as_serde_name::<SourceUnitType>();
        stored_as_serde_name::<InstructorStatus>();
        stored_as_serde_name::<AssignmentStatus>();
        stored_as_serde_name::<MeetingKind>();
        stored_as_serde_name::<MeetingStatus>();
        stored_as_serde_name::<AttendanceStatus>();
        stored_as_serde_name::<VoteSubject>();
    }

    #[test]
    fn display_and_parse_use_the_stored_text() {
        assert_eq!(
            OrganizationCategory::HmtInvested.to_string(),
            "hmt_invested"
        );
        assert_eq!(
            "hmt_invested".parse::<OrganizationCategory>().ok(),
            Some(OrganizationCategory::HmtInvested)
        );
        assert!("bogus".parse::<OrganizationCategory>().is_err());
    }
}

// The special party-building fund.

/// What a fund entry does to the balance.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FundEntryKind {
    /// Money in (拨入), from a `source`.
    #[sea_orm(string_value = "allocation")]
    Allocation,
    /// Money out (支出), for a `category`.
    #[sea_orm(string_value = "expenditure")]
    Expenditure,
    /// Undoes another entry in full (冲销): a mistake is corrected by a reversal and a new entry.
    #[sea_orm(string_value = "reversal")]
    Reversal,
}

/// Where an allocation comes from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FundSource {
    /// From the enterprise's management expenses (管理费列支).
    #[sea_orm(string_value = "management_fee")]
    ManagementFee,
    /// Party dues returned by the higher committee (党费返还).
    #[sea_orm(string_value = "dues_return")]
    DuesReturn,
    /// Fiscal support (财政支持).
    #[sea_orm(string_value = "fiscal_support")]
    FiscalSupport,
    #[sea_orm(string_value = "other")]
    Other,
}

/// What an expenditure is for.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FundCategory {
    /// Education and training of members (教育培训).
    #[sea_orm(string_value = "education_training")]
    EducationTraining,
    /// Party activities (组织活动).
    #[sea_orm(string_value = "activities")]
    Activities,
    /// Materials (资料购置).
    #[sea_orm(string_value = "materials")]
    Materials,
    /// Help for members in difficulty (困难党员帮扶).
    #[sea_orm(string_value = "assistance")]
    Assistance,
    /// Publicity (宣传).
    #[sea_orm(string_value = "publicity")]
    Publicity,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Whether an entry counts: allocations and reversals count at once; an expenditure above the
/// approval threshold is `pending` until approved or rejected.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FundEntryStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
}

/// A written work system a party organization adopts (the register of adopted systems).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumIter,
    DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum WorkSystemKind {
    /// "Three meetings and one lesson" (三会一课).
    #[sea_orm(string_value = "three_meetings_one_lesson")]
    ThreeMeetingsOneLesson,
    /// Management of the special fund (党建经费管理).
    #[sea_orm(string_value = "fund_management")]
    FundManagement,
    /// Developing members (发展党员).
    #[sea_orm(string_value = "member_development")]
    MemberDevelopment,
    /// Education of members (党员教育管理).
    #[sea_orm(string_value = "member_education")]
    MemberEducation,
    /// Duties of party workers (党务工作者职责).
    #[sea_orm(string_value = "party_worker_duties")]
    PartyWorkerDuties,
    /// Ideological work with employees (职工思想政治工作).
    #[sea_orm(string_value = "ideological_work")]
    IdeologicalWork,
    /// Regular discussion and communication between branch members and employees (谈心交流).
    #[sea_orm(string_value = "discussion_and_communication")]
    DiscussionAndCommunication,
    /// Employees inviting party members (职工邀请党员).
    #[sea_orm(string_value = "employee_invites_member")]
    EmployeeInvitesMember,
    /// Party representatives meeting employees face to face (党代表与职工面对面).
    #[sea_orm(string_value = "face_to_face")]
    FaceToFace,
    #[sea_orm(string_value = "other")]
    Other,
}

/// How a member studied (member education).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StudyKind {
    /// A party lecture (党课).
    #[sea_orm(string_value = "party_lecture")]
    PartyLecture,
    /// A training course (培训).
    #[sea_orm(string_value = "training")]
    Training,
    /// Online study (网络学习).
    #[sea_orm(string_value = "online")]
    Online,
    /// A theme party day (主题党日).
    #[sea_orm(string_value = "theme_party_day")]
    ThemePartyDay,
    #[sea_orm(string_value = "other")]
    Other,
}

/// A party worker's position (党务工作者).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PartyWorkerPosition {
    /// Secretary (书记): one current per party organization; on the committee.
    #[sea_orm(string_value = "secretary")]
    Secretary,
    /// Deputy secretary (副书记); on the committee.
    #[sea_orm(string_value = "deputy_secretary")]
    DeputySecretary,
    /// Committee member (委员) with a `portfolio`; on the committee.
    #[sea_orm(string_value = "committee_member")]
    CommitteeMember,
    /// Liaison (联络员), outside the committee.
    #[sea_orm(string_value = "liaison")]
    Liaison,
    /// Organizer (组织员), outside the committee.
    #[sea_orm(string_value = "organizer")]
    Organizer,
    #[sea_orm(string_value = "other")]
    Other,
}

/// What a committee member is responsible for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Portfolio {
    /// 组织委员.
    #[sea_orm(string_value = "organization")]
    Organization,
    /// 宣传委员.
    #[sea_orm(string_value = "propaganda")]
    Propaganda,
    /// 纪检委员.
    #[sea_orm(string_value = "discipline")]
    Discipline,
    /// 青年委员.
    #[sea_orm(string_value = "youth")]
    Youth,
    /// 妇女委员.
    #[sea_orm(string_value = "women")]
    Women,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Whether party work is a party worker's job or done beside it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Employment {
    /// 专职.
    #[sea_orm(string_value = "full_time")]
    FullTime,
    /// 兼职.
    #[sea_orm(string_value = "part_time")]
    PartTime,
}

/// Who gave a party worker's training.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum GivenBy {
    /// Leaders (领导授课).
    #[sea_orm(string_value = "leaders")]
    Leaders,
    /// Experts (专家授课).
    #[sea_orm(string_value = "experts")]
    Experts,
    #[sea_orm(string_value = "other")]
    Other,
}

// Activity carriers.

/// A party member's post in the enterprise (党员责任区 / 示范岗 / 先锋岗).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PostKind {
    /// 党员责任区.
    #[sea_orm(string_value = "responsibility_area")]
    ResponsibilityArea,
    /// 党员示范岗.
    #[sea_orm(string_value = "demonstration_post")]
    DemonstrationPost,
    /// 党员先锋岗.
    #[sea_orm(string_value = "pioneer_post")]
    PioneerPost,
}

/// How a post was rated in its yearly evaluation.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Rating {
    #[sea_orm(string_value = "excellent")]
    Excellent,
    #[sea_orm(string_value = "good")]
    Good,
    #[sea_orm(string_value = "fair")]
    Fair,
    #[sea_orm(string_value = "poor")]
    Poor,
}

/// What an activity is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ActivityKind {
    /// 岗位技能竞赛 (ranked results).
    #[sea_orm(string_value = "skills_competition")]
    SkillsCompetition,
    /// 岗位能手评选 (ranked results).
    #[sea_orm(string_value = "expert_evaluation")]
    ExpertEvaluation,
    /// 技术创新贡献榜 (ranked results with category and benefit).
    #[sea_orm(string_value = "innovation_contribution")]
    InnovationContribution,
    /// 支部委员与职工谈心交流.
    #[sea_orm(string_value = "discussion_session")]
    DiscussionSession,
    /// 职工邀请党员.
    #[sea_orm(string_value = "employee_invitation")]
    EmployeeInvitation,
    /// 党代表与职工面对面.
    #[sea_orm(string_value = "face_to_face")]
    FaceToFace,
    /// A theme party day's activity beyond the meeting (may name the meeting).
    #[sea_orm(string_value = "theme_activity")]
    ThemeActivity,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Whether a revision of an activity's results can still change.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ResultStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
}

/// What an innovation contributed.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum InnovationCategory {
    #[sea_orm(string_value = "patent")]
    Patent,
    #[sea_orm(string_value = "process_improvement")]
    ProcessImprovement,
    #[sea_orm(string_value = "cost_saving")]
    CostSaving,
    #[sea_orm(string_value = "quality")]
    Quality,
    #[sea_orm(string_value = "other")]
    Other,
}

/// Where a concern raised by employees stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ConcernStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "resolved")]
    Resolved,
    /// Declined, with a reason.
    #[sea_orm(string_value = "declined")]
    Declined,
}
