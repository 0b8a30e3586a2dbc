//! The special party-building fund of a party organization: an immutable ledger and its balance.
//!
//! Every entry that counts moves the balance row in the entry's own transaction, by a
//! conditional update that refuses to take it below zero (`balance_fen >= amount` in the WHERE
//! clause; the row stays locked to the writer until it commits, and SQLite has one writer), with
//! a CHECK constraint underneath: the balance is never negative, whatever runs at once.
use chrono::{NaiveDate, Utc};
use entity::fund_balance::{self, Entity as FundBalance};
use entity::fund_entry::{ActiveModel, Column, Entity as FundEntry, Model};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use uuid::Uuid;

use super::audit;
use super::resource::{self, Page, PageRequest};
use super::{Caller, scope};
use crate::auth::Access;
use crate::db::Db;
use crate::domain::fund::{
    self as rules, FundCategory, FundEntryKind, FundEntryStatus, FundSource, YearReport,
};
use crate::error::ApiError;

resource::impl_resource!(fund_entry);

/// An entry to record.
#[derive(Clone, Debug)]
pub struct NewEntry {
    pub kind: FundEntryKind,
    pub source: Option<FundSource>,
    pub category: Option<FundCategory>,
    pub reverses_id: Option<Uuid>,
    /// Absent for a reversal (it takes the reversed entry's amount).
    pub amount_fen: Option<i64>,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub document_ref: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct EntryFilter {
    pub kind: Option<FundEntryKind>,
    pub category: Option<FundCategory>,
    pub source: Option<FundSource>,
    pub status: Option<FundEntryStatus>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn change(
    action: &'static str,
    entry: &Model,
    region_code: &str,
    changed_fields: Vec<String>,
) -> audit::Change {
    audit::Change {
        action,
        resource_type: "fund_entry",
        resource_id: entry.id,
        changed_fields,
        region_code: Some(region_code.to_owned()),
        feed: audit::FeedFacts {
            version: Some(entry.version),
            party_organization_id: Some(entry.party_organization_id),
            left: None,
        },
    }
}

/// The balance of a party organization (0 before its first entry).
async fn balance_of(
    conn: &impl ConnectionTrait,
    party_organization_id: Uuid,
) -> Result<i64, ApiError> {
    Ok(FundBalance::find_by_id(party_organization_id)
        .one(conn)
        .await?
        .map_or(0, |b| b.balance_fen))
}

fn insufficient(balance: i64, needed: i64) -> ApiError {
    ApiError::conflict(
        "insufficient_funds",
        format!("The fund's balance is {balance} fen; this needs {needed} fen."),
    )
}

/// Moves the balance by `delta`; a decrease that would take it below zero is a 409
/// `insufficient_funds` naming the balance, and changes nothing.
async fn move_balance(
    txn: &DatabaseTransaction,
    party_organization_id: Uuid,
    delta: i64,
) -> Result<(), ApiError> {
    let now = Utc::now();
    FundBalance::insert(fund_balance::ActiveModel {
        party_organization_id: Set(party_organization_id),
        balance_fen: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(fund_balance::Column::PartyOrganizationId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let mut update = FundBalance::update_many()
        .col_expr(
            fund_balance::Column::BalanceFen,
            Expr::col(fund_balance::Column::BalanceFen).add(delta),
        )
        .col_expr(fund_balance::Column::UpdatedAt, Expr::value(now))
        .filter(fund_balance::Column::PartyOrganizationId.eq(party_organization_id));
    if delta < 0 {
        update = update.filter(fund_balance::Column::BalanceFen.gte(-delta));
    }
    if update.exec(txn).await?.rows_affected == 0 {
        return Err(insufficient(
            balance_of(txn, party_organization_id).await?,
            -delta,
        ));
    }
    Ok(())
}

/// Records an entry in the caller's transaction: allocations and reversals count at once, an
/// expenditure above `threshold_fen` waits for approval (and must be covered when recorded).
pub async fn record(
    txn: &DatabaseTransaction,
    caller: &Caller,
    threshold_fen: i64,
    party_organization_id: Uuid,
    new: NewEntry,
) -> Result<Model, ApiError> {
    let owner =
        super::party_organizations::live_in_scope(txn, &caller.access, party_organization_id)
            .await?;
    let reversed = match new.reverses_id {
        None => None,
        Some(target) => {
            let found = FundEntry::find_by_id(target)
                .filter(Column::PartyOrganizationId.eq(party_organization_id))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    ApiError::conflict(
                        "unknown_entry",
                        format!("{target} is not an entry of this party organization's fund."),
                    )
                })?;
            rules::check_reversible(found.kind, found.status)?;
            if let Some(amount) = new.amount_fen
                && amount != found.amount_fen
            {
                return Err(ApiError::conflict(
                    "partial_reversal",
                    format!(
                        "A reversal undoes its entry in full: {} fen, not {amount}.",
                        found.amount_fen
                    ),
                ));
            }
            Some(found)
        }
    };
    let amount_fen = reversed
        .as_ref()
        .map(|r| r.amount_fen)
        .or(new.amount_fen)
        .unwrap_or_default();
    let pending = rules::needs_approval(new.kind, amount_fen, threshold_fen);
    if pending {
        let balance = balance_of(txn, party_organization_id).await?;
        if balance < amount_fen {
            return Err(insufficient(balance, amount_fen));
        }
    } else {
        let effect = rules::effect(new.kind, reversed.as_ref().map(|r| r.kind), amount_fen);
        move_balance(txn, party_organization_id, effect).await?;
    }
    let now = Utc::now();
    let created = ActiveModel {
        id: Set(Uuid::now_v7()),
        party_organization_id: Set(party_organization_id),
        kind: Set(new.kind),
        source: Set(new.source),
        category: Set(new.category),
        reverses_id: Set(new.reverses_id),
        amount_fen: Set(amount_fen),
        occurred_on: Set(new.occurred_on),
        description: Set(new.description),
        document_ref: Set(new.document_ref),
        recorded_by: Set(caller.actor.key.clone()),
        status: Set(match pending {
            true => FundEntryStatus::Pending,
            false => FundEntryStatus::Approved,
        }),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ApiError::conflict("already_reversed", "That entry has been reversed already.")
        }
        _ => e.into(),
    })?;
    let set = audit::set_fields(&created);
    audit::record(
        txn,
        &caller.actor,
        change("create", &created, &owner.region_code, set),
    )
    .await?;
    Ok(created)
}

/// The entries of a party organization's ledger, oldest recorded first.
pub async fn list(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    filter: &EntryFilter,
    page: &PageRequest,
) -> Result<Page<Model>, ApiError> {
    super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let mut condition = Condition::all().add(Column::PartyOrganizationId.eq(party_organization_id));
    if let Some(kind) = filter.kind {
        condition = condition.add(Column::Kind.eq(kind));
    }
    if let Some(category) = filter.category {
        condition = condition.add(Column::Category.eq(category));
    }
    if let Some(source) = filter.source {
        condition = condition.add(Column::Source.eq(source));
    }
    if let Some(status) = filter.status {
        condition = condition.add(Column::Status.eq(status));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::OccurredOn.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::OccurredOn.lte(to));
    }
    resource::list::<FundEntry>(&db.read, condition, page).await
}

