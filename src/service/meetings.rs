//! Queries and transactions for meetings: planning, holding with attendance, cancelling,
//! correcting, and the votes of general meetings.
use sea_orm::DatabaseTransaction;
use std::collections::HashMap;

use entity::meeting::{ActiveModel, Column, Entity as Meeting, Model};
use entity::meeting_attendance::{self as attendance, Entity as Attendance};
use entity::meeting_vote::{self as vote, Entity as Vote};
use entity::member;
use entity::party_organization;
use sea_orm::sea_query::{IntoCondition, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::meeting::{
    self as rules, AttendanceStatus, AttendanceViolation, Ballot, MeetingKind, MeetingStatus,
    VoteSubject, check_ballot, check_group,
};
use crate::domain::member::{MemberStatus, Stage};
use crate::error::{ApiError, FieldError};

pub use crate::domain::meeting::AttendanceEntry;

resource::impl_resource!(meeting);

/// What a meeting says about itself; the party organization is set at creation.
#[derive(Clone, Debug)]
pub struct MeetingFields {
    pub party_group_id: Option<Uuid>,
    pub kind: MeetingKind,
    pub title: String,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub location: Option<String>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    pub lecturer: Option<String>,
    pub topic: Option<String>,
    pub theme: Option<String>,
    pub attachments: Vec<String>,
}

fn apply(model: &mut ActiveModel, f: &MeetingFields) {
    model.party_group_id = Set(f.party_group_id);
    model.kind = Set(f.kind);
    model.title = Set(f.title.clone());
    model.starts_at = Set(f.starts_at);
    model.ends_at = Set(f.ends_at);
    model.location = Set(f.location.clone());
    model.agenda = Set(f.agenda.clone());
    model.minutes = Set(f.minutes.clone());
    model.lecturer = Set(f.lecturer.clone());
    model.topic = Set(f.topic.clone());
    model.theme = Set(f.theme.clone());
    model.attachments = Set(serde_json::to_string(&f.attachments).unwrap_or_else(|_| "[]".into()));
}

/// The group (only for a group meeting) must belong to the organization; the end follows the
/// start.
async fn check(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
    f: &MeetingFields,
) -> Result<(), ApiError> {
    rules::check_times(f.starts_at, f.ends_at).map_err(ApiError::from)?;
    check_group(f.kind, f.party_group_id.is_some()).map_err(ApiError::from)?;
    if let Some(group) = f.party_group_id {
        {
            let found = entity::party_group::Entity::find_by_id(group)
                .filter(entity::party_group::Column::PartyOrganizationId.eq(party_organization_id))
                .filter(entity::party_group::Column::ArchivedAt.is_null())
                .one(conn)
                .await?;
            if found.is_none() {
                return Err(ApiError::invalid(
                    "party_group_id",
                    "unknown_party_group",
                    "not a live group of the party organization",
                ));
            }
        }
    }
    Ok(())
}

async fn record(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    action: &'static str,
    meeting: &Model,
    changed: Vec<String>,
) -> Result<(), ApiError> {
    let region = audit::region_of_party_organization(conn, meeting.party_organization_id).await?;
    audit::record(
        conn,
        &caller.actor,
        audit::Change {
            action,
            resource_type: "meeting",
            resource_id: meeting.id,
            changed_fields: changed,
            region_code: Some(region),
            feed: audit::FeedFacts {
                version: Some(meeting.version),
                party_organization_id: Some(meeting.party_organization_id),
                left: None,
            },
        },
    )
    .await
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    fields: MeetingFields,
) -> Result<Model, ApiError> {
    let organization = party_organization::Entity::find_by_id(party_organization_id)
        .filter(scope::party_organizations(&caller.access))
        .filter(party_organization::Column::ArchivedAt.is_null())
        .one(txn)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                "party_organization_id",
                "unknown_party_organization",
                format!("{party_organization_id} is not a party organization you can reach"),
            )
        })?;
    check(txn, organization.id, &fields).await?;
    let now = chrono::Utc::now();
    let mut model = ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(organization.id),
        status: Set(MeetingStatus::Planned),
        cancel_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    apply(&mut model, &fields);
    let created = model.insert(txn).await?;
    record(txn, caller, "create", &created, audit::set_fields(&created)).await?;
    Ok(created)
}

