use sea_orm_migration::{prelude::*, schema::*};

/// Party-building instructors, their trainings, their assignments to organizations ("one person,
/// one enterprise", held by partial unique indexes) and their visit logs.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Instructors::Table)
                    .col(pk_uuid(Instructors::Id))
                    .col(string(Instructors::Name))
                    .col(string(Instructors::SourceUnitType))
                    .col(string(Instructors::SourceUnit))
                    .col(string_len(Instructors::RegionCode, 12))
                    .col(string_null(Instructors::Phone))
                    .col(string_null(Instructors::Expertise))
                    .col(string(Instructors::Status))
                    .col(boolean(Instructors::IsFullPartyMember))
                    .col(uuid_null(Instructors::UserId))
                    .col(timestamp_with_time_zone(Instructors::CreatedAt))
                    .col(timestamp_with_time_zone(Instructors::UpdatedAt))
                    .col(integer(Instructors::Version))
                    .col(timestamp_with_time_zone_null(Instructors::ArchivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Instructors::Table, Instructors::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_instructors_region",
            Instructors::Table,
            Instructors::RegionCode,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstructorTrainings::Table)
                    .col(pk_uuid(InstructorTrainings::Id))
                    .col(uuid(InstructorTrainings::InstructorId))
                    .col(string(InstructorTrainings::Title))
                    .col(date(InstructorTrainings::HeldOn))
                    .col(integer(InstructorTrainings::Hours))
                    .col(string_null(InstructorTrainings::Organizer))
                    .col(string(InstructorTrainings::RecordedBy))
                    .col(timestamp_with_time_zone(InstructorTrainings::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                InstructorTrainings::Table,
                                InstructorTrainings::InstructorId,
                            )
                            .to(Instructors::Table, Instructors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_instructor_trainings_instructor",
            InstructorTrainings::Table,
            InstructorTrainings::InstructorId,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstructorAssignments::Table)
                    .col(pk_uuid(InstructorAssignments::Id))
                    .col(uuid(InstructorAssignments::InstructorId))
                    .col(uuid(InstructorAssignments::OrganizationId))
                    .col(date(InstructorAssignments::StartsOn))
                    .col(date_null(InstructorAssignments::EndsOn))
                    .col(string(InstructorAssignments::Status))
                    // Which of the instructor's `LIANGXIN_MAX_ORGS_PER_INSTRUCTOR` places an
                    // active assignment takes; unique per instructor while active.
                    .col(integer(InstructorAssignments::Slot))
                    .col(string_null(InstructorAssignments::Note))
                    .col(string_null(InstructorAssignments::EndReason))
                    .col(timestamp_with_time_zone(InstructorAssignments::CreatedAt))
                    .col(timestamp_with_time_zone(InstructorAssignments::UpdatedAt))
                    .col(integer(InstructorAssignments::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                InstructorAssignments::Table,
                                InstructorAssignments::InstructorId,
                            )
                            .to(Instructors::Table, Instructors::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                InstructorAssignments::Table,
                                InstructorAssignments::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_instructor_assignments_instructor",
                InstructorAssignments::InstructorId,
            ),
            (
                "idx_instructor_assignments_organization",
                InstructorAssignments::OrganizationId,
            ),
        ] {
            index(manager, name, InstructorAssignments::Table, column).await?;
        }
        // One person, one enterprise: one active assignment per organization, and per instructor
        // one per slot. Partial indexes read the same on SQLite and PostgreSQL.
        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_instructor_assignments_organization_active \
                 ON instructor_assignments (organization_id) WHERE status = 'active'",
            )
            .await?;
        connection
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_instructor_assignments_instructor_slot_active \
                 ON instructor_assignments (instructor_id, slot) WHERE status = 'active'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstructorVisits::Table)
                    .col(pk_uuid(InstructorVisits::Id))
                    .col(uuid(InstructorVisits::AssignmentId))
                    .col(date(InstructorVisits::VisitedOn))
                    .col(string(InstructorVisits::Topic))
                    .col(text_null(InstructorVisits::Findings))
                    .col(text_null(InstructorVisits::FollowUps))
                    .col(date_null(InstructorVisits::NextVisitOn))
                    .col(string(InstructorVisits::RecordedBy))
                    .col(timestamp_with_time_zone(InstructorVisits::CreatedAt))
                    .col(timestamp_with_time_zone(InstructorVisits::UpdatedAt))
                    .col(integer(InstructorVisits::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(InstructorVisits::Table, InstructorVisits::AssignmentId)
                            .to(InstructorAssignments::Table, InstructorAssignments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_instructor_visits_assignment",
            InstructorVisits::Table,
            InstructorVisits::AssignmentId,
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Instructors {
    Table,
    Id,
    Name,
    SourceUnitType,
    SourceUnit,
    RegionCode,
    Phone,
    Expertise,
    Status,
    IsFullPartyMember,
    UserId,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum InstructorTrainings {
    Table,
    Id,
    InstructorId,
    Title,
    HeldOn,
    Hours,
    Organizer,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InstructorAssignments {
    Table,
    Id,
    InstructorId,
    OrganizationId,
    StartsOn,
    EndsOn,
    Status,
    Slot,
    Note,
    EndReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum InstructorVisits {
    Table,
    Id,
    AssignmentId,
    VisitedOn,
    Topic,
    Findings,
    FollowUps,
    NextVisitOn,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}
