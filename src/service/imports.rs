//! Bulk writes of imports: rows already checked for shape arrive in batches and are checked
//! against the database (references, scope, uniqueness, also within the file), then written with
//! one INSERT per batch, with their audit records, in the import's one transaction.
use std::collections::{HashMap, HashSet};

use entity::{member, organization, party_group, party_organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::members::{Enrolment, MemberFields};
use super::organizations::OrganizationFields;
use super::{Caller, members, organizations, scope};
use crate::domain::calendar::add_months;
use crate::domain::development::PROBATION_MONTHS;
use crate::domain::member::{MemberStatus, Stage, check_mobility};
use crate::error::{ApiError, FieldError};

/// What became of one row: the new record's id, or why it was refused.
pub type RowOutcome = (usize, Result<Uuid, Vec<FieldError>>);

/// A kind of record an import writes.
pub trait Importer {
    type Row;

    /// The table written, whose planner statistics are refreshed after a large import.
    const TABLE: &'static str;

    /// Checks a batch against the database and writes the rows that pass.
    fn write(
        &mut self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        rows: Vec<(usize, Self::Row)>,
    ) -> impl Future<Output = Result<Vec<RowOutcome>, ApiError>>;
}

/// Rows after which an import refreshes the table's statistics: a planner that still believes
/// the table nearly empty picks nested loops over the whole set (seen: a coverage report over
/// 100,000 freshly imported organizations ran for minutes on PostgreSQL, 66 ms after ANALYZE).
pub const ANALYZE_AFTER_ROWS: usize = 1000;

pub async fn refresh_statistics(db: &crate::db::Db, table: &'static str) -> Result<(), ApiError> {
    db.write
        .execute_unprepared(&format!("ANALYZE {table}"))
        .await?;
    Ok(())
}

fn refused(field: &str, code: &str, message: impl Into<String>) -> Vec<FieldError> {
    vec![FieldError::new(field, code, message)]
}

/// Values of `column` among `values` that live rows already hold.
async fn taken<E, C>(
    conn: &impl ConnectionTrait,
    column: C,
    archived_at: C,
    values: Vec<String>,
) -> Result<HashSet<String>, ApiError>
where
    E: EntityTrait<Column = C>,
    C: ColumnTrait,
{
    if values.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<String> = E::find()
        .select_only()
        .column(column)
        .filter(column.is_in(values))
        .filter(archived_at.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// Organizations from CSV.
#[derive(Default)]
pub struct OrganizationImporter {
    seen_uscc: HashSet<String>,
}

impl Importer for OrganizationImporter {
    type Row = OrganizationFields;
    const TABLE: &'static str = "organizations";

    async fn write(
        &mut self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        rows: Vec<(usize, OrganizationFields)>,
    ) -> Result<Vec<RowOutcome>, ApiError> {
        let codes = rows.iter().map(|(_, f)| f.uscc.clone()).collect();
        let registered = taken::<organization::Entity, _>(
            txn,
            organization::Column::Uscc,
            organization::Column::ArchivedAt,
            codes,
        )
        .await?;
        let now = chrono::Utc::now();
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut models = Vec::new();
        let mut changes = Vec::new();
        for (row, fields) in rows {
            if let Err(ApiError::Validation(errors)) =
                organizations::check_in_scope(&caller.access, &fields)
            {
                outcomes.push((row, Err(errors)));
                continue;
            }
            if registered.contains(&fields.uscc) {
                outcomes.push((
                    row,
                    Err(refused(
                        "uscc",
                        "unique",
                        "an organization with this uscc is already registered",
                    )),
                ));
                continue;
            }
            if !self.seen_uscc.insert(fields.uscc.clone()) {
                outcomes.push((
                    row,
                    Err(refused(
                        "uscc",
                        "duplicate_in_file",
                        "an earlier row has this uscc",
                    )),
                ));
                continue;
            }
            let id = Uuid::now_v7();
            let region = fields.region_code.clone();
            let mut model = organization::ActiveModel {
                id: Set(id),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                archived_at: Set(None),
                ..Default::default()
            };
            organizations::apply(&mut model, fields);
            models.push(model);
            changes.push(super::audit::Change {
                action: "create",
                resource_type: "organization",
                resource_id: id,
                changed_fields: vec!["import".into()],
                region_code: Some(region),
                feed: super::audit::FeedFacts {
                    version: Some(1),
                    ..Default::default()
                },
            });
            outcomes.push((row, Ok(id)));
        }
        if !models.is_empty() {
            organization::Entity::insert_many(models).exec(txn).await?;
        }
        super::audit::record_many(txn, &caller.actor, changes).await?;
        Ok(outcomes)
    }
}

/// A member row: the details and the enrolment.
pub type MemberRow = (MemberFields, Enrolment);

/// Members from CSV. Lookups of party organizations, organizations and groups are remembered
/// for the whole import.
pub struct MemberImporter {
    today: chrono::NaiveDate,
    seen_id_numbers: HashSet<String>,
    /// Party organizations by id, as the caller reaches them (`None`: not reachable).
    reachable: HashMap<Uuid, Option<party_organization::Model>>,
    /// Whether a live party organization exists, reachable or not (hosts of mobile members).
    exists: HashMap<Uuid, bool>,
    organizations: HashMap<Uuid, bool>,
    /// Groups by id, with the party organization they belong to.
    groups: HashMap<Uuid, Option<Uuid>>,
}

impl MemberImporter {
    pub fn new(today: chrono::NaiveDate) -> Self {
        MemberImporter {
            today,
            seen_id_numbers: HashSet::new(),
            reachable: HashMap::new(),
            exists: HashMap::new(),
            organizations: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    async fn holder(
        &mut self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Option<party_organization::Model>, ApiError> {
        if let Some(known) = self.reachable.get(&id) {
            return Ok(known.clone());
        }
        let found = party_organization::Entity::find_by_id(id)
            .filter(party_organization::Column::ArchivedAt.is_null())
            .filter(scope::party_organizations(&caller.access))
            .one(txn)
            .await?;
        self.reachable.insert(id, found.clone());
        Ok(found)
    }

    async fn party_organization_exists(
        &mut self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<bool, ApiError> {
        if let Some(known) = self.exists.get(&id) {
            return Ok(*known);
        }
        let found = party_organization::Entity::find_by_id(id)
            .filter(party_organization::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .is_some();
        self.exists.insert(id, found);
        Ok(found)
    }

    async fn organization_exists(
        &mut self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<bool, ApiError> {
        if let Some(known) = self.organizations.get(&id) {
            return Ok(*known);
        }
        let found = organization::Entity::find_by_id(id)
            .filter(organization::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .is_some();
        self.organizations.insert(id, found);
        Ok(found)
    }

    async fn group_owner(
        &mut self,
        txn: &DatabaseTransaction,
        id: Uuid,
    ) -> Result<Option<Uuid>, ApiError> {
        if let Some(known) = self.groups.get(&id) {
            return Ok(*known);
        }
        let owner = party_group::Entity::find_by_id(id)
            .filter(party_group::Column::ArchivedAt.is_null())
            .one(txn)
            .await?
            .map(|g| g.party_organization_id);
        self.groups.insert(id, owner);
        Ok(owner)
    }

    /// Every rule of one row that needs the database, as the fields at fault.
    async fn check(
        &mut self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        fields: &MemberFields,
        enrolment: &Enrolment,
    ) -> Result<Result<party_organization::Model, Vec<FieldError>>, ApiError> {
        if let Err(ApiError::Validation(errors)) = members::check_enrolment(enrolment, self.today) {
            return Ok(Err(errors));
        }
        let Some(holder) = self
            .holder(txn, caller, enrolment.party_organization_id)
            .await?
        else {
            return Ok(Err(refused(
                "party_organization_id",
                "unknown_party_organization",
                format!(
                    "{} is not a party organization you can reach",
                    enrolment.party_organization_id
                ),
            )));
        };
        let mut errors = Vec::new();
        if let Some(id) = fields.organization_id
            && !self.organization_exists(txn, id).await?
        {
            errors.push(FieldError::new(
                "organization_id",
                "unknown_organization",
                format!("{id} is not a registered organization"),
            ));
        }
        if let Some(id) = fields.party_group_id
            && self.group_owner(txn, id).await? != Some(holder.id)
        {
            errors.push(FieldError::new(
                "party_group_id",
                "unknown_party_group",
                "not a live group of the member's party organization",
            ));
        }
        match check_mobility(
            fields.is_mobile,
            fields.host_party_organization_id,
            holder.id,
        ) {
            Err(v) => errors.push(FieldError::new(v.field, v.code, v.message)),
            Ok(None) => {}
            Ok(Some(host)) => {
                if !self.party_organization_exists(txn, host).await? {
                    errors.push(FieldError::new(
                        "host_party_organization_id",
                        "unknown_party_organization",
                        format!("{host} is not a party organization"),
                    ));
                }
            }
        }
        Ok(match errors.is_empty() {
            true => Ok(holder),
            false => Err(errors),
        })
    }
}

impl Importer for MemberImporter {
    type Row = MemberRow;
    const TABLE: &'static str = "members";

    async fn write(
        &mut self,
        txn: &DatabaseTransaction,
        caller: &Caller,
        rows: Vec<(usize, MemberRow)>,
    ) -> Result<Vec<RowOutcome>, ApiError> {
        let numbers = rows.iter().map(|(_, (f, _))| f.id_number.clone()).collect();
        let registered = taken::<member::Entity, _>(
            txn,
            member::Column::IdNumber,
            member::Column::ArchivedAt,
            numbers,
        )
        .await?;
        let now = chrono::Utc::now();
        let mut outcomes = Vec::with_capacity(rows.len());
        let mut models = Vec::new();
        let mut changes = Vec::new();
        for (row, (fields, enrolment)) in rows {
            let holder = match self.check(txn, caller, &fields, &enrolment).await? {
                Ok(holder) => holder,
                Err(errors) => {
                    outcomes.push((row, Err(errors)));
                    continue;
                }
            };
            if !self.seen_id_numbers.insert(fields.id_number.clone()) {
                outcomes.push((
                    row,
                    Err(refused(
                        "id_number",
                        "duplicate_in_file",
                        "an earlier row has this id_number",
                    )),
                ));
                continue;
            }
            // As for a single registration: refused when held within the caller's scope, kept
            // as a duplicate (and the row reported as written) when held only outside it.
            let mut duplicate_of = None;
            if registered.contains(&fields.id_number) {
                match members::place_id_number(txn, caller, &fields.id_number, None).await {
                    Ok(holder) => duplicate_of = holder,
                    Err(ApiError::Conflict { code, detail }) => {
                        outcomes.push((row, Err(refused("id_number", code, detail))));
                        continue;
                    }
                    Err(other) => return Err(other),
                }
            }
            let id = Uuid::now_v7();
            let mut model = member::ActiveModel {
                id: Set(id),
                party_organization_id: Set(holder.id),
                stage: Set(enrolment.stage),
                status: Set(MemberStatus::Active),
                joined_on: Set(enrolment.joined_on),
                probation_ends_on: Set(match enrolment.stage {
                    Stage::Probationary => {
                        enrolment.joined_on.map(|d| add_months(d, PROBATION_MONTHS))
                    }
                    _ => None,
                }),
                full_member_on: Set(enrolment.full_member_on),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                archived_at: Set(None),
                duplicate_of: Set(duplicate_of),
                ..Default::default()
            };
            members::apply(&mut model, fields);
            models.push(model);
            changes.push(super::audit::Change {
                action: "create",
                resource_type: "member",
                resource_id: id,
                changed_fields: vec!["import".into()],
                region_code: Some(holder.region_code.clone()),
                feed: super::audit::FeedFacts {
                    version: Some(1),
                    party_organization_id: Some(holder.id),
                    left: None,
                },
            });
            outcomes.push((row, Ok(id)));
        }
        if !models.is_empty() {
            member::Entity::insert_many(models).exec(txn).await?;
        }
        super::audit::record_many(txn, &caller.actor, changes).await?;
        Ok(outcomes)
    }
}