/// A meeting with its attendance and votes.
pub struct MeetingView {
    pub meeting: Model,
    pub attendance: Vec<attendance::Model>,
    pub votes: Vec<vote::Model>,
}

pub async fn get(db: &Db, access: &Access, id: Uuid) -> Result<MeetingView, ApiError> {
    get_in(&db.read, access, id).await
}

/// [`get`] on `conn` (a write transaction: the meeting as it is about to commit).
pub async fn get_in(
    conn: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<MeetingView, ApiError> {
    let meeting = resource::get::<Meeting>(conn, id, scope::meetings(access)).await?;
    let attendance = Attendance::find()
        .filter(attendance::Column::MeetingId.eq(id))
        .order_by_asc(attendance::Column::MemberId)
        .all(conn)
        .await?;
    let votes = Vote::find()
        .filter(vote::Column::MeetingId.eq(id))
        .order_by_asc(vote::Column::Id)
        .all(conn)
        .await?;
    Ok(MeetingView {
        meeting,
        attendance,
        votes,
    })
}

/// Corrects a meeting's details: planned or held, never cancelled; the status stays.
pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: MeetingFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = resource::get::<Meeting>(&txn, id, scope::meetings(&caller.access)).await?;
    rules::can_correct(id, before.status)?;
    check(&txn, before.party_organization_id, &fields).await?;
    if before.status == MeetingStatus::Held {
        check_held_details(&fields)?;
    }
    let mut changes = <ActiveModel as Default>::default();
    apply(&mut changes, &fields);
    let updated =
        resource::update_versioned::<Meeting, _>(&txn, id, expected_version, changes).await?;
    record(
        &txn,
        caller,
        "update",
        &updated,
        audit::changed_fields(&before, &updated),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A lecture names its lecturer and topic; a theme party day its theme
/// (`domain::meeting::check_held_details`).
fn check_held_details(f: &MeetingFields) -> Result<(), ApiError> {
    let violations = rules::check_held_details(
        f.kind,
        f.lecturer.as_deref(),
        f.topic.as_deref(),
        f.theme.as_deref(),
    );
    match violations.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Validation(
            violations.into_iter().map(Into::into).collect(),
        )),
    }
}

/// Members who take part in a party organization's life: those whose relation it holds
/// (unless they are mobile elsewhere) and the mobile members it hosts.
fn taking_part_in(party_organization_id: Uuid) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(member::Column::PartyOrganizationId.eq(party_organization_id))
                .add(member::Column::IsMobile.eq(false)),
        )
        .add(member::Column::HostPartyOrganizationId.eq(party_organization_id))
}

/// The members expected at a meeting, with whether they vote: the active full and probationary
/// members of the group (for a group meeting), the current committee (for a committee meeting),
/// or those whose relation the organization holds (unless they are mobile elsewhere) and the
/// mobile members it hosts.
pub async fn expected_members(
    conn: &impl ConnectionTrait,
    meeting: &Model,
) -> Result<HashMap<Uuid, bool>, ApiError> {
    let place = match meeting.party_group_id {
        Some(group) => member::Column::PartyGroupId.eq(group).into_condition(),
        // A committee meeting expects the committee.
        None if meeting.kind == MeetingKind::CommitteeMeeting => {
            let seats = super::party_workers::committees(conn, &[meeting.party_organization_id])
                .await?
                .remove(&meeting.party_organization_id)
                .unwrap_or_default();
            member::Column::Id
                .is_in(seats.into_iter().map(|w| w.member_id))
                .into_condition()
        }
        None => taking_part_in(meeting.party_organization_id),
    };
    let members = member::Entity::find()
        .filter(place)
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::ArchivedAt.is_null())
        .filter(member::Column::Stage.is_in([Stage::Full, Stage::Probationary]))
        .all(conn)
        .await?;
    Ok(members
        .into_iter()
        .map(|m| (m.id, m.stage == Stage::Full))
        .collect())
}

