//! Activities of party organizations, and the revisions of their ranked results: a draft can be
//! replaced until it is published; a published revision never changes, and a correction is a new
//! revision (one draft at a time: a partial unique index), so every published list stays readable.
use chrono::{NaiveDate, Utc};
use entity::activity::{ActiveModel, Column, Entity as Activity, Model};
use entity::activity_result::{self as result, Entity as ActivityResult};
use entity::enums::{MeetingKind, MemberStatus, ResultStatus};
use entity::party_organization::{self, Entity as PartyOrganization};
use entity::{meeting, member, party_organization_cover as cover};
use sea_orm::sea_query::{Expr, ExprTrait};
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
use crate::domain::activity::{self as rules, ActivityKind};
use crate::error::ApiError;

resource::impl_resource!(activity, archived);
resource::impl_resource!(concern);

/// What a caller sets on an activity.
#[derive(Clone, Debug)]
pub struct ActivityFields {
    pub kind: ActivityKind,
    pub party_organization_id: Uuid,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub place: Option<String>,
    pub organization_ids: Vec<Uuid>,
    pub participant_ids: Vec<Uuid>,
    pub employee_count: i32,
    pub summary: Option<String>,
    pub attachments: Vec<String>,
    pub meeting_id: Option<Uuid>,
}

#[derive(Clone, Debug, Default)]
pub struct ActivityFilter {
    pub party_organization_id: Option<Uuid>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub member_id: Option<Uuid>,
}

fn ids(text: &str) -> Vec<Uuid> {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn organization_ids(activity: &Model) -> Vec<Uuid> {
    ids(&activity.organization_ids)
}

pub fn participant_ids(activity: &Model) -> Vec<Uuid> {
    ids(&activity.participant_ids)
}

pub fn attachments(activity: &Model) -> Vec<String> {
    serde_json::from_str(&activity.attachments).unwrap_or_default()
}

/// Activities with this member among the participants (their id in the stored list).
fn with_participant(member_id: Uuid) -> Condition {
    Condition::all().add(Column::ParticipantIds.like(format!("%{member_id}%")))
}

/// Activities the caller reaches: of the party organizations of their scope, or (a member) those
/// they took part in.
pub fn within(access: &Access) -> Condition {
    scope::condition(access, |s| match s {
        Scope::OwnMember(id) => Some(with_participant(*id)),
        other => scope::party_reached_by(other).map(|reach| {
            Condition::all().add(Column::PartyOrganizationId.in_subquery(scope::party_ids(reach)))
        }),
    })
}

fn change(
    action: &'static str,
    activity: &Model,
    region: &str,
    fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "activity",
        resource_id: activity.id,
        changed_fields: fields,
        region_code: Some(region.to_owned()),
        feed: audit::FeedFacts {
            version: Some(activity.version),
            party_organization_id: Some(activity.party_organization_id),
            left: None,
        },
    }
}

