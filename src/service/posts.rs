//! Responsibility posts and their yearly evaluations. A member's posts of one kind in one
//! organization never overlap in time: the check runs in the write's transaction with the
//! member's row locked, so concurrent appointments of one member queue and the second sees the
//! first; one evaluation per post and year is a unique index.
use chrono::Utc;
use entity::enums::{MemberStatus, Stage};
use entity::member::{self, Entity as Member};
use entity::party_organization_cover as cover;
use entity::post_evaluation::{self as evaluation, Entity as Evaluation};
use entity::responsibility_post::{ActiveModel, Column, Entity as Post, Model};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::auth::policy::Scope;
use crate::db::Db;
use crate::domain::post::{self as rules, PostKind, Rating};
use crate::error::ApiError;

resource::impl_resource!(responsibility_post, archived);

/// What a caller sets on a post.
#[derive(Clone, Debug)]
pub struct PostFields {
    pub kind: PostKind,
    pub member_id: Uuid,
    pub organization_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub commitments: Vec<String>,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub struct PostFilter {
    pub member_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub party_organization_id: Option<Uuid>,
    pub kind: Option<PostKind>,
    /// Posts held on this day.
    pub active_on: Option<chrono::NaiveDate>,
}

/// Posts the caller reaches: in the party organizations of their scope, or their own.
pub fn within(access: &Access) -> Condition {
    scope::condition(access, |s| match s {
        Scope::OwnMember(id) => Some(Condition::all().add(Column::MemberId.eq(*id))),
        other => scope::party_reached_by(other).map(|reach| {
            Condition::all().add(Column::PartyOrganizationId.in_subquery(scope::party_ids(reach)))
        }),
    })
}

pub fn commitments_of(post: &Model) -> Vec<String> {
    serde_json::from_str(&post.commitments).unwrap_or_default()
}

fn change(action: &'static str, post: &Model, region: &str, fields: Vec<String>) -> audit::Change {
    audit::Change {
        action,
        resource_type: "responsibility_post",
        resource_id: post.id,
        changed_fields: fields,
        region_code: Some(region.to_owned()),
        feed: audit::FeedFacts {
            version: Some(post.version),
            party_organization_id: Some(post.party_organization_id),
            left: None,
        },
    }
}

/// The member, if an active full or probationary member of a party organization the caller
/// reaches that covers the organization; 409 otherwise.
async fn eligible_member(
    txn: &DatabaseTransaction,
    access: &Access,
    member_id: Uuid,
    organization_id: Uuid,
) -> Result<member::Model, ApiError> {
    let condition = scope::members(access).add(resource::visibility::<Member>(false));
    let member = resource::get::<Member>(txn, member_id, condition)
        .await
        .map_err(|e| match e {
            ApiError::NotFound => ApiError::invalid(
                "member_id",
                "unknown_member",
                format!("{member_id} is not a member you can reach"),
            ),
            other => other,
        })?;
    if member.status != MemberStatus::Active
        || !matches!(member.stage, Stage::Full | Stage::Probationary)
    {
        return Err(ApiError::conflict(
            "not_a_party_member",
            "A post is held by an active full or probationary member.",
        ));
    }
    let covers = cover::Entity::find()
        .filter(cover::Column::PartyOrganizationId.eq(member.party_organization_id))
        .filter(cover::Column::OrganizationId.eq(organization_id))
        .one(txn)
        .await?;
    if covers.is_none() {
        return Err(ApiError::conflict(
            "not_covered",
            "The member's party organization does not cover this organization.",
        ));
    }
    Ok(member)
}

/// The member's other posts in the organization: id, kind and period.
async fn held(
    conn: &impl ConnectionTrait,
    member_id: Uuid,
    organization_id: Uuid,
    except: Option<Uuid>,
) -> Result<Vec<(Uuid, PostKind, chrono::NaiveDate, Option<chrono::NaiveDate>)>, ApiError> {
    let mut query = Post::find()
        .select_only()
        .columns([Column::Id, Column::Kind, Column::StartsOn, Column::EndsOn])
        .filter(Column::MemberId.eq(member_id))
        .filter(Column::OrganizationId.eq(organization_id))
        .filter(Column::ArchivedAt.is_null());
    if let Some(id) = except {
        query = query.filter(Column::Id.ne(id));
    }
    Ok(query.into_tuple().all(conn).await?)
}

/// Locks the member's row: concurrent writes of one member's posts queue here.
async fn lock_member(txn: &DatabaseTransaction, member_id: Uuid) -> Result<(), ApiError> {
    Member::update_many()
        .col_expr(member::Column::Version, Expr::col(member::Column::Version))
        .filter(member::Column::Id.eq(member_id))
        .exec(txn)
        .await?;
    Ok(())
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    fields: PostFields,
) -> Result<Model, ApiError> {
    lock_member(txn, fields.member_id).await?;
    let member = eligible_member(
        txn,
        &caller.access,
        fields.member_id,
        fields.organization_id,
    )
    .await?;
    let others = held(txn, fields.member_id, fields.organization_id, None).await?;
    rules::check_no_overlap(fields.kind, (fields.starts_on, fields.ends_on), &others)?;
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(fields.kind),
        member_id: Set(fields.member_id),
        party_organization_id: Set(member.party_organization_id),
        organization_id: Set(fields.organization_id),
        title: Set(fields.title),
        description: Set(fields.description),
        commitments: Set(serde_json::to_string(&fields.commitments).expect("texts serialize")),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
    }
    .insert(txn)
    .await?;
    let region = audit::region_of_party_organization(txn, created.party_organization_id).await?;
    let set = audit::set_fields(&created);
    audit::record(txn, &caller.actor, change("create", &created, &region, set)).await?;
    Ok(created)
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    let condition = within(access).add(resource::visibility::<Post>(include_archived));
    resource::get::<Post>(&db.read, id, condition).await
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &PostFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = within(access);
    if let Some(id) = filter.member_id {
        condition = condition.add(Column::MemberId.eq(id));
    }
    if let Some(id) = filter.organization_id {
        condition = condition.add(Column::OrganizationId.eq(id));
    }
    if let Some(id) = filter.party_organization_id {
        condition = condition.add(Column::PartyOrganizationId.eq(id));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    if let Some(day) = filter.active_on {
        condition = condition.add(Column::StartsOn.lte(day)).add(
            Condition::any()
                .add(Column::EndsOn.is_null())
                .add(Column::EndsOn.gte(day)),
        );
    }
    resource::list::<Post>(&db.read, condition, page).await
}

/// Changes a post's title, description, commitments or period (kind, member and organization
/// stay: another of those is another post).
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: PostFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<Post>(
        &txn,
        id,
        within(&caller.access).add(resource::visibility::<Post>(false)),
    )
    .await?;
    lock_member(&txn, before.member_id).await?;
    let others = held(&txn, before.member_id, before.organization_id, Some(id)).await?;
    rules::check_no_overlap(before.kind, (fields.starts_on, fields.ends_on), &others)?;
    let changes = ActiveModel {
        title: Set(fields.title),
        description: Set(fields.description),
        commitments: Set(serde_json::to_string(&fields.commitments).expect("texts serialize")),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<Post, _>(&txn, id, expected_version, changes).await?;
    let region = audit::region_of_party_organization(&txn, updated.party_organization_id).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        change("update", &updated, &region, changed),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn archive(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let post = resource::get::<Post>(&txn, id, within(&caller.access)).await?;
    if let Some(version) = resource::archive::<Post>(&txn, id, expected_version).await? {
        let region = audit::region_of_party_organization(&txn, post.party_organization_id).await?;
        let record =
            change("archive", &post, &region, vec!["archived_at".into()]).at_version(version);
        audit::record(&txn, &caller.actor, record).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// An evaluation to record.
#[derive(Clone, Debug)]
pub struct EvaluationFields {
    pub evaluated_on: chrono::NaiveDate,
    pub rating: Rating,
    pub evaluator: String,
    pub comment: Option<String>,
}

/// Evaluates a post: not before it starts, once a calendar year.
pub async fn evaluate(
    txn: &DatabaseTransaction,
    caller: &Caller,
    post_id: Uuid,
    fields: EvaluationFields,
) -> Result<evaluation::Model, ApiError> {
    let post = resource::get::<Post>(
        txn,
        post_id,
        within(&caller.access).add(resource::visibility::<Post>(false)),
    )
    .await?;
    let years: Vec<i32> = Evaluation::find()
        .select_only()
        .column(evaluation::Column::Year)
        .filter(evaluation::Column::PostId.eq(post_id))
        .into_tuple()
        .all(txn)
        .await?;
    let year = rules::check_evaluation(post.starts_on, fields.evaluated_on, &years)?;
    let created = evaluation::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post_id),
        evaluated_on: Set(fields.evaluated_on),
        year: Set(year),
        rating: Set(fields.rating),
        evaluator: Set(fields.evaluator),
        comment: Set(fields.comment),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict(
            "already_evaluated",
            format!("The post has an evaluation for {year} already."),
        ),
        _ => e.into(),
    })?;
    let region = audit::region_of_party_organization(txn, post.party_organization_id).await?;
    let record = change("evaluate", &post, &region, vec!["evaluations".into()]);
    audit::record(txn, &caller.actor, record).await?;
    Ok(created)
}

/// A post's evaluations, oldest first.
pub async fn evaluations(
    conn: &impl ConnectionTrait,
    post_id: Uuid,
) -> Result<Vec<evaluation::Model>, ApiError> {
    Ok(Evaluation::find()
        .filter(evaluation::Column::PostId.eq(post_id))
        .order_by_asc(evaluation::Column::EvaluatedOn)
        .all(conn)
        .await?)
}
