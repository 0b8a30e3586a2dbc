use sea_orm_migration::{prelude::*, schema::*};

/// API clients of integrating systems: OAuth client credentials with scopes and a region.
/// Secrets are stored as SHA-256 hashes; during a rotation the previous one stays valid a while.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .col(pk_uuid(ApiClients::Id))
                    .col(string_uniq(ApiClients::ClientId))
                    .col(string(ApiClients::Name))
                    .col(string(ApiClients::SecretHash))
                    .col(string_null(ApiClients::PreviousSecretHash))
                    .col(timestamp_with_time_zone_null(
                        ApiClients::PreviousSecretExpiresAt,
                    ))
                    .col(text(ApiClients::Scopes))
                    .col(string_null(ApiClients::RegionCode))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                    .col(integer(ApiClients::Version))
                    .col(timestamp_with_time_zone_null(ApiClients::DisabledAt))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    SecretHash,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    Scopes,
    RegionCode,
    CreatedAt,
    UpdatedAt,
    Version,
    DisabledAt,
}