/// Checks what an activity names against the register: its party organization (reached), the
/// organizations it serves (covered by it), its participants (active members), its theme party
/// day (a meeting of the party organization of that kind). Every fault at once, as a 422.
async fn check_references(
    conn: &impl ConnectionTrait,
    access: &Access,
    fields: &ActivityFields,
) -> Result<party_organization::Model, ApiError> {
    let party =
        super::party_organizations::live_in_scope(conn, access, fields.party_organization_id)
            .await
            .map_err(|e| match e {
                ApiError::NotFound => ApiError::invalid(
                    "party_organization_id",
                    "unknown_party_organization",
                    format!(
                        "{} is not a party organization you can reach",
                        fields.party_organization_id
                    ),
                ),
                other => other,
            })?;
    let mut errors = Vec::new();
    let covered: Vec<Uuid> = cover::Entity::find()
        .select_only()
        .column(cover::Column::OrganizationId)
        .filter(cover::Column::PartyOrganizationId.eq(party.id))
        .into_tuple()
        .all(conn)
        .await?;
    if let Some(stranger) = fields
        .organization_ids
        .iter()
        .find(|o| !covered.contains(o))
    {
        errors.push(crate::error::FieldError::new(
            "organization_ids",
            "not_covered",
            format!("{stranger} is not covered by the party organization"),
        ));
    }
    if !fields.participant_ids.is_empty() {
        let found: Vec<Uuid> = member::Entity::find()
            .select_only()
            .column(member::Column::Id)
            .filter(member::Column::Id.is_in(fields.participant_ids.clone()))
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .filter(member::Column::ArchivedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        if let Some(unknown) = fields.participant_ids.iter().find(|m| !found.contains(m)) {
            errors.push(crate::error::FieldError::new(
                "participant_ids",
                "unknown_member",
                format!("{unknown} is not an active member"),
            ));
        }
    }
    if let Some(meeting_id) = fields.meeting_id {
        let theme_day = meeting::Entity::find_by_id(meeting_id)
            .filter(meeting::Column::PartyOrganizationId.eq(party.id))
            .filter(meeting::Column::Kind.eq(MeetingKind::ThemePartyDay))
            .one(conn)
            .await?;
        if theme_day.is_none() {
            errors.push(crate::error::FieldError::new(
                "meeting_id",
                "not_a_theme_party_day",
                format!("{meeting_id} is not a theme party day of the party organization"),
            ));
        }
    }
    match errors.is_empty() {
        true => Ok(party),
        false => Err(ApiError::Validation(errors)),
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("lists serialize")
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    fields: ActivityFields,
) -> Result<Model, ApiError> {
    let party = check_references(txn, &caller.access, &fields).await?;
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(fields.kind),
        party_organization_id: Set(party.id),
        title: Set(fields.title),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        place: Set(fields.place),
        organization_ids: Set(json(&fields.organization_ids)),
        participant_ids: Set(json(&fields.participant_ids)),
        employee_count: Set(fields.employee_count),
        summary: Set(fields.summary),
        attachments: Set(json(&fields.attachments)),
        meeting_id: Set(fields.meeting_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
    }
    .insert(txn)
    .await?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, &party.region_code, set),
    )
    .await?;
    Ok(created)
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    let condition = within(access).add(resource::visibility::<Activity>(include_archived));
    resource::get::<Activity>(&db.read, id, condition).await
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &ActivityFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = within(access);
    if let Some(id) = filter.party_organization_id {
        condition = condition.add(Column::PartyOrganizationId.eq(id));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::EndsOn.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::StartsOn.lte(to));
    }
    if let Some(member) = filter.member_id {
        condition = condition.add(with_participant(member));
    }
    resource::list::<Activity>(&db.read, condition, page).await
}

