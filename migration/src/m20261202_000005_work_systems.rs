use sea_orm_migration::{prelude::*, schema::*};

/// The register of written work systems a party organization has adopted.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkSystems::Table)
                    .col(uuid(WorkSystems::Id).primary_key())
                    .col(uuid(WorkSystems::PartyOrganizationId))
                    .col(string(WorkSystems::Kind))
                    .col(string(WorkSystems::Title))
                    .col(date(WorkSystems::AdoptedOn))
                    .col(string_null(WorkSystems::DocumentRef))
                    .col(date_null(WorkSystems::ReviewDueOn))
                    .col(timestamp_with_time_zone(WorkSystems::CreatedAt))
                    .col(timestamp_with_time_zone(WorkSystems::UpdatedAt))
                    .col(integer(WorkSystems::Version))
                    .col(timestamp_with_time_zone_null(WorkSystems::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_work_systems_party_organization")
                            .from(WorkSystems::Table, WorkSystems::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_work_systems_party_organization")
                    .table(WorkSystems::Table)
                    .col(WorkSystems::PartyOrganizationId)
                    .col(WorkSystems::Kind)
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
enum WorkSystems {
    Table,
    Id,
    PartyOrganizationId,
    Kind,
    Title,
    AdoptedOn,
    DocumentRef,
    ReviewDueOn,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}
