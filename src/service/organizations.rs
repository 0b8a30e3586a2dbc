//! Queries and transactions for the organizations register.
use entity::organization::{ActiveModel, Column, Entity as Organization, Model};
use sea_orm::DatabaseTransaction;
use sea_orm::{ActiveModelTrait, ColumnTrait, Set};
use uuid::Uuid;

use super::resource::{self, Page, PageRequest};
use super::{Caller, audit, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::divisions::Divisions;
use crate::domain::organization::{
    OperatingStatus, OrganizationCategory, OrganizationKind, check_identity,
};
use crate::error::{ApiError, FieldError};

resource::impl_resource!(organization, archived);

/// Every writable field of an organization, already checked for shape by the API layer.
#[derive(Clone, Debug)]
pub struct OrganizationFields {
    pub name: String,
    pub kind: OrganizationKind,
    pub category: OrganizationCategory,
    pub uscc: String,
    pub region_code: String,
    pub address: Option<String>,
    pub industry: Option<String>,
    pub employee_count: i32,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub in_survey_scope: bool,
    pub operating_status: OperatingStatus,
}

#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub category: Option<OrganizationCategory>,
    /// A region prefix (already reduced: `1101`, not `110100`).
    pub region_prefix: Option<String>,
    pub name_contains: Option<String>,
    pub in_survey_scope: Option<bool>,
}

/// The domain rules an organization's fields must satisfy, as field errors.
pub fn check(divisions: &Divisions, fields: &OrganizationFields) -> Result<(), ApiError> {
    let violations = check_identity(
        divisions,
        fields.kind,
        fields.category,
        &fields.uscc,
        &fields.region_code,
    );
    if violations.is_empty() {
        return Ok(());
    }
    Err(ApiError::Validation(
        violations
            .into_iter()
            .map(|v| FieldError::new(v.field, v.code, v.message))
            .collect(),
    ))
}

pub(super) fn apply(model: &mut ActiveModel, f: OrganizationFields) {
    model.name = Set(f.name);
    model.kind = Set(f.kind);
    model.category = Set(f.category);
    model.uscc = Set(f.uscc);
    model.region_code = Set(f.region_code);
    model.address = Set(f.address);
    model.industry = Set(f.industry);
    model.employee_count = Set(f.employee_count);
    model.legal_representative = Set(f.legal_representative);
    model.contact_name = Set(f.contact_name);
    model.contact_phone = Set(f.contact_phone);
    model.in_survey_scope = Set(f.in_survey_scope);
    model.operating_status = Set(f.operating_status);
}

/// A change must leave the organization inside the caller's region.
pub(super) fn check_in_scope(access: &Access, fields: &OrganizationFields) -> Result<(), ApiError> {
    if access.covers_region(&fields.region_code) {
        return Ok(());
    }
    Err(ApiError::invalid(
        "region_code",
        "outside_scope",
        format!(
            "{} is outside the regions your roles reach",
            fields.region_code
        ),
    ))
}

pub async fn create(
    txn: &DatabaseTransaction,
    divisions: &Divisions,
    caller: &Caller,
    fields: OrganizationFields,
) -> Result<Model, ApiError> {
    check(divisions, &fields)?;
    check_in_scope(&caller.access, &fields)?;
    let now = chrono::Utc::now();
    let mut model = ActiveModel {
        id: Set(Uuid::now_v7()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        archived_at: Set(None),
        ..Default::default()
    };
    apply(&mut model, fields);
    let created = model.insert(txn).await?;
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, audit::set_fields(&created)),
    )
    .await?;
    Ok(created)
}

/// A change that took the organization to another region is seen leaving the old one.
fn moved(change: audit::Change, before: &Model, after: &Model) -> audit::Change {
    match before.region_code != after.region_code {
        true => change.moved_from(None, before.region_code.clone()),
        false => change,
    }
}

pub(super) fn change(
    action: &'static str,
    organization: &Model,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "organization",
        resource_id: organization.id,
        changed_fields,
        region_code: Some(organization.region_code.clone()),
        feed: audit::FeedFacts {
            version: Some(organization.version),
            ..Default::default()
        },
    }
}

pub async fn get(
    db: &Db,
    access: &Access,
    id: Uuid,
    include_archived: bool,
) -> Result<Model, ApiError> {
    let condition =
        scope::organizations(access).add(resource::visibility::<Organization>(include_archived));
    resource::get::<Organization>(&db.read, id, condition).await
}

pub async fn update(
    db: &Db,
    divisions: &Divisions,
    caller: &Caller,
    id: Uuid,
    expected_version: i32,
    fields: OrganizationFields,
) -> Result<Model, ApiError> {
    check(divisions, &fields)?;
    check_in_scope(&caller.access, &fields)?;
    let mut changes = <ActiveModel as Default>::default();
    apply(&mut changes, fields);
    let txn = super::begin_write(&db.write).await?;
    let before =
        resource::get::<Organization>(&txn, id, scope::organizations(&caller.access)).await?;
    let updated =
        resource::update_versioned::<Organization, _>(&txn, id, expected_version, changes).await?;
    audit::record(
        &txn,
        &caller.actor,
        moved(
            change("update", &updated, audit::changed_fields(&before, &updated)),
            &before,
            &updated,
        ),
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
    let organization =
        resource::get::<Organization>(&txn, id, scope::organizations(&caller.access)).await?;
    if let Some(version) = resource::archive::<Organization>(&txn, id, expected_version).await? {
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
    filter: &OrganizationFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    let mut condition = scope::organizations(access);
    if let Some(kind) = filter.kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    if let Some(category) = filter.category {
        condition = condition.add(Column::Category.eq(category));
    }
    if let Some(prefix) = &filter.region_prefix {
        condition = condition.add(resource::region_condition(Column::RegionCode, prefix));
    }
    if let Some(q) = &filter.name_contains {
        condition = condition.add(resource::contains_literally(Column::Name, q));
    }
    if let Some(in_scope) = filter.in_survey_scope {
        condition = condition.add(Column::InSurveyScope.eq(in_scope));
    }
    resource::list::<Organization>(&db.read, condition, page).await
}
