use sea_orm_migration::{prelude::*, schema::*};

/// Calendar feed tokens: calendar apps cannot send bearer tokens, so a user makes revocable
/// tokens (stored hashed) good only for the meeting feeds.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarTokens::Table)
                    .col(pk_uuid(CalendarTokens::Id))
                    .col(uuid(CalendarTokens::UserId))
                    .col(string_uniq(CalendarTokens::TokenHash))
                    .col(string_null(CalendarTokens::Label))
                    .col(timestamp_with_time_zone(CalendarTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(CalendarTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarTokens::Table, CalendarTokens::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CalendarTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    Label,
    CreatedAt,
    RevokedAt,
}
