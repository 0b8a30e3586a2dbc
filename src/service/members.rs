//! Queries and transactions for members: the register, the development pipeline and transfers.
//! A member is reached through the party organization that holds their relation, or, for a
//! mobile member, the one that hosts them.
use entity::development_step::{self, Entity as DevelopmentStepRow};
use entity::member::{ActiveModel, Column, Entity as Member, Model};
use entity::member_transfer::{self, Entity as MemberTransfer};
use entity::party_organization::{self, Entity as PartyOrganization};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::calendar::{add_months, not_after_today};
use crate::domain::development::{
    self, Candidate, DevelopmentStep, Effect, History, PROBATION_MONTHS,
};
use crate::domain::member::{self, Gender, MemberStatus, Stage, TransferKind, check_mobility};
use crate::error::{ApiError, FieldError};

resource::impl_resource!(member, archived);

/// The fields of a member that a merge patch may change.
#[derive(Clone, Debug)]
pub struct MemberFields {
    pub name: String,
    pub gender: Gender,
    pub birth_date: chrono::NaiveDate,
    pub ethnicity: Option<String>,
    pub education: Option<String>,
    pub phone: Option<String>,
    pub id_number: String,
    pub organization_id: Option<Uuid>,
    pub party_group_id: Option<Uuid>,
    pub is_mobile: bool,
    pub host_party_organization_id: Option<Uuid>,
}

/// What only a new record sets: where the relation is held and the stage reached so far.
#[derive(Clone, Debug)]
pub struct Enrolment {
    pub party_organization_id: Uuid,
    pub stage: Stage,
    pub joined_on: Option<chrono::NaiveDate>,
    pub full_member_on: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    pub party_organization_id: Option<Uuid>,
    pub include_descendants: bool,
    pub organization_id: Option<Uuid>,
    pub stage: Option<Stage>,
    pub status: Option<MemberStatus>,
    pub is_mobile: Option<bool>,
    pub name_contains: Option<String>,
    pub region_prefix: Option<String>,
}

/// How these live members stand (where held, stage, status), for the rules on roles and
/// nominations; unknown or archived ones are left out.
pub(super) async fn standings(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<member::MemberStanding>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, Uuid, Stage, MemberStatus)> = Member::find()
        .select_only()
        .column(Column::Id)
        .column(Column::PartyOrganizationId)
        .column(Column::Stage)
        .column(Column::Status)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::ArchivedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, party_organization_id, stage, status)| member::MemberStanding {
                id,
                party_organization_id,
                stage,
                status,
            },
        )
        .collect())
}

/// How this live member stands, if there is one.
pub(super) async fn standing(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<member::MemberStanding>, ApiError> {
    Ok(standings(conn, &[id]).await?.pop())
}

/// A live party organization; `reach` limits which (the caller's scope), or none.
async fn party_organization(
    conn: &impl ConnectionTrait,
    field: &str,
    id: Uuid,
    reach: Option<&Access>,
) -> Result<party_organization::Model, ApiError> {
    let mut condition = Condition::all().add(party_organization::Column::ArchivedAt.is_null());
    if let Some(access) = reach {
        condition = condition.add(scope::party_organizations(access));
    }
    PartyOrganization::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                "unknown_party_organization",
                format!("{id} is not a party organization you can reach"),
            )
        })
}

