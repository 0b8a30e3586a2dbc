//! The event feed: every committed change to the register, numbered gap-free in commit order.
//!
//! A write appends its events in its own transaction (from [`super::audit`], which every write
//! calls), taking their numbers from the one `event_counter` row. That row stays locked until
//! the write commits or rolls back, so numbers are given in commit order, a rolled-back write
//! gives its numbers back, and a reader that has seen number `n` has seen every number below
//! it. The counter's committed value is what a reader may read up to.
use chrono::{Duration, Utc};
use entity::event::{self, Entity as Event, Model};
use entity::event_counter::{self, Entity as EventCounter};
use entity::party_organization;
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::audit::Change;
use super::scope;
use crate::auth::Access;
use crate::auth::policy::Scope;
use crate::db::Db;
use crate::error::ApiError;

/// The resource types the feed publishes (users, API clients and calendar tokens are
/// credentials, not the register).
pub const TYPES: &[&str] = &[
    "organization",
    "party_organization",
    "party_group",
    "member",
    "instructor",
    "instructor_assignment",
    "instructor_visit",
    "meeting",
    "meeting_schedule",
    "fund_entry",
    "work_system",
    "study_record",
    "party_worker",
    "responsibility_post",
    "activity",
    "concern",
];

/// The action of an event that tells a reader a resource left their scope (a member
/// transferred to a branch they do not reach): drop it from the mirror.
pub const REMOVED_FROM_SCOPE: &str = "removed_from_scope";

/// Whether an audited change is a change of the register that the feed publishes.
fn published(change: &Change) -> bool {
    TYPES.contains(&change.resource_type) && change.action != "duplicate_id_number"
}

/// Appends the events of `changes` in the write's transaction (see the module's comment).
pub(super) async fn append<'c>(
    conn: &impl ConnectionTrait,
    changes: impl IntoIterator<Item = &'c Change>,
) -> Result<(), ApiError> {
    let changes: Vec<&Change> = changes.into_iter().filter(|c| published(c)).collect();
    if changes.is_empty() {
        return Ok(());
    }
    let mut events = Vec::with_capacity(changes.len() + 1);
    let party_ids: Vec<Uuid> = changes
        .iter()
        .flat_map(|c| {
            [
                c.feed.party_organization_id,
                c.feed.left.as_ref().and_then(|l| l.0),
            ]
        })
        .flatten()
        .collect();
    let paths: Vec<(Uuid, String)> = if party_ids.is_empty() {
        Vec::new()
    } else {
        party_organization::Entity::find()
            .select_only()
            .column(party_organization::Column::Id)
            .column(party_organization::Column::Path)
            .filter(party_organization::Column::Id.is_in(party_ids))
            .into_tuple()
            .all(conn)
            .await?
    };
    let path_of = |id: Option<Uuid>| {
        id.and_then(|id| {
            paths
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, path)| path.clone())
        })
    };
    let now = Utc::now();
    for change in changes {
        if let Some((left, left_region)) = &change.feed.left {
            events.push((
                change,
                REMOVED_FROM_SCOPE,
                left_region.clone(),
                path_of(*left),
            ));
        }
        events.push((
            change,
            change.action,
            change.region_code.clone(),
            path_of(change.feed.party_organization_id),
        ));
    }
    // Take the numbers: the counter row stays locked until this transaction ends.
    let counter = EventCounter::update_many()
        .col_expr(
            event_counter::Column::LastSeq,
            Expr::col(event_counter::Column::LastSeq).add(events.len() as i64),
        )
        .filter(event_counter::Column::Id.eq(1))
        .exec_with_returning(conn)
        .await?;
    let last = counter
        .first()
        .map(|c| c.last_seq)
        .ok_or_else(|| ApiError::Internal("the event counter row is missing".into()))?;
    let first = last - events.len() as i64 + 1;
    let rows: Vec<event::ActiveModel> = events
        .into_iter()
        .enumerate()
        .map(
            |(n, (change, action, region_code, party_path))| event::ActiveModel {
                seq: Set(first + n as i64),
                occurred_at: Set(now),
                resource_type: Set(change.resource_type.to_owned()),
                resource_id: Set(change.resource_id),
                action: Set(action.to_owned()),
                version: Set(change.feed.version),
                region_code: Set(region_code),
                party_path: Set(party_path),
            },
        )
        .collect();
    super::webhooks::enqueue(conn, &rows).await?;
    for chunk in rows.chunks(500) {
        Event::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    crate::metrics::EVENT_ROWS.inc_by(rows.len() as u64);
    Ok(())
}