/// Changes an activity (its kind and party organization stay).
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: ActivityFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<Activity>(
        &txn,
        id,
        within(&caller.access).add(resource::visibility::<Activity>(false)),
    )
    .await?;
    let party = check_references(&txn, &caller.access, &fields).await?;
    let changes = ActiveModel {
        title: Set(fields.title),
        starts_on: Set(fields.starts_on),
        ends_on: Set(fields.ends_on),
        place: Set(fields.place),
        organization_ids: Set(json(&fields.organization_ids)),
        participant_ids: Set(json(&fields.participant_ids)),
        employee_count: Set(fields.employee_count),
        summary: Set(fields.summary),
        attachments: Set(json(&fields.attachments)),
        meeting_id: Set(fields.meeting_id),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<Activity, _>(&txn, id, expected_version, changes).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        change("update", &updated, &party.region_code, changed),
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
    let activity = resource::get::<Activity>(&txn, id, within(&caller.access)).await?;
    if let Some(version) = resource::archive::<Activity>(&txn, id, expected_version).await? {
        let region =
            audit::region_of_party_organization(&txn, activity.party_organization_id).await?;
        let record =
            change("archive", &activity, &region, vec!["archived_at".into()]).at_version(version);
        audit::record(&txn, &caller.actor, record).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Every revision of an activity's results, oldest first.
pub async fn results(
    conn: &impl ConnectionTrait,
    activity_id: Uuid,
) -> Result<Vec<result::Model>, ApiError> {
    Ok(ActivityResult::find()
        .filter(result::Column::ActivityId.eq(activity_id))
        .order_by_asc(result::Column::Revision)
        .all(conn)
        .await?)
}

/// The activity (live, reached, with results), for a write to its results.
async fn ranked_activity(
    txn: &DatabaseTransaction,
    access: &Access,
    activity_id: Uuid,
) -> Result<Model, ApiError> {
    let activity = resource::get::<Activity>(
        txn,
        activity_id,
        within(access).add(resource::visibility::<Activity>(false)),
    )
    .await?;
    if !rules::has_results(activity.kind) {
        return Err(ApiError::conflict(
            "no_results",
            "Only skills competitions, expert evaluations and innovation lists have ranked results.",
        ));
    }
    Ok(activity)
}

/// Starts a new draft revision with `entries` (JSON, already checked); one draft at a time.
pub async fn draft(
    txn: &DatabaseTransaction,
    caller: &Caller,
    activity_id: Uuid,
    entries: String,
) -> Result<result::Model, ApiError> {
    let activity = ranked_activity(txn, &caller.access, activity_id).await?;
    let last: Option<i32> = ActivityResult::find()
        .select_only()
        .column_as(result::Column::Revision.max(), "revision")
        .filter(result::Column::ActivityId.eq(activity_id))
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten();
    let now = Utc::now();
    let created = result::ActiveModel {
        id: Set(Uuid::now_v7()),
        activity_id: Set(activity_id),
        revision: Set(last.unwrap_or(0) + 1),
        status: Set(ResultStatus::Draft),
        entries: Set(entries),
        published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::conflict(
            "draft_exists",
            "The activity has a draft of its results already: change or publish it.",
        ),
        _ => e.into(),
    })?;
    let region = audit::region_of_party_organization(txn, activity.party_organization_id).await?;
    let record = change(
        "draft_results",
        &activity,
        &region,
        vec![format!("results:{}", created.revision)],
    );
    audit::record(txn, &caller.actor, record).await?;
    Ok(created)
}

/// Replaces a draft's entries, or publishes it; a published revision is a 409 `published`.
pub async fn change_revision(
    txn: &DatabaseTransaction,
    caller: &Caller,
    activity_id: Uuid,
    revision: i32,
    entries: Option<String>,
) -> Result<result::Model, ApiError> {
    let activity = ranked_activity(txn, &caller.access, activity_id).await?;
    let found = ActivityResult::find()
        .filter(result::Column::ActivityId.eq(activity_id))
        .filter(result::Column::Revision.eq(revision))
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if found.status == ResultStatus::Published {
        return Err(ApiError::conflict(
            "published",
            "A published list does not change; start a new revision to correct it.",
        ));
    }
    let now = Utc::now();
    let mut update = ActivityResult::update_many()
        .col_expr(result::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            result::Column::Version,
            Expr::col(result::Column::Version).add(1),
        )
        .filter(result::Column::Id.eq(found.id))
        .filter(result::Column::Status.eq(ResultStatus::Draft));
    let action = match &entries {
        Some(entries) => {
            update = update.col_expr(result::Column::Entries, Expr::value(entries.clone()));
            "change_results"
        }
        None => {
            update = update
                .col_expr(result::Column::Status, Expr::value(ResultStatus::Published))
                .col_expr(result::Column::PublishedAt, Expr::value(now));
            "publish_results"
        }
    };
    update.exec(txn).await?;
    let region = audit::region_of_party_organization(txn, activity.party_organization_id).await?;
    let record = change(
        action,
        &activity,
        &region,
        vec![format!("results:{revision}")],
    );
    audit::record(txn, &caller.actor, record).await?;
    let saved = ActivityResult::find_by_id(found.id)
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(saved)
}

/// A concern to record.
#[derive(Clone, Debug)]
pub struct ConcernFields {
    pub text: String,
    pub responsible: String,
    pub due_on: NaiveDate,
}

#[derive(Clone, Debug, Default)]
pub struct ConcernFilter {
    pub activity_id: Option<Uuid>,
    pub party_organization_id: Option<Uuid>,
    pub status: Option<entity::enums::ConcernStatus>,
    /// Only those open or in progress past their due date (as of `today`).
    pub overdue_on: Option<NaiveDate>,
}

fn concern_change(
    action: &'static str,
    concern: &entity::concern::Model,
    region: &str,
    fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "concern",
        resource_id: concern.id,
        changed_fields: fields,
        region_code: Some(region.to_owned()),
        feed: audit::FeedFacts {
            version: Some(concern.version),
            party_organization_id: Some(concern.party_organization_id),
            left: None,
        },
    }
}