/// The members a party organization's meetings expect now, with the day they have been members
/// since (admission, or else when their record was made).
pub async fn expected_members_of(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
) -> Result<Vec<(Uuid, chrono::NaiveDate)>, ApiError> {
    let place = taking_part_in(party_organization_id);
    let members = member::Entity::find()
        .filter(place)
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::ArchivedAt.is_null())
        .filter(member::Column::Stage.is_in([Stage::Full, Stage::Probationary]))
        .all(conn)
        .await?;
    Ok(members
        .into_iter()
        .map(|m| {
            (
                m.id,
                m.joined_on
                    .or(m.full_member_on)
                    .unwrap_or(m.created_at.date_naive()),
            )
        })
        .collect())
}

/// Attendance must name every expected member once, and only them; an excuse needs a reason
/// (`domain::meeting::check_attendance`). Each error names its entry (`attendance[2]`).
fn check_attendance(
    expected: &HashMap<Uuid, bool>,
    entries: &[AttendanceEntry],
) -> Result<(), ApiError> {
    let violations = rules::check_attendance(expected, entries);
    if violations.is_empty() {
        return Ok(());
    }
    Err(ApiError::Validation(
        violations
            .into_iter()
            .map(
                |AttendanceViolation {
                     entry,
                     code,
                     message,
                 }| {
                    let field =
                        entry.map_or_else(|| "attendance".into(), |i| format!("attendance[{i}]"));
                    FieldError::new(field, code, message)
                },
            )
            .collect(),
    ))
}

async fn replace_attendance(
    conn: &impl ConnectionTrait,
    meeting: Uuid,
    expected: &HashMap<Uuid, bool>,
    entries: &[AttendanceEntry],
) -> Result<(), ApiError> {
    Attendance::delete_many()
        .filter(attendance::Column::MeetingId.eq(meeting))
        .exec(conn)
        .await?;
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries.iter().map(|e| attendance::ActiveModel {
        meeting_id: Set(meeting),
        member_id: Set(e.member_id),
        status: Set(e.status),
        reason: Set(e.reason.clone()),
        voting: Set(expected.get(&e.member_id).copied().unwrap_or(false)),
    });
    Attendance::insert_many(rows).exec(conn).await?;
    Ok(())
}

/// What holding records.
pub struct Holding {
    pub minutes: String,
    pub lecturer: Option<String>,
    pub topic: Option<String>,
    pub theme: Option<String>,
    pub attendance: Vec<AttendanceEntry>,
}