pub async fn get(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    entry_id: Uuid,
) -> Result<Model, ApiError> {
    super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let condition = Condition::all().add(Column::PartyOrganizationId.eq(party_organization_id));
    resource::get::<FundEntry>(&db.read, entry_id, condition).await
}

/// An entry by its id alone, if the caller reaches its party organization (the event feed).
pub async fn get_by_id(db: &Db, access: &Access, entry_id: Uuid) -> Result<Model, ApiError> {
    let entry = resource::get::<FundEntry>(&db.read, entry_id, Condition::all()).await?;
    get(db, access, entry.party_organization_id, entry_id).await
}

/// Approves (the expenditure then counts, if the balance covers it) or rejects a pending
/// expenditure: by someone other than who recorded it, who reaches the party organization from
/// above — the secretary of a party organization above it, the organization department of its
/// region, or an administrator.
pub async fn decide(
    txn: &DatabaseTransaction,
    caller: &Caller,
    party_organization_id: Uuid,
    entry_id: Uuid,
    approve: bool,
    reason: Option<String>,
) -> Result<Model, ApiError> {
    let owner =
        super::party_organizations::live_in_scope(txn, &caller.access, party_organization_id)
            .await?;
    if !scope::reaches_from_above(&caller.access, &owner.region_code, &owner.path) {
        return Err(ApiError::Forbidden(
            "Expenditures are approved by the secretary of a party organization above this one, \
             the organization department or an administrator."
                .into(),
        ));
    }
    let condition = Condition::all().add(Column::PartyOrganizationId.eq(party_organization_id));
    let entry = resource::get::<FundEntry>(txn, entry_id, condition).await?;
    rules::check_decider(&entry.recorded_by, &caller.actor.key, entry.status)?;
    if approve {
        move_balance(txn, party_organization_id, -entry.amount_fen).await?;
    }
    let decided = ActiveModel {
        status: Set(match approve {
            true => FundEntryStatus::Approved,
            false => FundEntryStatus::Rejected,
        }),
        decided_by: Set(Some(caller.actor.key.clone())),
        decided_at: Set(Some(Utc::now())),
        decision_reason: Set(reason),
        ..Default::default()
    };
    let updated =
        resource::update_versioned::<FundEntry, _>(txn, entry_id, entry.version, decided).await?;
    let action = if approve { "approve" } else { "reject" };
    let fields = vec!["status".into(), "decided_by".into(), "decided_at".into()];
    audit::record(
        txn,
        &caller.actor,
        change(action, &updated, &owner.region_code, fields),
    )
    .await?;
    Ok(updated)
}

