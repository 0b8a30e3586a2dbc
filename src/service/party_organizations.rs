//! Queries and transactions for party organizations: a tree kept as a materialized path, the
//! organizations each covers, derived member counts, and party groups.
use sea_orm::DatabaseTransaction;
use std::collections::HashMap;

use entity::member::{self, Entity as Member};
use entity::party_group::{self, Entity as PartyGroup};
use entity::party_organization::{ActiveModel, Column, Entity as PartyOrganization, Model};
use entity::party_organization_cover::{self, Entity as Cover};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::divisions::Divisions;
use crate::domain::member::{MemberStatus, Stage};
use crate::domain::party_organization::{self as rules, MemberCounts, PartyOrganizationType};
use crate::error::{ApiError, FieldError};

resource::impl_resource!(party_organization, archived);
resource::impl_resource!(party_group, archived);

/// Every writable field of a party organization.
#[derive(Clone, Debug)]
pub struct PartyOrganizationFields {
    pub name: String,
    pub org_type: PartyOrganizationType,
    pub parent_id: Option<Uuid>,
    pub region_code: String,
    pub covers: Vec<Uuid>,
    pub established_on: Option<chrono::NaiveDate>,
    pub secretary_member_id: Option<Uuid>,
    pub term_starts_on: Option<chrono::NaiveDate>,
    pub term_ends_on: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub struct PartyOrganizationFilter {
    pub org_type: Option<PartyOrganizationType>,
    pub parent_id: Option<Uuid>,
    /// Strictly below this organization, at any depth.
    pub ancestor_id: Option<Uuid>,
    pub covers: Option<Uuid>,
    pub region_prefix: Option<String>,
    pub name_contains: Option<String>,
}

/// A party organization with what is derived from other tables.
pub struct PartyOrganizationView {
    pub model: Model,
    pub covers: Vec<Uuid>,
}

/// The paths of these live party organizations, for branch-secretary scopes.
pub async fn paths_of(db: &Db, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, ApiError> {
    let rows = PartyOrganization::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .filter(Column::ArchivedAt.is_null())
        .all(&db.read)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m.path)).collect())
}

fn path_of(parent: Option<&Model>, id: Uuid) -> String {
    match parent {
        Some(parent) => format!("{}{id}/", parent.path),
        None => format!("/{id}/"),
    }
}

/// Field rules that need no database: the region and the term's order.
fn check_fields(divisions: &Divisions, fields: &PartyOrganizationFields) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if let Some(v) = divisions.check_organization_region(&fields.region_code) {
        errors.push(FieldError::new(v.field, v.code, v.message));
    }
    if let Err(v) = rules::check_term(fields.term_starts_on, fields.term_ends_on) {
        errors.push(v.into());
    }
    if let Err(v) = rules::check_covers_distinct(&fields.covers) {
        errors.push(v.into());
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Validation(errors)),
    }
}

/// The parent, which the caller must reach and which must be live.
async fn parent_of(
    conn: &impl ConnectionTrait,
    access: &Access,
    parent_id: Option<Uuid>,
) -> Result<Option<Model>, ApiError> {
    let Some(id) = parent_id else {
        return Ok(None);
    };
    let condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    match resource::get::<PartyOrganization>(conn, id, condition).await {
        Ok(parent) => Ok(Some(parent)),
        Err(ApiError::NotFound) => Err(ApiError::invalid(
            "parent_id",
            "unknown_party_organization",
            format!("{id} is not a party organization you can reach"),
        )),
        Err(e) => Err(e),
    }
}

