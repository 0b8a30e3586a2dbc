use sea_orm_migration::{prelude::*, schema::*};

/// Webhooks and their durable outbox: a write that appends events also queues one delivery per
/// matching webhook in the same transaction, so no event is lost between the write and the
/// sender; a sender claims a webhook (a lease) and sends its deliveries in event order.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(string(Webhooks::Url))
                    .col(string(Webhooks::EventTypes))
                    .col(string_null(Webhooks::Description))
                    .col(string(Webhooks::Owner))
                    .col(string_null(Webhooks::RegionPrefix))
                    .col(string(Webhooks::Secret))
                    .col(string(Webhooks::Status))
                    .col(string_null(Webhooks::StatusReason))
                    .col(string_null(Webhooks::LeaseOwner))
                    .col(timestamp_with_time_zone_null(Webhooks::LeaseUntil))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .col(integer(Webhooks::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(big_integer(WebhookDeliveries::Seq))
                    .col(timestamp_with_time_zone(WebhookDeliveries::OccurredAt))
                    .col(string(WebhookDeliveries::ResourceType))
                    .col(uuid(WebhookDeliveries::ResourceId))
                    .col(string(WebhookDeliveries::Action))
                    .col(integer_null(WebhookDeliveries::Version))
                    .col(string(WebhookDeliveries::Status))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::FirstAttemptAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LastAttemptAt,
                    ))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(string_null(WebhookDeliveries::LastError))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .col(text_null(WebhookDeliveries::Body))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_webhook")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_webhook_deliveries_event")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    EventTypes,
    Description,
    Owner,
    RegionPrefix,
    Secret,
    Status,
    StatusReason,
    LeaseOwner,
    LeaseUntil,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    Seq,
    OccurredAt,
    ResourceType,
    ResourceId,
    Action,
    Version,
    Status,
    Attempts,
    NextAttemptAt,
    FirstAttemptAt,
    LastAttemptAt,
    LastStatusCode,
    LastError,
    DeliveredAt,
    Body,
}