/// Concerns of the party organizations the caller reaches (a member: none).
fn concerns_within(access: &Access) -> Condition {
    use entity::concern::Column as C;
    scope::condition(access, |s| {
        scope::party_reached_by(s).map(|reach| {
            Condition::all().add(C::PartyOrganizationId.in_subquery(scope::party_ids(reach)))
        })
    })
}

/// Records a concern raised in an ideological-work activity.
pub async fn raise_concern(
    txn: &DatabaseTransaction,
    caller: &Caller,
    activity_id: Uuid,
    fields: ConcernFields,
) -> Result<entity::concern::Model, ApiError> {
    let activity = resource::get::<Activity>(
        txn,
        activity_id,
        within(&caller.access).add(resource::visibility::<Activity>(false)),
    )
    .await?;
    if !rules::is_ideological_work(activity.kind) {
        return Err(ApiError::conflict(
            "not_ideological_work",
            "Concerns are raised in discussions, invitations and face-to-face sessions with employees.",
        ));
    }
    let now = Utc::now();
    let created = entity::concern::ActiveModel {
        id: Set(Uuid::now_v7()),
        activity_id: Set(activity_id),
        party_organization_id: Set(activity.party_organization_id),
        text: Set(fields.text),
        responsible: Set(fields.responsible),
        due_on: Set(fields.due_on),
        status: Set(entity::enums::ConcernStatus::Open),
        decline_reason: Set(None),
        closed_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await?;
    let region = audit::region_of_party_organization(txn, created.party_organization_id).await?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        concern_change("create", &created, &region, set),
    )
    .await?;
    Ok(created)
}

