use sea_orm_migration::{prelude::*, schema::*};

/// The audit log: one row per write, appended in the write's own transaction. No API changes
/// or deletes a row.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(string(AuditEvents::Actor))
                    .col(text(AuditEvents::ActorRoles))
                    .col(string(AuditEvents::Action))
                    .col(string(AuditEvents::ResourceType))
                    .col(uuid(AuditEvents::ResourceId))
                    .col(text(AuditEvents::ChangedFields))
                    .col(string_null(AuditEvents::RegionCode))
                    .col(string(AuditEvents::RequestId))
                    .col(string_null(AuditEvents::ClientAddress))
                    .col(string(AuditEvents::Outcome))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_audit_events_actor", AuditEvents::Actor),
            ("idx_audit_events_resource", AuditEvents::ResourceId),
            ("idx_audit_events_region", AuditEvents::RegionCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    Actor,
    ActorRoles,
    Action,
    ResourceType,
    ResourceId,
    ChangedFields,
    RegionCode,
    RequestId,
    ClientAddress,
    Outcome,
}
