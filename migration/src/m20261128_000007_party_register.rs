use sea_orm_migration::{prelude::*, schema::*};

/// The party register: party organizations (a tree kept as a materialized path), the
/// organizations they cover, their party groups, members, the steps of each member's
/// development and the history of their transfers.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartyOrganizations::Table)
                    .col(pk_uuid(PartyOrganizations::Id))
                    .col(string(PartyOrganizations::Name))
                    .col(string(PartyOrganizations::OrgType))
                    .col(uuid_null(PartyOrganizations::ParentId))
                    // `/<root id>/…/<own id>/`: a subtree is every path with its root's prefix.
                    .col(text(PartyOrganizations::Path))
                    .col(string_len(PartyOrganizations::RegionCode, 12))
                    .col(date_null(PartyOrganizations::EstablishedOn))
                    .col(uuid_null(PartyOrganizations::SecretaryMemberId))
                    .col(date_null(PartyOrganizations::TermStartsOn))
                    .col(date_null(PartyOrganizations::TermEndsOn))
                    .col(timestamp_with_time_zone(PartyOrganizations::CreatedAt))
                    .col(timestamp_with_time_zone(PartyOrganizations::UpdatedAt))
                    .col(integer(PartyOrganizations::Version))
                    .col(timestamp_with_time_zone_null(
                        PartyOrganizations::ArchivedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartyOrganizations::Table, PartyOrganizations::ParentId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_party_organizations_path", PartyOrganizations::Path),
            (
                "idx_party_organizations_region",
                PartyOrganizations::RegionCode,
            ),
            (
                "idx_party_organizations_parent",
                PartyOrganizations::ParentId,
            ),
        ] {
            index(manager, name, PartyOrganizations::Table, column).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PartyOrganizationCovers::Table)
                    .col(uuid(PartyOrganizationCovers::PartyOrganizationId))
                    .col(uuid(PartyOrganizationCovers::OrganizationId))
                    .primary_key(
                        Index::create()
                            .col(PartyOrganizationCovers::PartyOrganizationId)
                            .col(PartyOrganizationCovers::OrganizationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartyOrganizationCovers::Table,
                                PartyOrganizationCovers::PartyOrganizationId,
                            )
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PartyOrganizationCovers::Table,
                                PartyOrganizationCovers::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_party_organization_covers_organization",
            PartyOrganizationCovers::Table,
            PartyOrganizationCovers::OrganizationId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PartyGroups::Table)
                    .col(pk_uuid(PartyGroups::Id))
                    .col(uuid(PartyGroups::PartyOrganizationId))
                    .col(string(PartyGroups::Name))
                    .col(uuid_null(PartyGroups::LeaderMemberId))
                    .col(timestamp_with_time_zone(PartyGroups::CreatedAt))
                    .col(timestamp_with_time_zone(PartyGroups::UpdatedAt))
                    .col(integer(PartyGroups::Version))
                    .col(timestamp_with_time_zone_null(PartyGroups::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PartyGroups::Table, PartyGroups::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_party_groups_party_organization",
            PartyGroups::Table,
            PartyGroups::PartyOrganizationId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(pk_uuid(Members::Id))
                    .col(string(Members::Name))
                    .col(string(Members::Gender))
                    .col(date(Members::BirthDate))
                    .col(string_null(Members::Ethnicity))
                    .col(string_null(Members::Education))
                    .col(string_null(Members::Phone))
                    .col(string_len(Members::IdNumber, 18))
                    .col(uuid_null(Members::OrganizationId))
                    .col(uuid(Members::PartyOrganizationId))
                    .col(uuid_null(Members::PartyGroupId))
                    .col(string(Members::Stage))
                    .col(string(Members::Status))
                    .col(boolean(Members::IsMobile))
                    .col(uuid_null(Members::HostPartyOrganizationId))
                    .col(date_null(Members::JoinedOn))
                    .col(date_null(Members::ProbationEndsOn))
                    .col(date_null(Members::FullMemberOn))
                    .col(timestamp_with_time_zone(Members::CreatedAt))
                    .col(timestamp_with_time_zone(Members::UpdatedAt))
                    .col(integer(Members::Version))
                    .col(timestamp_with_time_zone_null(Members::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::OrganizationId)
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::PartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::HostPartyOrganizationId)
                            .to(PartyOrganizations::Table, PartyOrganizations::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::PartyGroupId)
                            .to(PartyGroups::Table, PartyGroups::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_members_party_organization",
                Members::PartyOrganizationId,
            ),
            (
                "idx_members_host_party_organization",
                Members::HostPartyOrganizationId,
            ),
            ("idx_members_organization", Members::OrganizationId),
        ] {
            index(manager, name, Members::Table, column).await?;
        }
        // One live record per person: an ID number is unique among members not archived.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_members_id_number_live ON members (id_number) \
                 WHERE archived_at IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DevelopmentSteps::Table)
                    .col(pk_uuid(DevelopmentSteps::Id))
                    .col(uuid(DevelopmentSteps::MemberId))
                    .col(string(DevelopmentSteps::Step))
                    .col(date(DevelopmentSteps::OccurredOn))
                    .col(text(DevelopmentSteps::Details))
                    .col(string(DevelopmentSteps::RecordedBy))
                    .col(timestamp_with_time_zone(DevelopmentSteps::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DevelopmentSteps::Table, DevelopmentSteps::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_development_steps_member",
            DevelopmentSteps::Table,
            DevelopmentSteps::MemberId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberTransfers::Table)
                    .col(pk_uuid(MemberTransfers::Id))
                    .col(uuid(MemberTransfers::MemberId))
                    .col(string(MemberTransfers::Kind))
                    .col(uuid_null(MemberTransfers::FromPartyOrganizationId))
                    .col(uuid_null(MemberTransfers::ToPartyOrganizationId))
                    .col(string_null(MemberTransfers::Counterpart))
                    .col(date(MemberTransfers::TransferredOn))
                    .col(string_null(MemberTransfers::Reason))
                    .col(string(MemberTransfers::RecordedBy))
                    .col(timestamp_with_time_zone(MemberTransfers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberTransfers::Table, MemberTransfers::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_member_transfers_member",
            MemberTransfers::Table,
            MemberTransfers::MemberId,
        )
        .await
    }
}

async fn index<T, C>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    column: C,
) -> Result<(), DbErr>
where
    T: IntoTableRef + 'static,
    C: IntoIndexColumn + 'static,
{
    manager
        .create_index(
            Index::create()
                .name(name)
                .table(table)
                .col(column)
                .to_owned(),
        )
        .await
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
    Name,
    OrgType,
    ParentId,
    Path,
    RegionCode,
    EstablishedOn,
    SecretaryMemberId,
    TermStartsOn,
    TermEndsOn,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum PartyOrganizationCovers {
    Table,
    PartyOrganizationId,
    OrganizationId,
}

#[derive(DeriveIden)]
enum PartyGroups {
    Table,
    Id,
    PartyOrganizationId,
    Name,
    LeaderMemberId,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    Name,
    Gender,
    BirthDate,
    Ethnicity,
    Education,
    Phone,
    IdNumber,
    OrganizationId,
    PartyOrganizationId,
    PartyGroupId,
    Stage,
    Status,
    IsMobile,
    HostPartyOrganizationId,
    JoinedOn,
    ProbationEndsOn,
    FullMemberOn,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum DevelopmentSteps {
    Table,
    Id,
    MemberId,
    Step,
    OccurredOn,
    Details,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MemberTransfers {
    Table,
    Id,
    MemberId,
    Kind,
    FromPartyOrganizationId,
    ToPartyOrganizationId,
    Counterpart,
    TransferredOn,
    Reason,
    RecordedBy,
    CreatedAt,
}
