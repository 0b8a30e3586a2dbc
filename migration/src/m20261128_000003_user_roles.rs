use sea_orm_migration::{prelude::*, schema::*};

/// Users get a display name and several roles, each with its scope, kept as JSON text
/// (`[{"role": "org_department", "region_code": "1101"}]`); the single `role` column goes.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_null(Users::DisplayName))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text(Users::Roles).default("[]"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE users SET roles = '[{\"role\":\"' || role || '\"}]' WHERE role IS NOT NULL",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Role)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    DisplayName,
    Roles,
    Role,
}
