use sea_orm_migration::{prelude::*, schema::*};

/// The event feed: one row per committed change, numbered gap-free in commit order. A write
/// takes its numbers from the single `event_counter` row in its own transaction; the row stays
/// locked until the write commits, so a number is seen only after every smaller one.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventCounter::Table)
                    .col(integer(EventCounter::Id).primary_key())
                    .col(big_integer(EventCounter::LastSeq))
                    .col(big_integer(EventCounter::PurgedThrough))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(EventCounter::Table)
                    .columns([
                        EventCounter::Id,
                        EventCounter::LastSeq,
                        EventCounter::PurgedThrough,
                    ])
                    .values_panic([1.into(), 0i64.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_integer(Events::Seq).primary_key())
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(string(Events::ResourceType))
                    .col(uuid(Events::ResourceId))
                    .col(string(Events::Action))
                    .col(integer_null(Events::Version))
                    .col(string_null(Events::RegionCode))
                    .col(string_null(Events::PartyPath))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_resource")
                    .table(Events::Table)
                    .col(Events::ResourceId)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_occurred_at")
                    .table(Events::Table)
                    .col(Events::OccurredAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum EventCounter {
    Table,
    Id,
    LastSeq,
    PurgedThrough,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Seq,
    OccurredAt,
    ResourceType,
    ResourceId,
    Action,
    Version,
    RegionCode,
    PartyPath,
}