/// Where an ID number being registered (or corrected) stands among the live members: refused
/// when one within the caller's scope holds it; when only members outside it do, the record is
/// kept as a duplicate of the first of them (the answer the caller gets is the same as for a
/// new number) and the hit is audited in the holder's region for the organization department.
/// See [`member::place_id_number`]. Gives the `duplicate_of` to store.
pub(super) async fn place_id_number(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    id_number: &str,
    record: Option<&Model>,
) -> Result<Option<Uuid>, ApiError> {
    let mut query = Member::find()
        .filter(Column::IdNumber.eq(id_number))
        .filter(Column::ArchivedAt.is_null())
        .order_by_asc(Column::CreatedAt);
    if let Some(record) = record {
        query = query.filter(Column::Id.ne(record.id));
    }
    let mut live = query.all(conn).await?;
    if live.is_empty() {
        return Ok(None);
    }
    // The record that is not itself a duplicate comes first: duplicates point at it.
    live.sort_by_key(|m| m.duplicate_of.is_some());
    let visible: Vec<Uuid> = Member::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::Id.is_in(live.iter().map(|m| m.id)))
        .filter(scope::members(&caller.access))
        .into_tuple()
        .all(conn)
        .await?;
    let holders: Vec<member::Holder> = live
        .iter()
        .map(|m| member::Holder {
            id: m.id,
            in_scope: visible.contains(&m.id),
        })
        .collect();
    let duplicate_of = member::place_id_number(&holders)?;
    let known = record.is_some_and(|r| r.duplicate_of.is_some() && r.duplicate_of == duplicate_of);
    if let Some(holder) = live.first().filter(|_| !known) {
        let region = region_of(conn, holder).await?;
        audit::record(
            conn,
            &caller.actor,
            change(
                "duplicate_id_number",
                holder,
                &region,
                vec!["id_number".into()],
            ),
        )
        .await?;
    }
    Ok(duplicate_of)
}

/// Registrations kept as duplicates of another live member's ID number (see
/// [`place_id_number`]), with the member each duplicates: those whose record or whose holder the
/// caller reaches. The organization department resolves each by archiving or correcting one
/// of the two, or by a transfer.
pub async fn duplicates(
    db: &Db,
    access: &Access,
    page: &PageRequest,
) -> Result<Page<(Model, Option<Model>)>, ApiError> {
    let reached = sea_orm::sea_query::Query::select()
        .column(Column::Id)
        .from(Member)
        .cond_where(scope::members(access))
        .to_owned();
    let condition = Condition::all()
        .add(Column::DuplicateOf.is_not_null())
        .add(Column::ArchivedAt.is_null())
        .add(
            Condition::any()
                .add(scope::members(access))
                .add(Column::DuplicateOf.in_subquery(reached)),
        );
    let page = resource::list::<Member>(&db.read, condition, page).await?;
    let holders = Member::find()
        .filter(Column::Id.is_in(page.items.iter().filter_map(|m| m.duplicate_of)))
        .all(&db.read)
        .await?;
    Ok(page.map(|m| {
        let holder = holders
            .iter()
            .find(|h| Some(h.id) == m.duplicate_of)
            .cloned();
        (m, holder)
    }))
}

/// References to other records must exist and fit together.
async fn check_references(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
    fields: &MemberFields,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(organization) = fields.organization_id {
        let found = entity::organization::Entity::find_by_id(organization)
            .filter(entity::organization::Column::ArchivedAt.is_null())
            .one(conn)
            .await?;
        if found.is_none() {
            errors.push(FieldError::new(
                "organization_id",
                "unknown_organization",
                format!("{organization} is not a registered organization"),
            ));
        }
    }
    if let Some(group) = fields.party_group_id {
        let found = entity::party_group::Entity::find_by_id(group)
            .filter(entity::party_group::Column::PartyOrganizationId.eq(party_organization_id))
            .filter(entity::party_group::Column::ArchivedAt.is_null())
            .one(conn)
            .await?;
        if found.is_none() {
            errors.push(FieldError::new(
                "party_group_id",
                "unknown_party_group",
                "not a live group of the member's party organization",
            ));
        }
    }
    match check_mobility(
        fields.is_mobile,
        fields.host_party_organization_id,
        party_organization_id,
    ) {
        Err(v) => errors.push(FieldError::new(v.field, v.code, v.message)),
        Ok(None) => {}
        Ok(Some(host)) => {
            if let Err(ApiError::Validation(mut e)) =
                party_organization(conn, "host_party_organization_id", host, None).await
            {
                errors.append(&mut e);
            }
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Validation(errors)),
    }
}

