use sea_orm_migration::{prelude::*, schema::*};

/// Responsibility posts (党员责任区 / 示范岗 / 先锋岗) and their yearly evaluations.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ResponsibilityPosts::Table)
                    .col(uuid(ResponsibilityPosts::Id).primary_key())
                    .col(string(ResponsibilityPosts::Kind))
                    .col(uuid(ResponsibilityPosts::MemberId))
                    .col(uuid(ResponsibilityPosts::PartyOrganizationId))
                    .col(uuid(ResponsibilityPosts::OrganizationId))
                    .col(string(ResponsibilityPosts::Title))
                    .col(text_null(ResponsibilityPosts::Description))
                    .col(text(ResponsibilityPosts::Commitments))
                    .col(date(ResponsibilityPosts::StartsOn))
                    .col(date_null(ResponsibilityPosts::EndsOn))
                    .col(timestamp_with_time_zone(ResponsibilityPosts::CreatedAt))
                    .col(timestamp_with_time_zone(ResponsibilityPosts::UpdatedAt))
                    .col(integer(ResponsibilityPosts::Version))
                    .col(timestamp_with_time_zone_null(
                        ResponsibilityPosts::ArchivedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_responsibility_posts_member")
                            .from(ResponsibilityPosts::Table, ResponsibilityPosts::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_responsibility_posts_organization")
                            .from(
                                ResponsibilityPosts::Table,
                                ResponsibilityPosts::OrganizationId,
                            )
                            .to(Organizations::Table, Organizations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_responsibility_posts_member")
                    .table(ResponsibilityPosts::Table)
                    .col(ResponsibilityPosts::MemberId)
                    .col(ResponsibilityPosts::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostEvaluations::Table)
                    .col(uuid(PostEvaluations::Id).primary_key())
                    .col(uuid(PostEvaluations::PostId))
                    .col(date(PostEvaluations::EvaluatedOn))
                    .col(integer(PostEvaluations::Year))
                    .col(string(PostEvaluations::Rating))
                    .col(string(PostEvaluations::Evaluator))
                    .col(text_null(PostEvaluations::Comment))
                    .col(timestamp_with_time_zone(PostEvaluations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_evaluations_post")
                            .from(PostEvaluations::Table, PostEvaluations::PostId)
                            .to(ResponsibilityPosts::Table, ResponsibilityPosts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_post_evaluations_post_year")
                    .table(PostEvaluations::Table)
                    .col(PostEvaluations::PostId)
                    .col(PostEvaluations::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ResponsibilityPosts {
    Table,
    Id,
    Kind,
    MemberId,
    PartyOrganizationId,
    OrganizationId,
    Title,
    Description,
    Commitments,
    StartsOn,
    EndsOn,
    CreatedAt,
    UpdatedAt,
    Version,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum PostEvaluations {
    Table,
    Id,
    PostId,
    EvaluatedOn,
    Year,
    Rating,
    Evaluator,
    Comment,
    CreatedAt,
}