pub async fn hold(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    holding: Holding,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Model, ApiError> {
    let current = resource::get::<Meeting>(txn, id, scope::meetings(&caller.access)).await?;
    rules::can_hold(id, current.status, current.starts_at, now)?;
    let details = MeetingFields {
        party_group_id: current.party_group_id,
        kind: current.kind,
        title: current.title.clone(),
        starts_at: current.starts_at,
        ends_at: current.ends_at,
        location: current.location.clone(),
        agenda: current.agenda.clone(),
        minutes: Some(holding.minutes.clone()),
        lecturer: holding.lecturer.clone().or(current.lecturer.clone()),
        topic: holding.topic.clone().or(current.topic.clone()),
        theme: holding.theme.clone().or(current.theme.clone()),
        attachments: Vec::new(),
    };
    check_held_details(&details)?;
    let expected = expected_members(txn, &current).await?;
    check_attendance(&expected, &holding.attendance)?;
    replace_attendance(txn, id, &expected, &holding.attendance).await?;
    let changes = ActiveModel {
        status: Set(MeetingStatus::Held),
        minutes: Set(details.minutes),
        lecturer: Set(details.lecturer),
        topic: Set(details.topic),
        theme: Set(details.theme),
        ..Default::default()
    };
    let held = resource::update_versioned::<Meeting, _>(txn, id, current.version, changes).await?;
    let mut changed = audit::changed_fields(&current, &held);
    changed.push("attendance".into());
    record(txn, caller, "hold", &held, changed).await?;
    Ok(held)
}

pub async fn cancel(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    reason: String,
) -> Result<Model, ApiError> {
    let current = resource::get::<Meeting>(txn, id, scope::meetings(&caller.access)).await?;
    rules::can_cancel(id, current.status)?;
    let changes = ActiveModel {
        status: Set(MeetingStatus::Cancelled),
        cancel_reason: Set(Some(reason)),
        ..Default::default()
    };
    let cancelled =
        resource::update_versioned::<Meeting, _>(txn, id, current.version, changes).await?;
    record(
        txn,
        caller,
        "cancel",
        &cancelled,
        audit::changed_fields(&current, &cancelled),
    )
    .await?;
    Ok(cancelled)
}

/// Corrects the attendance of a held meeting.
pub async fn set_attendance(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i32>,
    entries: Vec<AttendanceEntry>,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let current = resource::get::<Meeting>(&txn, id, scope::meetings(&caller.access)).await?;
    rules::can_record_attendance(id, current.status)?;
    let expected = match Attendance::find()
        .filter(attendance::Column::MeetingId.eq(id))
        .all(&txn)
        .await?
    {
        // The members expected when it was held stay the expected ones.
        rows if !rows.is_empty() => rows.into_iter().map(|r| (r.member_id, r.voting)).collect(),
        _ => expected_members(&txn, &current).await?,
    };
    check_attendance(&expected, &entries)?;
    replace_attendance(&txn, id, &expected, &entries).await?;
    let updated = resource::update_versioned::<Meeting, _>(
        &txn,
        id,
        expected_version.unwrap_or(current.version),
        <ActiveModel as Default>::default(),
    )
    .await?;
    record(&txn, caller, "update", &updated, vec!["attendance".into()]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A vote to record.
pub struct VoteFields {
    pub subject: VoteSubject,
    pub member_id: Option<Uuid>,
    pub description: Option<String>,
    pub yes: u32,
    pub no: u32,
    pub abstentions: u32,
}

/// Records a vote of a held general meeting, checked against its attendance.
pub async fn add_vote(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    fields: VoteFields,
) -> Result<vote::Model, ApiError> {
    let meeting = resource::get::<Meeting>(txn, id, scope::meetings(&caller.access)).await?;
    rules::can_vote(id, meeting.kind, meeting.status)?;
    let held_here = match fields.member_id {
        Some(member) => member::Entity::find_by_id(member)
            .filter(member::Column::PartyOrganizationId.eq(meeting.party_organization_id))
            .filter(member::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .is_some(),
        None => false,
    };
    rules::check_vote_member(fields.subject, fields.member_id, held_here)
        .map_err(ApiError::from)?;
    let rows = Attendance::find()
        .filter(attendance::Column::MeetingId.eq(id))
        .all(txn)
        .await?;
    let entitled = rows.iter().filter(|r| r.voting).count() as u32;
    let present = rows
        .iter()
        .filter(|r| r.voting && r.status == AttendanceStatus::Present)
        .count() as u32;
    check_ballot(&Ballot {
        subject: fields.subject,
        entitled,
        present,
        yes: fields.yes,
        no: fields.no,
        abstentions: fields.abstentions,
    })?;
    let created = vote::ActiveModel {
        id: Set(Uuid::now_v7()),
        meeting_id: Set(id),
        subject: Set(fields.subject),
        member_id: Set(fields.member_id),
        description: Set(fields.description),
        yes_votes: Set(fields.yes as i32),
        no_votes: Set(fields.no as i32),
        abstentions: Set(fields.abstentions as i32),
        entitled_voters: Set(entitled as i32),
        voters_present: Set(present as i32),
        recorded_by: Set(caller.actor.key.clone()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(txn)
    .await?;
    record(
        txn,
        caller,
        "vote",
        &meeting,
        vec![format!("votes:{}", fields.subject)],
    )
    .await?;
    Ok(created)
}

/// The admission vote of `member` at `meeting`, if the meeting is a held general meeting of the
/// member's party organization; for the development pipeline.
pub async fn admission_vote(
    conn: &impl ConnectionTrait,
    meeting_id: Uuid,
    member: &member::Model,
) -> Result<Option<(Model, vote::Model)>, ApiError> {
    let Some(meeting) = Meeting::find_by_id(meeting_id)
        .filter(Column::PartyOrganizationId.eq(member.party_organization_id))
        .filter(Column::Kind.eq(MeetingKind::GeneralMeeting))
        .filter(Column::Status.eq(MeetingStatus::Held))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let vote = Vote::find()
        .filter(vote::Column::MeetingId.eq(meeting_id))
        .filter(vote::Column::Subject.eq(VoteSubject::Admission))
        .filter(vote::Column::MemberId.eq(member.id))
        .order_by_desc(vote::Column::Id)
        .one(conn)
        .await?;
    Ok(vote.map(|v| (meeting, v)))
}

#[derive(Clone, Debug, Default)]
pub struct MeetingFilter {
    pub party_organization_id: Option<Uuid>,
    pub include_descendants: bool,
    pub kind: Option<MeetingKind>,
    pub status: Option<MeetingStatus>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    pub member_id: Option<Uuid>,
    pub schedule_id: Option<Uuid>,
}

/// The condition of a meeting filter, within `reach` (the caller's scope, or everything for a
/// member's own feed, which the filter's member limits).
async fn filter_condition(
    db: &Db,
    reach: Condition,
    filter: &MeetingFilter,
) -> Result<Condition, ApiError> {
    let mut condition = reach;
    if let Some(party_id) = filter.party_organization_id {
        condition = condition.add(match filter.include_descendants {
            false => Column::PartyOrganizationId.eq(party_id).into_condition(),
            true => match party_organization::Entity::find_by_id(party_id)
                .one(&db.read)
                .await?
            {
                Some(root) => Column::PartyOrganizationId
                    .in_subquery(scope::party_ids(resource::subtree_condition(
                        party_organization::Column::Path,
                        &root.path,
                    )))
                    .into_condition(),
                None => resource::nothing(),
            },
        });
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    if let Some(schedule) = filter.schedule_id {
        condition = condition.add(Column::ScheduleId.eq(schedule));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::StartsAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::StartsAt.lt(to));
    }
    if let Some(member) = filter.member_id {
        // Held meetings record who was expected; planned ones expect the member's organizations.
        let attended = Query::select()
            .column(attendance::Column::MeetingId)
            .from(Attendance)
            .and_where(attendance::Column::MemberId.eq(member))
            .to_owned();
        let mut organizations = Vec::new();
        if let Some(m) = member::Entity::find_by_id(member).one(&db.read).await? {
            organizations.push(
                m.host_party_organization_id
                    .unwrap_or(m.party_organization_id),
            );
        }
        condition = condition.add(
            Condition::any().add(Column::Id.in_subquery(attended)).add(
                Condition::all()
                    .add(Column::Status.eq(MeetingStatus::Planned))
                    .add(Column::PartyOrganizationId.is_in(organizations)),
            ),
        );
    }
    Ok(condition)
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &MeetingFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let condition = filter_condition(db, scope::meetings(access), filter).await?;
    resource::list::<Meeting>(&db.read, condition, page).await
}

/// The most meetings a calendar feed carries.
const FEED_LIMIT: u64 = 1000;

/// Meetings for a calendar feed, in time order: within `access`, or, without one, only what the
/// filter's member is expected at.
pub async fn feed(
    db: &Db,
    access: Option<&Access>,
    filter: &MeetingFilter,
) -> Result<Vec<Model>, ApiError> {
    let reach = access.map_or_else(Condition::all, scope::meetings);
    let condition = filter_condition(db, reach, filter).await?;
    Ok(Meeting::find()
        .filter(condition)
        .order_by_asc(Column::StartsAt)
        .limit(FEED_LIMIT)
        .all(&db.read)
        .await?)
}
