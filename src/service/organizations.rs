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

/// Records an organization's payroll of a year (replacing what was recorded for that year).
/// It is not the register's (no event), but it is audited.
pub async fn set_payroll(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    year: i32,
    payroll_fen: i64,
) -> Result<entity::organization_payroll::Model, ApiError> {
    use entity::organization_payroll::{self as payroll, Entity as Payroll};
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::OnConflict;
    let txn = super::begin_write(&db.write).await?;
    let condition =
        scope::organizations(&caller.access).add(resource::visibility::<Organization>(false));
    let organization = resource::get::<Organization>(&txn, id, condition).await?;
    let row = payroll::ActiveModel {
        organization_id: Set(id),
        year: Set(year),
        payroll_fen: Set(payroll_fen),
        updated_at: Set(chrono::Utc::now()),
    };
    Payroll::insert(row)
        .on_conflict(
            OnConflict::columns([payroll::Column::OrganizationId, payroll::Column::Year])
                .update_columns([payroll::Column::PayrollFen, payroll::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    let mut record = change(
        "set_payroll",
        &organization,
        vec![format!("payroll:{year}")],
    );
    record.resource_type = "organization_payroll";
    audit::record(&txn, &caller.actor, record).await?;
    let saved = Payroll::find_by_id((id, year))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::Internal("the payroll just written is missing".into()))?;
    txn.commit().await?;
    Ok(saved)
}

/// The payrolls recorded for an organization the caller reaches, latest year first.
pub async fn payrolls(
    db: &Db,
    access: &Access,
    id: Uuid,
) -> Result<Vec<entity::organization_payroll::Model>, ApiError> {
    use entity::organization_payroll::{self as payroll, Entity as Payroll};
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder};
    get(db, access, id, false).await?;
    Ok(Payroll::find()
        .filter(payroll::Column::OrganizationId.eq(id))
        .order_by_desc(payroll::Column::Year)
        .all(&db.read)
        .await?)
}

/// The payroll of `year` of the organizations a party organization covers, when any is recorded.
pub async fn payroll_of_covered(
    conn: &impl sea_orm::ConnectionTrait,
    party_organization_id: Uuid,
    year: i32,
) -> Result<Option<i64>, ApiError> {
    use entity::organization_payroll::{self as payroll, Entity as Payroll};
    use entity::party_organization_cover as cover;
    use sea_orm::sea_query::Query;
    use sea_orm::{EntityTrait, QueryFilter, QuerySelect};
    let covered = Query::select()
        .column(cover::Column::OrganizationId)
        .from(cover::Entity)
        .and_where(cover::Column::PartyOrganizationId.eq(party_organization_id))
        .to_owned();
    let payrolls: Vec<i64> = Payroll::find()
        .select_only()
        .column(payroll::Column::PayrollFen)
        .filter(payroll::Column::Year.eq(year))
        .filter(payroll::Column::OrganizationId.in_subquery(covered))
        .into_tuple()
        .all(conn)
        .await?;
    Ok((!payrolls.is_empty()).then(|| payrolls.iter().sum()))
}
