use sea_orm_migration::{prelude::*, schema::*};

/// Activities of party organizations and the revisions of their ranked results.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(uuid(Activities::Id).primary_key())
                    .col(string(Activities::Kind))
                    .col(uuid(Activities::PartyOrganizationId))
                    .col(string(Activities::Title))
                    .col(date(Activities::StartsOn))
                    .col(date(Activities::EndsOn))
                    .col(string_null(Activities::Place))
                    .col(text(Activities::OrganizationIds))
                    .col(text(Activities::ParticipantIds))
                    .col(integer(Activities::EmployeeCount))
                    .col(text_null(Activities::Summary))
                    .col(text(Activities::Attachments))
                    .col(uuid_null(Activities::MeetingId))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .col(timestamp_with_time_zone(Activities::UpdatedAt))
                    .col(integer(Activities::Version))
                    .col(timestamp_with_time_zone_null(Activities::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_party_organization")
                            .from(Activities::Table, Activities::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_activities_party_organization")
                    .table(Activities::Table)
                    .col(Activities::PartyOrganizationId)
                    .col(Activities::StartsOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActivityResults::Table)
                    .col(uuid(ActivityResults::Id).primary_key())
                    .col(uuid(ActivityResults::ActivityId))
                    .col(integer(ActivityResults::Revision))
                    .col(string(ActivityResults::Status))
                    .col(text(ActivityResults::Entries))
                    .col(timestamp_with_time_zone_null(ActivityResults::PublishedAt))
                    .col(timestamp_with_time_zone(ActivityResults::CreatedAt))
                    .col(timestamp_with_time_zone(ActivityResults::UpdatedAt))
                    .col(integer(ActivityResults::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activity_results_activity")
                            .from(ActivityResults::Table, ActivityResults::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_activity_results_revision")
                    .table(ActivityResults::Table)
                    .col(ActivityResults::ActivityId)
                    .col(ActivityResults::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One draft at a time per activity.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_activity_results_draft \
                 ON activity_results (activity_id) WHERE status = 'draft'",
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PartyOrganizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    Kind,
    PartyOrganizationId,
    Title,
    StartsOn,
    EndsOn,
    Place,
    OrganizationIds,
    ParticipantIds,
    EmployeeCount,
    Summary,
    Attachments,
    MeetingId,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum ActivityResults {
    Table,
    Id,
    ActivityId,
    Revision,
    Status,
    Entries,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}
