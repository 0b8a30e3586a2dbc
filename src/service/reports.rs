//! Reports computed live by set-based queries: one grouped query over organizations and one over
//! members, whatever the number of organizations.
use std::collections::BTreeMap;

use sea_orm::{DatabaseBackend, FromQueryResult, Statement, Value};

use crate::auth::Access;
use crate::auth::policy::Scope;
use crate::db::Db;
use crate::domain::member::Stage;
use crate::domain::region;
use crate::error::ApiError;

/// How rows are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// One group: the totals.
    None,
    /// By region, one level below the requested one (`k` leading digits of the code).
    Region(usize),
    Kind,
    Category,
}

/// The figures of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageCounts {
    pub organizations: i64,
    pub with_own_party_organization: i64,
    pub covered_by_joint_party_organization: i64,
    pub with_active_instructor: i64,
    pub work_covered: i64,
    pub members_by_stage: BTreeMap<Stage, i64>,
    pub mobile_members: i64,
}

#[derive(FromQueryResult)]
struct OrganizationRow {
    group_key: Option<String>,
    total: i64,
    own: i64,
    joint: i64,
    instructed: i64,
    work: i64,
}

#[derive(FromQueryResult)]
struct MemberRow {
    group_key: Option<String>,
    stage: Stage,
    members: i64,
    mobile: i64,
}

/// SQL text with `?` placeholders and their values, turned into the backend's statement.
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// `AND (column in one of the regions)`; nothing when unrestricted.
    fn regions(&mut self, column: &str, prefixes: Option<&[String]>) -> &mut Self {
        let Some(prefixes) = prefixes else {
            return self;
        };
        if prefixes.is_empty() {
            return self.push(" AND 1 = 0");
        }
        self.push(" AND (");
        for (i, prefix) in prefixes.iter().enumerate() {
            if i > 0 {
                self.push(" OR ");
            }
            self.push("(")
                .push(column)
                .push(" >= ")
                .bind(prefix.clone());
            if let Some(upper) = region::upper_bound(prefix) {
                self.push(" AND ").push(column).push(" < ").bind(upper);
            }
            self.push(")");
        }
        self.push(")")
    }

    fn statement(self, backend: DatabaseBackend) -> Statement {
        let text = match backend {
            DatabaseBackend::Postgres => {
                let mut n = 0;
                self.text
                    .chars()
                    .map(|c| match c {
                        '?' => {
                            n += 1;
                            format!("${n}")
                        }
                        c => c.to_string(),
                    })
                    .collect()
            }
            _ => self.text,
        };
        Statement::from_sql_and_values(backend, text, self.values)
    }
}

fn group_expression(grouping: Grouping, region_column: &str, organization: &str) -> String {
    match grouping {
        Grouping::None => "''".into(),
        Grouping::Region(k) => format!("SUBSTR({region_column}, 1, {k})"),
        Grouping::Kind => format!("{organization}.kind"),
        Grouping::Category => format!("{organization}.category"),
    }
}