/// What a reader asks the feed for.
#[derive(Clone, Debug, Default)]
pub struct FeedRequest {
    pub after: i64,
    pub limit: u64,
    pub types: Vec<String>,
    pub resource_id: Option<Uuid>,
}

/// The numbers a reader may read: the last committed, and the last purged (every event up to it
/// is gone).
pub async fn bounds(db: &Db) -> Result<(i64, i64), ApiError> {
    let counter = EventCounter::find_by_id(1)
        .one(&db.read)
        .await?
        .ok_or_else(|| ApiError::Internal("the event counter row is missing".into()))?;
    Ok((counter.last_seq, counter.purged_through))
}

/// Events within the caller's scope after `after`, oldest first, up to `last` (the committed
/// number read before, so that nothing past it is read while a write is in flight).
pub async fn page(
    db: &Db,
    access: &Access,
    request: &FeedRequest,
    last: i64,
) -> Result<Vec<Model>, ApiError> {
    let mut condition = Condition::all()
        .add(event::Column::Seq.gt(request.after))
        .add(event::Column::Seq.lte(last))
        .add(within(access));
    if !request.types.is_empty() {
        condition = condition.add(event::Column::ResourceType.is_in(request.types.clone()));
    }
    if let Some(id) = request.resource_id {
        condition = condition.add(event::Column::ResourceId.eq(id));
    }
    Ok(Event::find()
        .filter(condition)
        .order_by_asc(event::Column::Seq)
        .limit(request.limit)
        .all(&db.read)
        .await?)
}

/// Events the caller's scopes reach, by where the resource was when it changed: a region, a
/// party organization's subtree, one's own member record or instructor record.
fn within(access: &Access) -> Condition {
    scope::condition(access, |scope| match scope {
        Scope::Region(prefix) => Some(
            Condition::all()
                .add(event::Column::RegionCode.is_not_null())
                .add(super::resource::region_condition(
                    event::Column::RegionCode,
                    prefix,
                )),
        ),
        Scope::PartySubtree(path) => Some(super::resource::subtree_condition(
            event::Column::PartyPath,
            path,
        )),
        Scope::OwnMember(id) => Some(
            Condition::all()
                .add(event::Column::ResourceType.eq("member"))
                .add(event::Column::ResourceId.eq(*id)),
        ),
        // An instructor: their own record, their assignments and the visits of those, and the
        // organizations they are actively assigned to (as they are now).
        Scope::Instructor(id) => {
            use entity::{instructor_assignment as assignment, instructor_visit as visit};
            let assignments = Query::select()
                .column(assignment::Column::Id)
                .from(assignment::Entity)
                .and_where(assignment::Column::InstructorId.eq(*id))
                .to_owned();
            let visits = Query::select()
                .column(visit::Column::Id)
                .from(visit::Entity)
                .and_where(visit::Column::AssignmentId.in_subquery(assignments.clone()))
                .to_owned();
            let of = |resource_type: &str, ids: Condition| {
                Condition::all()
                    .add(event::Column::ResourceType.eq(resource_type))
                    .add(ids)
            };
            Some(
                Condition::any()
                    .add(of(
                        "instructor",
                        event::Column::ResourceId.eq(*id).into_condition(),
                    ))
                    .add(of(
                        "instructor_assignment",
                        event::Column::ResourceId
                            .in_subquery(assignments)
                            .into_condition(),
                    ))
                    .add(of(
                        "instructor_visit",
                        event::Column::ResourceId
                            .in_subquery(visits)
                            .into_condition(),
                    ))
                    .add(of(
                        "organization",
                        event::Column::ResourceId
                            .in_subquery(scope::instructor_organizations(*id))
                            .into_condition(),
                    )),
            )
        }
        Scope::Everything | Scope::Nothing => None,
    })
}

/// Forgets events older than `days`, and remembers the last number forgotten so that a reader
/// asking for older ones learns they are gone (410).
pub async fn purge_older_than(db: &Db, days: u32) -> Result<u64, ApiError> {
    let cutoff = Utc::now() - Duration::days(i64::from(days));
    let txn = super::begin_write(&db.write).await?;
    let newest_gone: Option<i64> = Event::find()
        .select_only()
        .column_as(event::Column::Seq.max(), "seq")
        .filter(event::Column::OccurredAt.lt(cutoff))
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let Some(through) = newest_gone else {
        return Ok(0);
    };
    let deleted = Event::delete_many()
        .filter(event::Column::Seq.lte(through))
        .exec(&txn)
        .await?;
    EventCounter::update_many()
        .col_expr(event_counter::Column::PurgedThrough, Expr::value(through))
        .filter(event_counter::Column::Id.eq(1))
        .filter(event_counter::Column::PurgedThrough.lt(through))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(deleted.rows_affected)
}
