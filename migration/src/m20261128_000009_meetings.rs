use sea_orm_migration::{prelude::*, schema::*};

/// Meetings of party organizations ("three meetings and one lesson", theme party days, the
/// yearly meetings), who attended, and the votes a general meeting took.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(pk_uuid(Meetings::Id))
                    .col(uuid(Meetings::PartyOrganizationId))
                    .col(uuid_null(Meetings::PartyGroupId))
                    .col(string(Meetings::Kind))
                    .col(string(Meetings::Title))
                    .col(timestamp_with_time_zone(Meetings::StartsAt))
                    .col(timestamp_with_time_zone(Meetings::EndsAt))
                    .col(string_null(Meetings::Location))
                    .col(string(Meetings::Status))
                    .col(text_null(Meetings::Agenda))
                    .col(text_null(Meetings::Minutes))
                    .col(string_null(Meetings::Lecturer))
                    .col(string_null(Meetings::Topic))
                    .col(string_null(Meetings::Theme))
                    .col(text(Meetings::Attachments))
                    .col(string_null(Meetings::CancelReason))
                    .col(timestamp_with_time_zone(Meetings::CreatedAt))
                    .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                    .col(integer(Meetings::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meetings::Table, Meetings::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meetings::Table, Meetings::PartyGroupId)
                            .to(PartyGroups::Table, PartyGroups::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_meetings_party_organization",
                Meetings::PartyOrganizationId,
            ),
            ("idx_meetings_starts_at", Meetings::StartsAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Meetings::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(MeetingAttendance::Table)
                    .col(uuid(MeetingAttendance::MeetingId))
                    .col(uuid(MeetingAttendance::MemberId))
                    .col(string(MeetingAttendance::Status))
                    .col(string_null(MeetingAttendance::Reason))
                    .col(boolean(MeetingAttendance::Voting))
                    .primary_key(
                        Index::create()
                            .col(MeetingAttendance::MeetingId)
                            .col(MeetingAttendance::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetingAttendance::Table, MeetingAttendance::MeetingId)
                            .to(Meetings::Table, Meetings::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetingAttendance::Table, MeetingAttendance::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_attendance_member")
                    .table(MeetingAttendance::Table)
                    .col(MeetingAttendance::MemberId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingVotes::Table)
                    .col(pk_uuid(MeetingVotes::Id))
                    .col(uuid(MeetingVotes::MeetingId))
                    .col(string(MeetingVotes::Subject))
                    .col(uuid_null(MeetingVotes::MemberId))
                    .col(string_null(MeetingVotes::Description))
                    .col(integer(MeetingVotes::YesVotes))
                    .col(integer(MeetingVotes::NoVotes))
                    .col(integer(MeetingVotes::Abstentions))
                    .col(integer(MeetingVotes::EntitledVoters))
                    .col(integer(MeetingVotes::VotersPresent))
                    .col(string(MeetingVotes::RecordedBy))
                    .col(timestamp_with_time_zone(MeetingVotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetingVotes::Table, MeetingVotes::MeetingId)
                            .to(Meetings::Table, Meetings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_votes_meeting")
                    .table(MeetingVotes::Table)
                    .col(MeetingVotes::MeetingId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PartyOrganizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PartyGroups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    PartyOrganizationId,
    PartyGroupId,
    Kind,
    Title,
    StartsAt,
    EndsAt,
    Location,
    Status,
    Agenda,
    Minutes,
    Lecturer,
    Topic,
    Theme,
    Attachments,
    CancelReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum MeetingAttendance {
    Table,
    MeetingId,
    MemberId,
    Status,
    Reason,
    Voting,
}

#[derive(DeriveIden)]
enum MeetingVotes {
    Table,
    Id,
    MeetingId,
    Subject,
    MemberId,
    Description,
    YesVotes,
    NoVotes,
    Abstentions,
    EntitledVoters,
    VotersPresent,
    RecordedBy,
    CreatedAt,
}
