use sea_orm_migration::{prelude::*, schema::*};

/// Members' study records (member education hours).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StudyRecords::Table)
                    .col(uuid(StudyRecords::Id).primary_key())
                    .col(uuid(StudyRecords::MemberId))
                    .col(date(StudyRecords::StudiedOn))
                    .col(
                        integer(StudyRecords::HalfHours)
                            .check(Expr::col(StudyRecords::HalfHours).gt(0)),
                    )
                    .col(string(StudyRecords::Kind))
                    .col(string(StudyRecords::Title))
                    .col(string_null(StudyRecords::Source))
                    .col(timestamp_with_time_zone(StudyRecords::CreatedAt))
                    .col(timestamp_with_time_zone(StudyRecords::UpdatedAt))
                    .col(integer(StudyRecords::Version))
                    .col(timestamp_with_time_zone_null(StudyRecords::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_study_records_member")
                            .from(StudyRecords::Table, StudyRecords::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_study_records_member")
                    .table(StudyRecords::Table)
                    .col(StudyRecords::MemberId)
                    .col(StudyRecords::StudiedOn)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StudyRecords {
    Table,
    Id,
    MemberId,
    StudiedOn,
    HalfHours,
    Kind,
    Title,
    Source,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}