/// The balance, and what pending expenditures would take.
pub async fn balance(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
) -> Result<(i64, i64), ApiError> {
    super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let balance = balance_of(&db.read, party_organization_id).await?;
    // Few entries are pending at once; summed here, as SUM's type differs between databases.
    let pending: Vec<i64> = FundEntry::find()
        .select_only()
        .column(Column::AmountFen)
        .filter(Column::PartyOrganizationId.eq(party_organization_id))
        .filter(Column::Status.eq(FundEntryStatus::Pending))
        .into_tuple()
        .all(&db.read)
        .await?;
    Ok((balance, pending.iter().sum()))
}

/// A year's books of a party organization, with the management-fee warning when the covered
/// organizations' previous-year payroll is known.
pub async fn report(
    db: &Db,
    access: &Access,
    party_organization_id: Uuid,
    year: i32,
) -> Result<(YearReport, Vec<String>, Option<i64>), ApiError> {
    let owner =
        super::party_organizations::live_in_scope(&db.read, access, party_organization_id).await?;
    let through = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| ApiError::bad_request("year", "range", "not a year"))?;
    let rows = FundEntry::find()
        .filter(Column::PartyOrganizationId.eq(party_organization_id))
        .filter(Column::OccurredOn.lte(through))
        .order_by_asc(Column::OccurredOn)
        .all(&db.read)
        .await?;
    let kinds: std::collections::HashMap<Uuid, FundEntryKind> =
        rows.iter().map(|r| (r.id, r.kind)).collect();
    let entries: Vec<rules::Entry> = rows
        .iter()
        .map(|r| rules::Entry {
            kind: r.kind,
            source: r.source,
            category: r.category,
            amount_fen: r.amount_fen,
            occurred_on: r.occurred_on,
            status: r.status,
            reverses: r.reverses_id.and_then(|id| kinds.get(&id).copied()),
        })
        .collect();
    let report = rules::year_report(year, &entries);
    let payroll = super::organizations::payroll_of_covered(&db.read, owner.id, year - 1).await?;
    let fees = report
        .allocations_by_source
        .get(&FundSource::ManagementFee)
        .copied()
        .unwrap_or(0);
    let warnings = rules::management_fee_warning(fees, payroll)
        .into_iter()
        .collect();
    Ok((report, warnings, payroll))
}