pub(super) fn apply(model: &mut ActiveModel, f: MemberFields) {
    model.name = Set(f.name);
    model.gender = Set(f.gender);
    model.birth_date = Set(f.birth_date);
    model.ethnicity = Set(f.ethnicity);
    model.education = Set(f.education);
    model.phone = Set(f.phone);
    model.id_number = Set(f.id_number);
    model.organization_id = Set(f.organization_id);
    model.party_group_id = Set(f.party_group_id);
    model.is_mobile = Set(f.is_mobile);
    model.host_party_organization_id = Set(f.host_party_organization_id);
}

pub(super) fn change(
    action: &'static str,
    member: &Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "member",
        resource_id: member.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(member.version),
            party_organization_id: Some(member.party_organization_id),
            left: None,
        },
    }
}

/// The stage a record may start at, and the dates it then needs.
/// The enrolment rule (`domain::member::check_enrolment`) as a 422.
pub(super) fn check_enrolment(
    enrolment: &Enrolment,
    today: chrono::NaiveDate,
) -> Result<(), ApiError> {
    member::check_enrolment(
        enrolment.stage,
        enrolment.joined_on,
        enrolment.full_member_on,
        today,
    )
    .map_err(ApiError::from)
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    fields: MemberFields,
    enrolment: Enrolment,
    today: chrono::NaiveDate,
) -> Result<Model, ApiError> {
    check_enrolment(&enrolment, today)?;
    let holder = party_organization(
        txn,
        "party_organization_id",
        enrolment.party_organization_id,
        Some(&caller.access),
    )
    .await?;
    check_references(txn, holder.id, &fields).await?;
    let duplicate_of = place_id_number(txn, caller, &fields.id_number, None).await?;
    let now = chrono::Utc::now();
    let mut model = ActiveModel {
        duplicate_of: Set(duplicate_of),
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(holder.id),
        stage: Set(enrolment.stage),
        status: Set(MemberStatus::Active),
        joined_on: Set(enrolment.joined_on),
        probation_ends_on: Set(match enrolment.stage {
            Stage::Probationary => enrolment.joined_on.map(|d| add_months(d, PROBATION_MONTHS)),
            _ => None,
        }),
        full_member_on: Set(enrolment.full_member_on),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
        ..Default::default()
    };
    apply(&mut model, fields);
    let created = model.insert(txn).await?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, &holder.region_code, set),
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
    let condition = scope::members(access).add(resource::visibility::<Member>(include_archived));
    resource::get::<Member>(&db.read, id, condition).await
}

async fn region_of(conn: &impl ConnectionTrait, member: &Model) -> Result<String, ApiError> {
    audit::region_of_party_organization(conn, member.party_organization_id).await
}

