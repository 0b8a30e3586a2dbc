use sea_orm_migration::{prelude::*, schema::*};

/// Party workers (党务工作者) and their trainings. The branch committee is the current secretary,
/// deputy secretaries and committee members; partial unique indexes keep one current secretary
/// per party organization and one current position per member in it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartyWorkers::Table)
                    .col(uuid(PartyWorkers::Id).primary_key())
                    .col(uuid(PartyWorkers::PartyOrganizationId))
                    .col(uuid(PartyWorkers::MemberId))
                    .col(string(PartyWorkers::Position))
                    .col(string_null(PartyWorkers::Portfolio))
                    .col(string(PartyWorkers::Employment))
                    .col(date(PartyWorkers::AppointedOn))
                    .col(date_null(PartyWorkers::EndedOn))
                    .col(timestamp_with_time_zone(PartyWorkers::CreatedAt))
                    .col(timestamp_with_time_zone(PartyWorkers::UpdatedAt))
                    .col(integer(PartyWorkers::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_workers_party_organization")
                            .from(PartyWorkers::Table, PartyWorkers::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_workers_member")
                            .from(PartyWorkers::Table, PartyWorkers::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_party_workers_secretary_current \
                 ON party_workers (party_organization_id) \
                 WHERE position = 'secretary' AND ended_on IS NULL",
            )
            .await?;
        connection
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_party_workers_member_current \
                 ON party_workers (party_organization_id, member_id) WHERE ended_on IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_party_workers_member")
                    .table(PartyWorkers::Table)
                    .col(PartyWorkers::MemberId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PartyWorkerTrainings::Table)
                    .col(uuid(PartyWorkerTrainings::Id).primary_key())
                    .col(uuid(PartyWorkerTrainings::PartyWorkerId))
                    .col(date(PartyWorkerTrainings::HeldOn))
                    .col(integer(PartyWorkerTrainings::Hours))
                    .col(string(PartyWorkerTrainings::Title))
                    .col(string(PartyWorkerTrainings::GivenBy))
                    .col(timestamp_with_time_zone(PartyWorkerTrainings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_party_worker_trainings_worker")
                            .from(
                                PartyWorkerTrainings::Table,
                                PartyWorkerTrainings::PartyWorkerId,
                            )
                            .to(PartyWorkers::Table, PartyWorkers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_party_worker_trainings_worker")
                    .table(PartyWorkerTrainings::Table)
                    .col(PartyWorkerTrainings::PartyWorkerId)
                    .to_owned(),
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
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PartyWorkers {
    Table,
    Id,
    PartyOrganizationId,
    MemberId,
    Position,
    Portfolio,
    Employment,
    AppointedOn,
    EndedOn,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum PartyWorkerTrainings {
    Table,
    Id,
    PartyWorkerId,
    HeldOn,
    Hours,
    Title,
    GivenBy,
    CreatedAt,
}
