use sea_orm_migration::{prelude::*, schema::*};

/// Meeting schedules (a recurrence that materializes planned meetings) and the link from a
/// meeting to the schedule occurrence it was made for, unique so that materializing twice never
/// duplicates.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MeetingSchedules::Table)
                    .col(pk_uuid(MeetingSchedules::Id))
                    .col(uuid(MeetingSchedules::PartyOrganizationId))
                    .col(uuid_null(MeetingSchedules::PartyGroupId))
                    .col(string(MeetingSchedules::Kind))
                    .col(string(MeetingSchedules::Title))
                    .col(string(MeetingSchedules::Recurrence))
                    .col(date(MeetingSchedules::StartsOn))
                    .col(string(MeetingSchedules::TimeOfDay))
                    .col(integer(MeetingSchedules::DurationMinutes))
                    .col(string(MeetingSchedules::Timezone))
                    .col(string_null(MeetingSchedules::Location))
                    .col(timestamp_with_time_zone(MeetingSchedules::CreatedAt))
                    .col(timestamp_with_time_zone(MeetingSchedules::UpdatedAt))
                    .col(integer(MeetingSchedules::Version))
                    .col(timestamp_with_time_zone_null(MeetingSchedules::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                MeetingSchedules::Table,
                                MeetingSchedules::PartyOrganizationId,
                            )
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .add_column(uuid_null(Meetings::ScheduleId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .add_column(date_null(Meetings::OccursOn))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_meetings_schedule_occurrence ON meetings (schedule_id, occurs_on) \
                 WHERE schedule_id IS NOT NULL",
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
enum Meetings {
    Table,
    ScheduleId,
    OccursOn,
}

#[derive(DeriveIden)]
enum MeetingSchedules {
    Table,
    Id,
    PartyOrganizationId,
    PartyGroupId,
    Kind,
    Title,
    Recurrence,
    StartsOn,
    TimeOfDay,
    DurationMinutes,
    Timezone,
    Location,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}