pub async fn update(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: MemberFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let before = member_to_change(&txn, &caller.access, id, false).await?;
    check_references(&txn, before.party_organization_id, &fields).await?;
    let mut changes = <ActiveModel as Default>::default();
    // A changed number is placed again; so is a duplicate's, which stops being one when its
    // holder is archived or corrected.
    if fields.id_number != before.id_number || before.duplicate_of.is_some() {
        changes.duplicate_of =
            Set(place_id_number(&txn, caller, &fields.id_number, Some(&before)).await?);
    }
    apply(&mut changes, fields);
    let updated =
        resource::update_versioned::<Member, _>(&txn, id, expected_version, changes).await?;
    let region = region_of(&txn, &updated).await?;
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
    let member = member_to_change(&txn, &caller.access, id, false).await?;
    if let Some(version) = resource::archive::<Member>(&txn, id, expected_version).await? {
        let region = region_of(&txn, &member).await?;
        audit::record(
            &txn,
            &caller.actor,
            change("archive", &member, &region, vec!["archived_at".into()]).at_version(version),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &MemberFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = scope::members(access);
    if let Some(party_id) = filter.party_organization_id {
        condition = condition.add(match filter.include_descendants {
            false => Column::PartyOrganizationId.eq(party_id).into_condition(),
            true => {
                let root = PartyOrganization::find_by_id(party_id)
                    .one(&db.read)
                    .await?;
                match root {
                    Some(root) => Column::PartyOrganizationId
                        .in_subquery(scope::party_ids(resource::subtree_condition(
                            party_organization::Column::Path,
                            &root.path,
                        )))
                        .into_condition(),
                    None => resource::nothing(),
                }
            }
        });
    }
    if let Some(organization) = filter.organization_id {
        condition = condition.add(Column::OrganizationId.eq(organization));
    }
    if let Some(stage) = filter.stage {
        condition = condition.add(Column::Stage.eq(stage));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(is_mobile) = filter.is_mobile {
        condition = condition.add(Column::IsMobile.eq(is_mobile));
    }
    if let Some(q) = &filter.name_contains {
        condition = condition.add(resource::contains_literally(Column::Name, q));
    }
    if let Some(prefix) = &filter.region_prefix {
        condition = condition.add(Column::PartyOrganizationId.in_subquery(scope::party_ids(
            resource::region_condition(party_organization::Column::RegionCode, prefix),
        )));
    }
    resource::list::<Member>(&db.read, condition, page).await
}

/// A recorded development step.
pub struct RecordedStep {
    pub id: Uuid,
    pub step: DevelopmentStep,
    pub recorded_by: String,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// The most steps one member's history returns; a pipeline has about a dozen.
const MAX_STEPS: u64 = 500;

async fn history_of(
    conn: &impl ConnectionTrait,
    member_id: Uuid,
) -> Result<Vec<RecordedStep>, ApiError> {
    let rows = DevelopmentStepRow::find()
        .filter(development_step::Column::MemberId.eq(member_id))
        .order_by_asc(development_step::Column::Id)
        .limit(MAX_STEPS)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let step = serde_json::from_str(&row.details).map_err(|e| {
                ApiError::Internal(format!("development step {} unreadable: {e}", row.id))
            })?;
            Ok(RecordedStep {
                id: row.id,
                step,
                recorded_by: row.recorded_by,
                recorded_at: row.created_at,
            })
        })
        .collect()
}

fn candidate(member: &Model) -> Candidate {
    Candidate {
        birth_date: member.birth_date,
        stage: member.stage,
        status: member.status,
        probation_ends_on: member.probation_ends_on,
    }
}

/// A member's development: the steps taken and what may come next.
pub struct Development {
    pub member: Model,
    pub steps: Vec<RecordedStep>,
    pub next: Vec<development::NextStep>,
}

pub async fn development(db: &Db, access: &Access, id: Uuid) -> Result<Development, ApiError> {
    let member = get(db, access, id, false).await?;
    let steps = history_of(&db.read, id).await?;
    let history: Vec<DevelopmentStep> = steps.iter().map(|s| s.step.clone()).collect();
    let next = development::next_steps(&candidate(&member), &History(&history));
    Ok(Development {
        member,
        steps,
        next,
    })
}

/// Locks the member's row for the rest of the transaction (by bumping its version), so that
/// two steps recorded at once are checked one after the other.
/// A member the caller may change: visible to them (else 404) and held within their scope —
/// a host branch reads its mobile members but changes nothing (403).
async fn member_to_change(
    conn: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    live_only: bool,
) -> Result<Model, ApiError> {
    let mut visible = scope::members(access);
    if live_only {
        visible = visible.add(Column::ArchivedAt.is_null());
    }
    let member = resource::get::<Member>(conn, id, visible).await?;
    if let Err(error) = resource::get::<Member>(conn, id, scope::members_held(access)).await {
        if !matches!(error, ApiError::NotFound) {
            return Err(error);
        }
        return Err(ApiError::Forbidden(
            "This member's relation is held by another party organization: as their host you \
             read their record, their own branch changes or transfers it."
                .into(),
        ));
    }
    Ok(member)
}

async fn lock_member(
    txn: &DatabaseTransaction,
    access: &Access,
    id: Uuid,
) -> Result<Model, ApiError> {
    member_to_change(txn, access, id, true).await?;
    Member::update_many()
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(chrono::Utc::now()))
        .filter(Column::Id.eq(id))
        .exec(txn)
        .await?;
    resource::get::<Member>(txn, id, Condition::all()).await
}

/// Contacts and introducers must be other active full members
/// (`domain::development::check_named_members`).
async fn check_named_members(
    conn: &impl ConnectionTrait,
    member_id: Uuid,
    step: &DevelopmentStep,
) -> Result<(), ApiError> {
    let named = standings(conn, step.named_members()).await?;
    development::check_named_members(member_id, step, &named).map_err(ApiError::from)
}

/// An admission vote that names its meeting must be that meeting's
/// (`domain::development::check_vote_meeting`).
async fn check_admission_meeting(
    conn: &impl ConnectionTrait,
    member: &Model,
    meeting_id: Uuid,
    vote: &development::AdmissionVote,
    offset: chrono::FixedOffset,
) -> Result<(), ApiError> {
    let recorded = super::meetings::admission_vote(conn, meeting_id, member)
        .await?
        .map(|(meeting, recorded)| development::RecordedVote {
            held_on: meeting.starts_at.with_timezone(&offset).date_naive(),
            yes_votes: recorded.yes_votes as u32,
            entitled_voters: recorded.entitled_voters as u32,
        });
    Ok(development::check_vote_meeting(
        meeting_id,
        vote,
        recorded.as_ref(),
    )?)
}

/// Appends a step after checking it against the rules; the member's stage changes in the same
/// transaction.
pub async fn record_step(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    step: DevelopmentStep,
    today: chrono::NaiveDate,
    offset: chrono::FixedOffset,
) -> Result<(RecordedStep, Model, Effect), ApiError> {
    development::check_step_date(&step, today).map_err(ApiError::from)?;
    let member = lock_member(txn, &caller.access, id).await?;
    check_named_members(txn, id, &step).await?;
    if let DevelopmentStep::AdmissionVote(vote) = &step
        && let Some(meeting) = vote.meeting_id
    {
        check_admission_meeting(txn, &member, meeting, vote, offset).await?;
    }
    let history: Vec<DevelopmentStep> = history_of(txn, id)
        .await?
        .into_iter()
        .map(|s| s.step)
        .collect();
    let effect = development::check(&candidate(&member), &History(&history), &step)?;
    let now = chrono::Utc::now();
    let details = serde_json::to_string(&step).map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = development_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        member_id: Set(id),
        step: Set(step.name().to_owned()),
        occurred_on: Set(step.date()),
        details: Set(details),
        recorded_by: Set(caller.actor.key.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let mut changes = ActiveModel {
        stage: Set(effect.stage),
        status: Set(effect.status),
        probation_ends_on: Set(effect.probation_ends_on),
        ..Default::default()
    };
    if let Some(joined) = effect.joined_on {
        changes.joined_on = Set(Some(joined));
    }
    if let Some(full) = effect.full_member_on {
        changes.full_member_on = Set(Some(full));
    }
    let updated = resource::update_versioned::<Member, _>(txn, id, member.version, changes).await?;
    let region = region_of(txn, &updated).await?;
    let mut changed = audit::changed_fields(&member, &updated);
    changed.insert(0, format!("development:{}", step.name()));
    audit::record(
        txn,
        &caller.actor,
        change("development_step", &updated, &region, changed),
    )
    .await?;
    let recorded = RecordedStep {
        id: row.id,
        step,
        recorded_by: row.recorded_by,
        recorded_at: row.created_at,
    };
    Ok((recorded, updated, effect))
}

/// A move of a member's relation.
#[derive(Clone, Debug)]
pub enum Transfer {
    /// To another party organization in the register.
    Internal { to: Uuid },
    /// Out of the register, to a party organization elsewhere.
    Out { destination: String },
    /// Back into the register, for a member who was transferred out.
    In { to: Uuid, origin: String },
}

pub struct TransferRequest {
    pub transfer: Transfer,
    pub date: chrono::NaiveDate,
    pub reason: Option<String>,
}

/// The most transfers one member's history returns.
const MAX_TRANSFERS: u64 = 500;

pub async fn transfers(
    db: &Db,
    access: &Access,
    id: Uuid,
) -> Result<Vec<member_transfer::Model>, ApiError> {
    get(db, access, id, true).await?;
    Ok(MemberTransfer::find()
        .filter(member_transfer::Column::MemberId.eq(id))
        .order_by_asc(member_transfer::Column::Id)
        .limit(MAX_TRANSFERS)
        .all(&db.read)
        .await?)
}

/// Moves the member's relation in one transaction: the member is held by exactly one party
/// organization before and after, and the move is kept in the history.
pub async fn transfer(
    txn: &DatabaseTransaction,
    caller: &Caller,
    id: Uuid,
    request: TransferRequest,
    today: chrono::NaiveDate,
) -> Result<(member_transfer::Model, Model), ApiError> {
    not_after_today("date", request.date, today).map_err(ApiError::from)?;
    let member = lock_member(txn, &caller.access, id).await?;
    let status = member.status;
    let from = member.party_organization_id;
    let kind = match request.transfer {
        Transfer::Internal { .. } => TransferKind::Internal,
        Transfer::Out { .. } => TransferKind::Out,
        Transfer::In { .. } => TransferKind::In,
    };
    let after = member::transfer_status(kind, status)?;
    let mut changes = ActiveModel {
        status: Set(after),
        ..Default::default()
    };
    let (to, counterpart) = match &request.transfer {
        Transfer::Internal { to } | Transfer::In { to, .. } => {
            let target =
                party_organization(txn, "to_party_organization_id", *to, Some(&caller.access))
                    .await?;
            member::check_transfer_target(kind, from, target.id).map_err(ApiError::from)?;
            changes.party_organization_id = Set(target.id);
            changes.party_group_id = Set(None);
            if member.host_party_organization_id == Some(target.id) {
                changes.is_mobile = Set(false);
                changes.host_party_organization_id = Set(None);
            }
            let counterpart = match &request.transfer {
                Transfer::In { origin, .. } => Some(origin.clone()),
                _ => None,
            };
            (Some(target.id), counterpart)
        }
        Transfer::Out { destination } => {
            changes.is_mobile = Set(false);
            changes.host_party_organization_id = Set(None);
            (None, Some(destination.clone()))
        }
    };
    let row = member_transfer::ActiveModel {
        id: Set(Uuid::now_v7()),
        member_id: Set(id),
        kind: Set(kind),
        from_party_organization_id: Set(match kind {
            TransferKind::In => None,
            _ => Some(from),
        }),
        to_party_organization_id: Set(to),
        counterpart: Set(counterpart),
        transferred_on: Set(request.date),
        reason: Set(request.reason),
        recorded_by: Set(caller.actor.key.clone()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(txn)
    .await?;
    let updated = resource::update_versioned::<Member, _>(txn, id, member.version, changes).await?;
    let region = region_of(txn, &updated).await?;
    let mut changed = audit::changed_fields(&member, &updated);
    changed.insert(0, format!("transfer:{kind}"));
    let mut transfer = change("transfer", &updated, &region, changed);
    if member.party_organization_id != updated.party_organization_id {
        // Readers who reached the member only through the branch they left drop them.
        let left_region = region_of(txn, &member).await?;
        transfer = transfer.moved_from(Some(member.party_organization_id), left_region);
    }
    audit::record(txn, &caller.actor, transfer).await?;
    Ok((row, updated))
}