/// The covered organizations must be registered and live.
async fn check_covers(conn: &impl ConnectionTrait, covers: &[Uuid]) -> Result<(), ApiError> {
    if covers.is_empty() {
        return Ok(());
    }
    let found: Vec<Uuid> = entity::organization::Entity::find()
        .select_only()
        .column(entity::organization::Column::Id)
        .filter(entity::organization::Column::Id.is_in(covers.iter().copied()))
        .filter(entity::organization::Column::ArchivedAt.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    let unknown: Vec<String> = covers
        .iter()
        .filter(|id| !found.contains(id))
        .map(Uuid::to_string)
        .collect();
    match unknown.is_empty() {
        true => Ok(()),
        false => Err(ApiError::invalid(
            "covers",
            "unknown_organization",
            format!("not registered organizations: {}", unknown.join(", ")),
        )),
    }
}

/// The secretary must be an active full member whose relation this organization holds
/// (`domain::party_organization::check_secretary`).
async fn check_secretary(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
    secretary: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some(id) = secretary else {
        return Ok(());
    };
    let found = super::members::standing(conn, id).await?;
    rules::check_secretary(party_organization_id, found.as_ref()).map_err(ApiError::from)
}

fn outside_scope(region_code: &str) -> ApiError {
    ApiError::invalid(
        "parent_id",
        "outside_scope",
        format!(
            "a party organization in {region_code} at this place in the tree is outside what your roles reach"
        ),
    )
}

fn apply(model: &mut ActiveModel, f: &PartyOrganizationFields) {
    model.name = Set(f.name.clone());
    model.org_type = Set(f.org_type);
    model.parent_id = Set(f.parent_id);
    model.region_code = Set(f.region_code.clone());
    model.established_on = Set(f.established_on);
    model.secretary_member_id = Set(f.secretary_member_id);
    model.term_starts_on = Set(f.term_starts_on);
    model.term_ends_on = Set(f.term_ends_on);
}

async fn replace_covers(
    conn: &impl ConnectionTrait,
    id: Uuid,
    covers: &[Uuid],
) -> Result<(), ApiError> {
    Cover::delete_many()
        .filter(party_organization_cover::Column::PartyOrganizationId.eq(id))
        .exec(conn)
        .await?;
    if covers.is_empty() {
        return Ok(());
    }
    let rows = covers
        .iter()
        .map(|organization_id| party_organization_cover::ActiveModel {
            party_organization_id: Set(id),
            organization_id: Set(*organization_id),
        });
    Cover::insert_many(rows).exec(conn).await?;
    Ok(())
}

pub(super) fn change(
    action: &'static str,
    model: &Model,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "party_organization",
        resource_id: model.id,
        changed_fields,
        region_code: Some(model.region_code.clone()),
        feed: audit::FeedFacts {
            version: Some(model.version),
            party_organization_id: Some(model.id),
            left: None,
        },
    }
}

pub async fn create(
    txn: &DatabaseTransaction,
    divisions: &Divisions,
    caller: &Caller,
    fields: PartyOrganizationFields,
) -> Result<PartyOrganizationView, ApiError> {
    check_fields(divisions, &fields)?;
    rules::check_new_secretary(fields.secretary_member_id).map_err(ApiError::from)?;
    let id = Uuid::now_v7();
    let parent = parent_of(txn, &caller.access, fields.parent_id).await?;
    let path = path_of(parent.as_ref(), id);
    if !scope::reaches_party_organization(&caller.access, &fields.region_code, &path) {
        return Err(outside_scope(&fields.region_code));
    }
    check_covers(txn, &fields.covers).await?;
    let now = chrono::Utc::now();
    let mut model = ActiveModel {
        id: Set(id),
        path: Set(path),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
        ..Default::default()
    };
    apply(&mut model, &fields);
    let created = model.insert(txn).await?;
    replace_covers(txn, id, &fields.covers).await?;
    let mut set = audit::set_fields(&created);
    if !fields.covers.is_empty() {
        set.push("covers".into());
    }
    audit::record(txn, &caller.actor, change("create", &created, set)).await?;
    Ok(PartyOrganizationView {
        model: created,
        covers: fields.covers,
    })
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<PartyOrganizationView, ApiError> {
    let condition = scope::party_organizations(access)
        .add(resource::visibility::<PartyOrganization>(include_archived));
    let model = resource::get::<PartyOrganization>(&db.read, id, condition).await?;
    let mut covers = covers_of(&db.read, &[id]).await?;
    Ok(PartyOrganizationView {
        covers: covers.remove(&id).unwrap_or_default(),
        model,
    })
}

/// The organizations each of these party organizations covers.
async fn covers_of(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, ApiError> {
    let rows = Cover::find()
        .filter(party_organization_cover::Column::PartyOrganizationId.is_in(ids.iter().copied()))
        .order_by_asc(party_organization_cover::Column::OrganizationId)
        .all(conn)
        .await?;
    let mut covers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        covers
            .entry(row.party_organization_id)
            .or_default()
            .push(row.organization_id);
    }
    Ok(covers)
}

#[derive(FromQueryResult)]
struct StageCount {
    stage: Stage,
    organization_id: Option<Uuid>,
    count: i64,
}

/// Active members whose relation this organization holds, by stage; and its full members by
/// employer.
pub async fn member_counts(
    db: &Db,
    id: Uuid,
) -> Result<(MemberCounts, Vec<(Uuid, u64)>), ApiError> {
    let rows = Member::find()
        .select_only()
        .column(member::Column::Stage)
        .column(member::Column::OrganizationId)
        .column_as(
            Expr::expr(Func::count(Expr::col(member::Column::Id))),
            "count",
        )
        .filter(member::Column::PartyOrganizationId.eq(id))
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::ArchivedAt.is_null())
        .group_by(member::Column::Stage)
        .group_by(member::Column::OrganizationId)
        .into_model::<StageCount>()
        .all(&db.read)
        .await?;
    let mut counts = MemberCounts::default();
    let mut full_by_unit: HashMap<Uuid, u64> = HashMap::new();
    for row in rows {
        let n = u64::try_from(row.count).unwrap_or(0);
        match row.stage {
            Stage::Full => {
                counts.full += n;
                if let Some(unit) = row.organization_id {
                    *full_by_unit.entry(unit).or_default() += n;
                }
            }
            Stage::Probationary => counts.probationary += n,
            Stage::Candidate => counts.candidates += n,
            Stage::Activist => counts.activists += n,
            Stage::Applicant => counts.applicants += n,
        }
    }
    let mut by_unit: Vec<_> = full_by_unit.into_iter().collect();
    by_unit.sort();
    Ok((counts, by_unit))
}