pub async fn concerns(
    db: &Db,
    access: &Access,
    filter: &ConcernFilter,
    page: &PageRequest,
) -> Result<Page<entity::concern::Model>, ApiError> {
    use entity::concern::Column as C;
    let mut condition = concerns_within(access);
    if let Some(id) = filter.activity_id {
        condition = condition.add(C::ActivityId.eq(id));
    }
    if let Some(id) = filter.party_organization_id {
        condition = condition.add(C::PartyOrganizationId.eq(id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(C::Status.eq(status));
    }
    if let Some(today) = filter.overdue_on {
        use entity::enums::ConcernStatus::{InProgress, Open};
        condition = condition
            .add(C::Status.is_in([Open, InProgress]))
            .add(C::DueOn.lt(today));
    }
    resource::list::<entity::concern::Entity>(&db.read, condition, page).await
}

pub async fn concern(
    db: &Db,
    access: &Access,
    id: Uuid,
) -> Result<entity::concern::Model, ApiError> {
    resource::get::<entity::concern::Entity>(&db.read, id, concerns_within(access)).await
}

/// Moves a concern on (see [`rules::check_concern_step`]), or changes who is responsible and
/// when it is due.
#[allow(clippy::too_many_arguments)]
pub async fn follow_up(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    status: entity::enums::ConcernStatus,
    responsible: String,
    due_on: NaiveDate,
    decline_reason: Option<String>,
    today: NaiveDate,
) -> Result<entity::concern::Model, ApiError> {
    use entity::enums::ConcernStatus::{Declined, Resolved};
    let txn = super::begin_write(&db.write).await?;
    let before =
        resource::get::<entity::concern::Entity>(&txn, id, concerns_within(&caller.access)).await?;
    rules::check_concern_step(before.status, status, decline_reason.as_deref())?;
    let closing = before.status != status && matches!(status, Resolved | Declined);
    let changes = entity::concern::ActiveModel {
        status: Set(status),
        responsible: Set(responsible),
        due_on: Set(due_on),
        decline_reason: Set(match status {
            Declined => decline_reason,
            _ => None,
        }),
        closed_on: Set(if closing {
            Some(today)
        } else {
            before.closed_on
        }),
        ..Default::default()
    };
    let updated = resource::update_versioned::<entity::concern::Entity, _>(
        &txn,
        id,
        expected_version,
        changes,
    )
    .await?;
    let region = audit::region_of_party_organization(&txn, updated.party_organization_id).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        concern_change("update", &updated, &region, changed),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// What a party organization did with its activity carriers in a period.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub activities_by_kind: std::collections::BTreeMap<String, u64>,
    pub activities: u64,
    /// Distinct members who took part in an activity.
    pub member_participants: u64,
    /// Employees (not members) who took part, summed over activities.
    pub employee_participants: u64,
    pub posts_held: u64,
    pub ratings: std::collections::BTreeMap<String, u64>,
    pub concerns_raised: u64,
    pub concerns_resolved: u64,
    pub concerns_overdue: u64,
    /// Active full and probationary members who took part in no activity and held no post.
    pub idle_members: Vec<(Uuid, String)>,
}

impl Summary {
    /// Ran no activity and held no post in the period: "mere decoration" (挂牌/空壳).
    pub fn decorative(&self) -> bool {
        self.activities == 0 && self.posts_held == 0
    }
}

fn snake<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The summaries of these party organizations over the days [`first`, `end`), as of `today`.
pub async fn summaries(
    conn: &impl ConnectionTrait,
    party_organization_ids: &[Uuid],
    first: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
) -> Result<std::collections::HashMap<Uuid, Summary>, ApiError> {
    use entity::enums::ConcernStatus;
    use std::collections::{HashMap, HashSet};
    let mut out: HashMap<Uuid, Summary> = party_organization_ids
        .iter()
        .map(|id| (*id, Summary::default()))
        .collect();
    let mut took_part: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for chunk in party_organization_ids.chunks(500) {
        // Only the columns the figures need: a region's report reads every activity of the period.
        let activities: Vec<(Uuid, Uuid, entity::enums::ActivityKind, i32, String)> =
            Activity::find()
                .select_only()
                .columns([
                    Column::Id,
                    Column::PartyOrganizationId,
                    Column::Kind,
                    Column::EmployeeCount,
                    Column::ParticipantIds,
                ])
                .filter(Column::PartyOrganizationId.is_in(chunk.to_vec()))
                .filter(Column::ArchivedAt.is_null())
                .filter(Column::StartsOn.lt(end))
                .filter(Column::EndsOn.gte(first))
                .into_tuple()
                .all(conn)
                .await?;
        let activity_ids: Vec<Uuid> = activities.iter().map(|a| a.0).collect();
        for (_, party, kind, employees, participants) in &activities {
            let summary = out.entry(*party).or_default();
            summary.activities += 1;
            *summary.activities_by_kind.entry(snake(kind)).or_default() += 1;
            summary.employee_participants += u64::try_from(*employees).unwrap_or(0);
            took_part
                .entry(*party)
                .or_default()
                .extend(ids(participants));
        }
        drop(activities);
        for chunk_of_ids in activity_ids.chunks(500) {
            use entity::concern;
            let concerns: Vec<(Uuid, ConcernStatus, NaiveDate)> = concern::Entity::find()
                .select_only()
                .columns([
                    concern::Column::PartyOrganizationId,
                    concern::Column::Status,
                    concern::Column::DueOn,
                ])
                .filter(concern::Column::ActivityId.is_in(chunk_of_ids.to_vec()))
                .into_tuple()
                .all(conn)
                .await?;
            for (party, status, due_on) in concerns {
                let summary = out.entry(party).or_default();
                summary.concerns_raised += 1;
                if status == ConcernStatus::Resolved {
                    summary.concerns_resolved += 1;
                }
                if rules::overdue(status, due_on, today) {
                    summary.concerns_overdue += 1;
                }
            }
        }
        use entity::responsibility_post as post;
        let posts: Vec<(Uuid, Uuid, Uuid)> = post::Entity::find()
            .select_only()
            .columns([
                post::Column::Id,
                post::Column::PartyOrganizationId,
                post::Column::MemberId,
            ])
            .filter(post::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .filter(post::Column::ArchivedAt.is_null())
            .filter(post::Column::StartsOn.lt(end))
            .filter(
                Condition::any()
                    .add(post::Column::EndsOn.is_null())
                    .add(post::Column::EndsOn.gte(first)),
            )
            .into_tuple()
            .all(conn)
            .await?;
        let post_party: HashMap<Uuid, Uuid> = posts.iter().map(|p| (p.0, p.1)).collect();
        for (_, party, member_id) in &posts {
            out.entry(*party).or_default().posts_held += 1;
            took_part.entry(*party).or_default().insert(*member_id);
        }
        let post_ids: Vec<Uuid> = posts.iter().map(|p| p.0).collect();
        for ids in post_ids.chunks(500) {
            use entity::post_evaluation as evaluation;
            let rated: Vec<(Uuid, entity::enums::Rating)> = evaluation::Entity::find()
                .select_only()
                .columns([evaluation::Column::PostId, evaluation::Column::Rating])
                .filter(evaluation::Column::PostId.is_in(ids.to_vec()))
                .filter(evaluation::Column::EvaluatedOn.gte(first))
                .filter(evaluation::Column::EvaluatedOn.lt(end))
                .into_tuple()
                .all(conn)
                .await?;
            for (post_id, rating) in rated {
                if let Some(party) = post_party.get(&post_id) {
                    let summary = out.entry(*party).or_default();
                    *summary.ratings.entry(snake(&rating)).or_default() += 1;
                }
            }
        }
        let members: Vec<(Uuid, String, Uuid)> = member::Entity::find()
            .select_only()
            .columns([
                member::Column::Id,
                member::Column::Name,
                member::Column::PartyOrganizationId,
            ])
            .filter(member::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .filter(member::Column::ArchivedAt.is_null())
            .filter(member::Column::Stage.is_in([
                entity::enums::Stage::Full,
                entity::enums::Stage::Probationary,
            ]))
            .order_by_asc(member::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        for (id, name, party) in members {
            let active = took_part.get(&party).is_some_and(|s| s.contains(&id));
            if !active {
                out.entry(party).or_default().idle_members.push((id, name));
            }
        }
    }
    for (party, members) in took_part {
        if let Some(summary) = out.get_mut(&party) {
            let counted: HashSet<Uuid> = members;
            summary.member_participants = counted.len() as u64;
        }
    }
    Ok(out)
}

/// The live party organizations the caller reaches (within `region_prefix`), by path.
pub async fn party_organizations_in(
    db: &Db,
    access: &Access,
    region_prefix: Option<&str>,
) -> Result<Vec<party_organization::Model>, ApiError> {
    let mut condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    if let Some(prefix) = region_prefix {
        condition = condition.add(resource::region_condition(
            party_organization::Column::RegionCode,
            prefix,
        ));
    }
    Ok(PartyOrganization::find()
        .filter(condition)
        .order_by_asc(party_organization::Column::Path)
        .all(&db.read)
        .await?)
}
