use sea_orm_migration::{prelude::*, schema::*};

/// The special party-building fund: an immutable ledger per party organization, and its balance,
/// which the database keeps from going negative.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundEntries::Table)
                    .col(uuid(FundEntries::Id).primary_key())
                    .col(uuid(FundEntries::PartyOrganizationId))
                    .col(string(FundEntries::Kind))
                    .col(string_null(FundEntries::Source))
                    .col(string_null(FundEntries::Category))
                    .col(uuid_null(FundEntries::ReversesId))
                    .col(
                        big_integer(FundEntries::AmountFen)
                            .check(Expr::col(FundEntries::AmountFen).gt(0)),
                    )
                    .col(date(FundEntries::OccurredOn))
                    .col(string(FundEntries::Description))
                    .col(string_null(FundEntries::DocumentRef))
                    .col(string(FundEntries::RecordedBy))
                    .col(string(FundEntries::Status))
                    .col(string_null(FundEntries::DecidedBy))
                    .col(timestamp_with_time_zone_null(FundEntries::DecidedAt))
                    .col(string_null(FundEntries::DecisionReason))
                    .col(timestamp_with_time_zone(FundEntries::CreatedAt))
                    .col(timestamp_with_time_zone(FundEntries::UpdatedAt))
                    .col(integer(FundEntries::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_entries_party_organization")
                            .from(FundEntries::Table, FundEntries::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_entries_reverses")
                            .from(FundEntries::Table, FundEntries::ReversesId)
                            .to(FundEntries::Table, FundEntries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_fund_entries_reverses")
                    .table(FundEntries::Table)
                    .col(FundEntries::ReversesId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_fund_entries_ledger")
                    .table(FundEntries::Table)
                    .col(FundEntries::PartyOrganizationId)
                    .col(FundEntries::OccurredOn)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FundBalances::Table)
                    .col(uuid(FundBalances::PartyOrganizationId).primary_key())
                    .col(
                        big_integer(FundBalances::BalanceFen)
                            .check(Expr::col(FundBalances::BalanceFen).gte(0)),
                    )
                    .col(timestamp_with_time_zone(FundBalances::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fund_balances_party_organization")
                            .from(FundBalances::Table, FundBalances::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationPayrolls::Table)
                    .col(uuid(OrganizationPayrolls::OrganizationId))
                    .col(integer(OrganizationPayrolls::Year))
                    .col(
                        big_integer(OrganizationPayrolls::PayrollFen)
                            .check(Expr::col(OrganizationPayrolls::PayrollFen).gte(0)),
                    )
                    .col(timestamp_with_time_zone(OrganizationPayrolls::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(OrganizationPayrolls::OrganizationId)
                            .col(OrganizationPayrolls::Year),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organization_payrolls_organization")
                            .from(
                                OrganizationPayrolls::Table,
                                OrganizationPayrolls::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// An organization's payroll of a year, which the management-fee allocation is reckoned from.
#[derive(DeriveIden)]
enum OrganizationPayrolls {
    Table,
    OrganizationId,
    Year,
    PayrollFen,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PartyOrganizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FundEntries {
    Table,
    Id,
    PartyOrganizationId,
    Kind,
    Source,
    Category,
    ReversesId,
    AmountFen,
    OccurredOn,
    Description,
    DocumentRef,
    RecordedBy,
    Status,
    DecidedBy,
    DecidedAt,
    DecisionReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum FundBalances {
    Table,
    PartyOrganizationId,
    BalanceFen,
    UpdatedAt,
}