pub async fn update(
    db: &Db,
    divisions: &Divisions,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: PartyOrganizationFields,
    today: chrono::NaiveDate,
) -> Result<PartyOrganizationView, ApiError> {
    check_fields(divisions, &fields)?;
    let txn = super::begin_write(&db.write).await?;
    let before =
        resource::get::<PartyOrganization>(&txn, id, scope::party_organizations(&caller.access))
            .await?;
    let before_covers = covers_of(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let parent = parent_of(&txn, &caller.access, fields.parent_id).await?;
    if let Some(parent) = &parent {
        rules::check_parent(id, &before.path, parent.id, &parent.path)?;
    }
    let path = path_of(parent.as_ref(), id);
    if !scope::reaches_party_organization(&caller.access, &fields.region_code, &path) {
        return Err(outside_scope(&fields.region_code));
    }
    check_covers(&txn, &fields.covers).await?;
    check_secretary(&txn, id, fields.secretary_member_id).await?;
    let mut changes = <ActiveModel as Default>::default();
    apply(&mut changes, &fields);
    let updated =
        resource::update_versioned::<PartyOrganization, _>(&txn, id, expected_version, changes)
            .await?;
    if path != before.path {
        move_subtree(&txn, &before.path, &path).await?;
    }
    let mut changed = audit::changed_fields(&before, &updated);
    if before_covers != fields.covers {
        replace_covers(&txn, id, &fields.covers).await?;
        changed.push("covers".into());
    }
    let mut update = change("update", &updated, changed);
    let moved = path != before.path;
    if moved || before.region_code != updated.region_code {
        // Readers who reached it only where it was (the old parent's subtree, the old region)
        // see it leave.
        update = update.moved_from(before.parent_id, before.region_code.clone());
    }
    audit::record(&txn, &caller.actor, update).await?;
    // The secretary is the current secretary among its party workers: a new one is appointed
    // today, the one before ends today.
    if before.secretary_member_id != updated.secretary_member_id {
        super::party_workers::replace_secretary(
            &txn,
            caller,
            id,
            updated.secretary_member_id,
            today,
        )
        .await?;
    }
    // What belongs to it moves with it: to a new region (its own groups, members, meetings and
    // schedules), or to a new parent (the whole subtree and all that belongs to it).
    let carried = match (moved, before.region_code != updated.region_code) {
        (true, _) => carried_along(&txn, Some(&path), id, (before.parent_id, None)).await?,
        (false, true) => {
            let left = (None, Some(before.region_code.clone()));
            carried_along(&txn, None, id, left).await?
        }
        (false, false) => Vec::new(),
    };
    audit::record_many(&txn, &caller.actor, carried).await?;
    let updated = resource::get::<PartyOrganization>(&txn, id, Condition::all()).await?;
    txn.commit().await?;
    Ok(PartyOrganizationView {
        model: updated,
        covers: fields.covers,
    })
}

/// A `move` of each resource a moved party organization carries along: with `subtree` (its new
/// path), every party organization below it and the groups, members, meetings and schedules of
/// the whole subtree; without, those of the organization itself. Each is also
/// `removed_from_scope` for readers who reached it only where it was: `left` is the old parent
/// (whose subtree it left) and the old region (`None`: its region did not change).
async fn carried_along(
    conn: &impl ConnectionTrait,
    subtree: Option<&str>,
    root: Uuid,
    left: (Option<Uuid>, Option<String>),
) -> Result<Vec<audit::Change>, ApiError> {
    use entity::{meeting, meeting_schedule, member, party_group};
    let organizations: Vec<(Uuid, i32, String)> = match subtree {
        Some(path) => {
            PartyOrganization::find()
                .select_only()
                .columns([Column::Id, Column::Version, Column::RegionCode])
                .filter(resource::subtree_condition(Column::Path, path))
                .into_tuple()
                .all(conn)
                .await?
        }
        None => {
            PartyOrganization::find()
                .select_only()
                .columns([Column::Id, Column::Version, Column::RegionCode])
                .filter(Column::Id.eq(root))
                .into_tuple()
                .all(conn)
                .await?
        }
    };
    let region_of = |party: Uuid| {
        organizations
            .iter()
            .find(|(id, ..)| *id == party)
            .map(|(_, _, region)| region.clone())
            .unwrap_or_default()
    };
    let ids: Vec<Uuid> = organizations.iter().map(|(id, ..)| *id).collect();
    let moved = |resource_type: &'static str, id: Uuid, version: i32, party: Uuid| {
        let region = region_of(party);
        audit::Change {
            action: "move",
            resource_type,
            resource_id: id,
            changed_fields: vec!["party_organization_path".into()],
            region_code: Some(region.clone()),
            feed: audit::FeedFacts {
                version: Some(version),
                party_organization_id: Some(party),
                left: None,
            },
        }
        .moved_from(left.0, left.1.clone().unwrap_or(region))
    };
    let mut changes: Vec<audit::Change> = organizations
        .iter()
        .filter(|(id, ..)| *id != root)
        .map(|(id, version, _)| moved("party_organization", *id, *version, *id))
        .collect();
    for chunk in ids.chunks(500) {
        let groups: Vec<(Uuid, i32, Uuid)> = party_group::Entity::find()
            .select_only()
            .columns([
                party_group::Column::Id,
                party_group::Column::Version,
                party_group::Column::PartyOrganizationId,
            ])
            .filter(party_group::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        changes.extend(
            groups
                .into_iter()
                .map(|(i, v, p)| moved("party_group", i, v, p)),
        );
        let members: Vec<(Uuid, i32, Uuid)> = member::Entity::find()
            .select_only()
            .columns([
                member::Column::Id,
                member::Column::Version,
                member::Column::PartyOrganizationId,
            ])
            .filter(member::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        changes.extend(
            members
                .into_iter()
                .map(|(i, v, p)| moved("member", i, v, p)),
        );
        let meetings: Vec<(Uuid, i32, Uuid)> = meeting::Entity::find()
            .select_only()
            .columns([
                meeting::Column::Id,
                meeting::Column::Version,
                meeting::Column::PartyOrganizationId,
            ])
            .filter(meeting::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        changes.extend(
            meetings
                .into_iter()
                .map(|(i, v, p)| moved("meeting", i, v, p)),
        );
        let schedules: Vec<(Uuid, i32, Uuid)> = meeting_schedule::Entity::find()
            .select_only()
            .columns([
                meeting_schedule::Column::Id,
                meeting_schedule::Column::Version,
                meeting_schedule::Column::PartyOrganizationId,
            ])
            .filter(meeting_schedule::Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        changes.extend(
            schedules
                .into_iter()
                .map(|(i, v, p)| moved("meeting_schedule", i, v, p)),
        );
    }
    Ok(changes)
}

/// Rewrites the paths of a subtree (the organization and everything below) to its new place.
async fn move_subtree(
    conn: &impl ConnectionTrait,
    old_root: &str,
    new_root: &str,
) -> Result<(), ApiError> {
    let rest = Func::cust("SUBSTR")
        .arg(Expr::col(Column::Path))
        .arg(Expr::val(old_root.len() as i32 + 1));
    let moved = Expr::val(new_root).binary(BinOper::Custom("||"), rest);
    PartyOrganization::update_many()
        .col_expr(Column::Path, moved)
        .filter(resource::subtree_condition(Column::Path, old_root))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn archive(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let organization =
        resource::get::<PartyOrganization>(&txn, id, scope::party_organizations(&caller.access))
            .await?;
    if organization.archived_at.is_none() {
        let children = PartyOrganization::find()
            .filter(Column::ParentId.eq(id))
            .filter(Column::ArchivedAt.is_null())
            .count(&txn)
            .await?;
        let members = Member::find()
            .filter(
                Condition::any()
                    .add(member::Column::PartyOrganizationId.eq(id))
                    .add(member::Column::HostPartyOrganizationId.eq(id)),
            )
            .filter(member::Column::Status.eq(MemberStatus::Active))
            .filter(member::Column::ArchivedAt.is_null())
            .count(&txn)
            .await?;
        rules::can_archive(children, members)?;
    }
    if let Some(version) =
        resource::archive::<PartyOrganization>(&txn, id, expected_version).await?
    {
        audit::record(
            &txn,
            &caller.actor,
            change("archive", &organization, vec!["archived_at".into()]).at_version(version),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn list(
    db: &Db,
    access: &Access,
    filter: &PartyOrganizationFilter,
    page: &PageRequest,
) -> Result<Page<PartyOrganizationView>, ApiError> {
    let mut condition = scope::party_organizations(access);
    if let Some(org_type) = filter.org_type {
        condition = condition.add(Column::OrgType.eq(org_type));
    }
    if let Some(parent) = filter.parent_id {
        condition = condition.add(Column::ParentId.eq(parent));
    }
    if let Some(ancestor) = filter.ancestor_id {
        // An unknown or unreachable ancestor has no descendants the caller can see.
        let root = PartyOrganization::find()
            .filter(Column::Id.eq(ancestor))
            .filter(scope::party_organizations(access))
            .one(&db.read)
            .await?;
        condition = match root {
            Some(root) => condition
                .add(resource::subtree_condition(Column::Path, &root.path))
                .add(Column::Id.ne(ancestor)),
            None => condition.add(resource::nothing()),
        };
    }
    if let Some(organization) = filter.covers {
        condition = condition.add(
            Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(party_organization_cover::Column::PartyOrganizationId)
                    .from(Cover)
                    .and_where(party_organization_cover::Column::OrganizationId.eq(organization))
                    .to_owned(),
            ),
        );
    }
    if let Some(prefix) = &filter.region_prefix {
        condition = condition.add(resource::region_condition(Column::RegionCode, prefix));
    }
    if let Some(q) = &filter.name_contains {
        condition = condition.add(resource::contains_literally(Column::Name, q));
    }
    let page = resource::list::<PartyOrganization>(&db.read, condition, page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|m| m.id).collect();
    let mut covers = covers_of(&db.read, &ids).await?;
    Ok(page.map(|model| PartyOrganizationView {
        covers: covers.remove(&model.id).unwrap_or_default(),
        model,
    }))
}

/// The fields of a party group.
#[derive(Clone, Debug)]
pub struct PartyGroupFields {
    pub name: String,
    pub leader_member_id: Option<Uuid>,
}

fn group_change(
    action: &'static str,
    group: &party_group::Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "party_group",
        resource_id: group.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(group.version),
            party_organization_id: Some(group.party_organization_id),
            left: None,
        },
    }
}

/// The leader of a group must be an active member of the group's party organization
/// (`domain::party_organization::check_leader`).
async fn check_leader(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
    leader: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some(id) = leader else {
        return Ok(());
    };
    let found = super::members::standing(conn, id).await?;
    rules::check_leader(party_organization_id, found.as_ref()).map_err(ApiError::from)
}

pub async fn list_groups(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    page: &PageRequest,
) -> Result<Page<party_group::Model>, ApiError> {
    get(db, access, party_organization_id, false).await?;
    let condition =
        Condition::all().add(party_group::Column::PartyOrganizationId.eq(party_organization_id));
    resource::list::<PartyGroup>(&db.read, condition, page).await
}

/// A live party organization the caller reaches (404 otherwise): the owner of what hangs off it
/// (groups, fund entries, work systems, party workers, activities).
pub async fn live_in_scope(
    conn: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Model, ApiError> {
    let condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    resource::get::<PartyOrganization>(conn, id, condition).await
}

pub async fn create_group(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    fields: PartyGroupFields,
) -> Result<party_group::Model, ApiError> {
    let owner = live_in_scope(txn, &caller.access, party_organization_id).await?;
    check_leader(txn, party_organization_id, fields.leader_member_id).await?;
    let now = chrono::Utc::now();
    let created = party_group::ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(party_organization_id),
        name: Set(fields.name),
        leader_member_id: Set(fields.leader_member_id),
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
        group_change("create", &created, &owner.region_code, set),
    )
    .await?;
    Ok(created)
}

/// A group of a party organization the caller reaches.
pub async fn get_group(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    group_id: Uuid,
) -> Result<party_group::Model, ApiError> {
    get(db, access, party_organization_id, false).await?;
    let condition =
        Condition::all().add(party_group::Column::PartyOrganizationId.eq(party_organization_id));
    resource::get::<PartyGroup>(&db.read, group_id, condition).await
}

/// A group by its id alone (archived too), when the caller reaches its party organization.
pub async fn get_group_by_id(
    db: &Db,
    access: &Access,
    group_id: Uuid,
) -> Result<party_group::Model, ApiError> {
    let group = resource::get::<PartyGroup>(&db.read, group_id, Condition::all()).await?;
    get(db, access, group.party_organization_id, true).await?;
    Ok(group)
}

pub async fn update_group(
    db: &Db,
    caller: &Caller,
    party_organization_id: Uuid,
    group_id: Uuid,
    expected_version: i32,
    fields: PartyGroupFields,
) -> Result<party_group::Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let owner = resource::get::<PartyOrganization>(
        &txn,
        party_organization_id,
        scope::party_organizations(&caller.access),
    )
    .await?;
    let condition =
        Condition::all().add(party_group::Column::PartyOrganizationId.eq(party_organization_id));
    let before = resource::get::<PartyGroup>(&txn, group_id, condition).await?;
    check_leader(&txn, party_organization_id, fields.leader_member_id).await?;
    let changes = party_group::ActiveModel {
        name: Set(fields.name),
        leader_member_id: Set(fields.leader_member_id),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<PartyGroup, _>(&txn, group_id, expected_version, changes)
            .await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        group_change("update", &updated, &owner.region_code, changed),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn archive_group(
    db: &Db,
    caller: &Caller,
    party_organization_id: Uuid,
    group_id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let owner = resource::get::<PartyOrganization>(
        &txn,
        party_organization_id,
        scope::party_organizations(&caller.access),
    )
    .await?;
    let condition =
        Condition::all().add(party_group::Column::PartyOrganizationId.eq(party_organization_id));
    let group = resource::get::<PartyGroup>(&txn, group_id, condition).await?;
    if let Some(version) = resource::archive::<PartyGroup>(&txn, group_id, expected_version).await?
    {
        // Members of an archived group belong to no group.
        Member::update_many()
            .col_expr(
                member::Column::PartyGroupId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(member::Column::PartyGroupId.eq(group_id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            &caller.actor,
            group_change(
                "archive",
                &group,
                &owner.region_code,
                vec!["archived_at".into()],
            )
            .at_version(version),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
