//! The register of a party organization's written work systems, and what it lacks.
use chrono::{NaiveDate, Utc};
use entity::party_organization::{self, Entity as PartyOrganization};
use entity::work_system::{ActiveModel, Column, Entity as WorkSystem, Model};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::work_system::{self as rules, Gaps, WorkSystemKind};
use crate::error::ApiError;

resource::impl_resource!(work_system, archived);

/// What a caller sets on a system.
#[derive(Clone, Debug)]
pub struct WorkSystemFields {
    pub kind: WorkSystemKind,
    pub title: String,
    pub adopted_on: NaiveDate,
    pub document_ref: Option<String>,
    pub review_due_on: Option<NaiveDate>,
}

fn change(
    action: &'static str,
    system: &Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "work_system",
        resource_id: system.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(system.version),
            party_organization_id: Some(system.party_organization_id),
            left: None,
        },
    }
}

fn of(party_organization_id: Uuid) -> Condition {
    Condition::all().add(Column::PartyOrganizationId.eq(party_organization_id))
}

pub async fn create(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    fields: WorkSystemFields,
) -> Result<Model, ApiError> {
    let owner =
        super::party_organizations::live_in_scope(txn, &caller.access, party_organization_id)
            .await?;
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(party_organization_id),
        kind: Set(fields.kind),
        title: Set(fields.title),
        adopted_on: Set(fields.adopted_on),
        document_ref: Set(fields.document_ref),
        review_due_on: Set(fields.review_due_on),
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
        change("create", &created, &owner.region_code, set),
    )
    .await?;
    Ok(created)
}

pub async fn list(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    kind: Option<WorkSystemKind>,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let mut condition = of(party_organization_id);
    if let Some(kind) = kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    resource::list::<WorkSystem>(&db.read, condition, page).await
}

pub async fn get(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let condition =
        of(party_organization_id).add(resource::visibility::<WorkSystem>(include_archived));
    resource::get::<WorkSystem>(&db.read, id, condition).await
}

/// A system by its id alone, archived too, if the caller reaches its party organization.
pub async fn get_by_id(db: &Db, access: &Access, id: Uuid) -> Result<Model, ApiError> {
    let system = resource::get::<WorkSystem>(&db.read, id, Condition::all()).await?;
    get(db, access, system.party_organization_id, id, true).await
}

pub async fn update(
    db: &Db,
    caller: &Caller,
    party_organization_id: Uuid,
    id: Uuid,
    expected_version: i32,
    fields: WorkSystemFields,
) -> Result<Model, ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let owner =
        super::party_organizations::live_in_scope(&txn, &caller.access, party_organization_id)
            .await?;
    let condition = of(party_organization_id).add(resource::visibility::<WorkSystem>(false));
    let before = resource::get::<WorkSystem>(&txn, id, condition).await?;
    let changes = ActiveModel {
        kind: Set(fields.kind),
        title: Set(fields.title),
        adopted_on: Set(fields.adopted_on),
        document_ref: Set(fields.document_ref),
        review_due_on: Set(fields.review_due_on),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<WorkSystem, _>(&txn, id, expected_version, changes).await?;
    let changed = audit::changed_fields(&before, &updated);
    audit::record(
        &txn,
        &caller.actor,
        change("update", &updated, &owner.region_code, changed),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Repeals a system (archives it).
pub async fn archive(
    db: &Db,
    caller: &Caller,
    party_organization_id: Uuid,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let txn = super::begin_write(&db.write).await?;
    let owner =
        super::party_organizations::live_in_scope(&txn, &caller.access, party_organization_id)
            .await?;
    let system = resource::get::<WorkSystem>(&txn, id, of(party_organization_id)).await?;
    if let Some(version) = resource::archive::<WorkSystem>(&txn, id, expected_version).await? {
        let record = change(
            "archive",
            &system,
            &owner.region_code,
            vec!["archived_at".into()],
        )
        .at_version(version);
        audit::record(&txn, &caller.actor, record).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// What the registers of these party organizations lack on `today`, in the order given.
pub async fn gaps_of(
    conn: &impl ConnectionTrait,
    party_organization_ids: &[Uuid],
    today: NaiveDate,
) -> Result<Vec<(Uuid, usize, Gaps)>, ApiError> {
    let mut adopted: std::collections::HashMap<Uuid, Vec<(WorkSystemKind, Option<NaiveDate>)>> =
        std::collections::HashMap::new();
    for chunk in party_organization_ids.chunks(500) {
        let rows: Vec<(Uuid, WorkSystemKind, Option<NaiveDate>)> = WorkSystem::find()
            .select_only()
            .columns([
                Column::PartyOrganizationId,
                Column::Kind,
                Column::ReviewDueOn,
            ])
            .filter(Column::PartyOrganizationId.is_in(chunk.to_vec()))
            .filter(Column::ArchivedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        for (party, kind, due) in rows {
            adopted.entry(party).or_default().push((kind, due));
        }
    }
    Ok(party_organization_ids
        .iter()
        .map(|id| {
            let mine = adopted.remove(id).unwrap_or_default();
            (*id, mine.len(), rules::gaps(&mine, today))
        })
        .collect())
}

/// One party organization of the report.
pub struct RegisterRow {
    pub party_organization: party_organization::Model,
    pub in_force: usize,
    pub gaps: Gaps,
}

/// Every live party organization the caller reaches (within `region_prefix`), with what its
/// register lacks, by path.
pub async fn report(
    db: &Db,
    access: &Access,
    region_prefix: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<RegisterRow>, ApiError> {
    let mut condition =
        scope::party_organizations(access).add(resource::visibility::<PartyOrganization>(false));
    if let Some(prefix) = region_prefix {
        condition = condition.add(resource::region_condition(
            party_organization::Column::RegionCode,
            prefix,
        ));
    }
    let organizations = PartyOrganization::find()
        .filter(condition)
        .order_by_asc(party_organization::Column::Path)
        .all(&db.read)
        .await?;
    let ids: Vec<Uuid> = organizations.iter().map(|p| p.id).collect();
    let gaps = gaps_of(&db.read, &ids, today).await?;
    Ok(organizations
        .into_iter()
        .zip(gaps)
        .map(|(party_organization, (_, in_force, gaps))| RegisterRow {
            party_organization,
            in_force,
            gaps,
        })
        .collect())
}
