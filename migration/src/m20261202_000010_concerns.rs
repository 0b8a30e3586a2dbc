use sea_orm_migration::{prelude::*, schema::*};

/// Concerns raised by employees in ideological work, followed to their end.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Concerns::Table)
                    .col(uuid(Concerns::Id).primary_key())
                    .col(uuid(Concerns::ActivityId))
                    .col(uuid(Concerns::PartyOrganizationId))
                    .col(text(Concerns::Text))
                    .col(string(Concerns::Responsible))
                    .col(date(Concerns::DueOn))
                    .col(string(Concerns::Status))
                    .col(text_null(Concerns::DeclineReason))
                    .col(date_null(Concerns::ClosedOn))
                    .col(timestamp_with_time_zone(Concerns::CreatedAt))
                    .col(timestamp_with_time_zone(Concerns::UpdatedAt))
                    .col(integer(Concerns::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_concerns_activity")
                            .from(Concerns::Table, Concerns::ActivityId)
                            .to(Activities::Table, Activities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_concerns_status_due")
                    .table(Concerns::Table)
                    .col(Concerns::Status)
                    .col(Concerns::DueOn)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Concerns {
    Table,
    Id,
    ActivityId,
    PartyOrganizationId,
    Text,
    Responsible,
    DueOn,
    Status,
    DeclineReason,
    ClosedOn,
    CreatedAt,
    UpdatedAt,
    Version,
}
