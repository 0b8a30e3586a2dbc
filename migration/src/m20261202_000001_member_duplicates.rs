use sea_orm_migration::{prelude::*, schema::*};

/// A registration whose ID number is already held by a live member outside the registering
/// caller's scope is kept, marked `duplicate_of` that member, for the organization department
/// to resolve; the one-live-record-per-person index applies to the records not so marked.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Members::Table)
                    .add_column(uuid_null(Members::DuplicateOf))
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        connection
            .execute_unprepared("DROP INDEX uq_members_id_number_live")
            .await?;
        connection
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_members_id_number_live ON members (id_number) \
                 WHERE archived_at IS NULL AND duplicate_of IS NULL",
            )
            .await?;
        connection
            .execute_unprepared(
                "CREATE INDEX ix_members_duplicate_of ON members (duplicate_of) \
                 WHERE duplicate_of IS NOT NULL",
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Members {
    Table,
    DuplicateOf,
}