/// The caller's regions as prefixes; `None` when unrestricted.
fn reach(access: &Access) -> Option<Vec<String>> {
    if access.is_everything() {
        return None;
    }
    Some(
        access
            .scopes
            .iter()
            .filter_map(|s| match s {
                Scope::Region(prefix) => Some(prefix.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// The coverage figures over operating, in-survey-scope organizations within `region_prefix`
/// and the caller's reach, on `as_of`, by group.
pub async fn coverage(
    db: &Db,
    access: &Access,
    region_prefix: Option<&str>,
    as_of: chrono::NaiveDate,
    grouping: Grouping,
) -> Result<BTreeMap<Option<String>, CoverageCounts>, ApiError> {
    let backend = db.read.get_database_backend();
    let reach = reach(access);
    let filter: Option<Vec<String>> = region_prefix.map(|p| vec![p.to_owned()]);

    // Each organization once, joined to its coverage flags (hash joins over the whole set, not
    // a subquery per organization).
    let key = group_expression(grouping, "o.region_code", "o");
    let mut sql = Sql::new("SELECT ");
    sql.push(&key)
        .push(" AS group_key, COUNT(*) AS total, ")
        .push("SUM(COALESCE(cov.own, 0)) AS own, ")
        .push("SUM(CASE WHEN COALESCE(cov.own, 0) = 0 AND COALESCE(cov.joint, 0) = 1 THEN 1 ELSE 0 END) AS joint, ")
        .push("SUM(CASE WHEN ins.organization_id IS NULL THEN 0 ELSE 1 END) AS instructed, ")
        .push("SUM(CASE WHEN cov.organization_id IS NULL AND ins.organization_id IS NULL THEN 0 ELSE 1 END) AS work ")
        .push("FROM organizations o ")
        .push("LEFT JOIN (SELECT c.organization_id, ")
        .push("MAX(CASE WHEN p.org_type <> 'joint_branch' THEN 1 ELSE 0 END) AS own, ")
        .push("MAX(CASE WHEN p.org_type = 'joint_branch' THEN 1 ELSE 0 END) AS joint ")
        .push("FROM party_organization_covers c JOIN party_organizations p ON p.id = c.party_organization_id ")
        .push("WHERE p.archived_at IS NULL AND (p.established_on IS NULL OR p.established_on <= ")
        .bind(as_of)
        .push(") GROUP BY c.organization_id) cov ON cov.organization_id = o.id ")
        .push("LEFT JOIN (SELECT DISTINCT a.organization_id FROM instructor_assignments a WHERE a.starts_on <= ")
        .bind(as_of)
        .push(" AND (a.ends_on IS NULL OR a.ends_on >= ")
        .bind(as_of)
        .push(")) ins ON ins.organization_id = o.id ")
        .push("WHERE o.archived_at IS NULL AND o.operating_status = 'operating' AND o.in_survey_scope = ")
        .bind(true)
        .regions("o.region_code", reach.as_deref())
        .regions("o.region_code", filter.as_deref())
        .push(" GROUP BY ");
    // One group without a grouping: PostgreSQL refuses a constant in GROUP BY, so group by a
    // column the WHERE clause holds to NULL (and no rows then means no group, not a NULL sum).
    match grouping {
        Grouping::None => sql.push("o.archived_at"),
        _ => sql.push(&key),
    };
    let rows = OrganizationRow::find_by_statement(sql.statement(backend))
        .all(&db.read)
        .await?;

    let mut groups: BTreeMap<Option<String>, CoverageCounts> = BTreeMap::new();
    for row in rows {
        let counts = groups.entry(row.group_key).or_default();
        counts.organizations = row.total;
        counts.with_own_party_organization = row.own;
        counts.covered_by_joint_party_organization = row.joint;
        counts.with_active_instructor = row.instructed;
        counts.work_covered = row.work;
    }

    let key = group_expression(grouping, "p.region_code", "o");
    let mut sql = Sql::new("SELECT ");
    sql.push(&key)
        .push(" AS group_key, m.stage AS stage, COUNT(*) AS members, ")
        .push("SUM(CASE WHEN m.is_mobile THEN 1 ELSE 0 END) AS mobile ")
        .push("FROM members m JOIN party_organizations p ON p.id = m.party_organization_id ")
        .push("LEFT JOIN organizations o ON o.id = m.organization_id ")
        .push("WHERE m.archived_at IS NULL AND m.status = 'active' AND p.archived_at IS NULL")
        .regions("p.region_code", reach.as_deref())
        .regions("p.region_code", filter.as_deref())
        .push(" GROUP BY ");
    // PostgreSQL refuses a constant in GROUP BY.
    if grouping != Grouping::None {
        sql.push(&key).push(", ");
    }
    sql.push("m.stage");
    let rows = MemberRow::find_by_statement(sql.statement(backend))
        .all(&db.read)
        .await?;
    for row in rows {
        let counts = groups.entry(row.group_key).or_default();
        *counts.members_by_stage.entry(row.stage).or_default() += row.members;
        counts.mobile_members += row.mobile;
    }
    Ok(groups)
}
