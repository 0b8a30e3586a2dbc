//! What a caller reaches, as query conditions (DESIGN §1: "scoping is a query condition, never a
//! filter applied after loading rows"). Every resource's scope is here, so a reader sees all of
//! them together and no resource module needs another's to scope its rows. Two shapes cover
//! them: a region prefix (`region_code` range) and a party-organization subtree (`path` range);
//! resources kept under a party organization are scoped through it.
use entity::instructor::Column as InstructorColumn;
use entity::instructor_assignment::{self as assignment, Entity as Assignment};
use entity::member::Column as MemberColumn;
use entity::party_organization::{self, Entity as PartyOrganization};
use entity::{meeting, meeting_schedule, organization};
use sea_orm::sea_query::{IntoCondition, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use super::resource::{nothing, region_condition, subtree_condition};
use crate::auth::Access;
use crate::auth::policy::Scope;
use crate::domain::instructor::AssignmentStatus;

/// Rows within what the caller's access reaches: the union of `each` scope's condition, as a
/// query condition, so rows outside it are never loaded, counted or listed. `each` gives `None`
/// for a scope that reaches none of the resource's rows.
pub fn condition(access: &Access, each: impl Fn(&Scope) -> Option<Condition>) -> Condition {
    if access.is_everything() {
        return Condition::all();
    }
    let conditions: Vec<Condition> = access.scopes.iter().filter_map(each).collect();
    if conditions.is_empty() {
        return nothing();
    }
    let any = conditions
        .into_iter()
        .fold(Condition::any(), Condition::add);
    // Wrapped so that conditions added later are ANDed with the scope, not ORed into it.
    Condition::all().add(any)
}

/// Rows within the regions the caller's access reaches (the audit log).
pub fn regions(access: &Access, column: impl ColumnTrait + Copy) -> Condition {
    condition(access, |scope| match scope {
        Scope::Region(prefix) => Some(region_condition(column, prefix)),
        _ => None,
    })
}

/// Organizations within a region, or, for an instructor, those of their active assignments.
pub fn organizations(access: &Access) -> Condition {
    use organization::Column;
    condition(access, |scope| match scope {
        Scope::Region(prefix) => Some(region_condition(Column::RegionCode, prefix)),
        Scope::Instructor(instructor) => Some(
            Column::Id
                .in_subquery(instructor_organizations(*instructor))
                .into_condition(),
        ),
        _ => None,
    })
}

/// Ids of the organizations an instructor is actively assigned to, as a subquery.
pub fn instructor_organizations(instructor: Uuid) -> SelectStatement {
    Query::select()
        .column(assignment::Column::OrganizationId)
        .from(Assignment)
        .and_where(assignment::Column::InstructorId.eq(instructor))
        .and_where(assignment::Column::Status.eq(AssignmentStatus::Active))
        .to_owned()
}

/// The party organizations a scope reaches, as a condition on them (`None`: none by this
/// scope): regions by `region_code`, subtrees by `path`.
pub fn party_reached_by(scope: &Scope) -> Option<Condition> {
    use party_organization::Column;
    match scope {
        Scope::Region(prefix) => Some(region_condition(Column::RegionCode, prefix)),
        Scope::PartySubtree(root) => Some(subtree_condition(Column::Path, root)),
        _ => None,
    }
}

/// The condition on party organizations of what `access` reaches.
pub fn party_organizations(access: &Access) -> Condition {
    condition(access, party_reached_by)
}

/// Whether a party organization with this region and path lies within `access` (for one not
/// yet written: a create, or a move).
pub fn reaches_party_organization(access: &Access, region_code: &str, path: &str) -> bool {
    access.is_everything()
        || access.scopes.iter().any(|scope| match scope {
            Scope::Region(prefix) => region_code.starts_with(prefix.as_str()),
            Scope::PartySubtree(root) => path.starts_with(root.as_str()),
            _ => false,
        })
}

/// Whether `access` reaches a party organization from above: everywhere, its region, or the
/// subtree of a party organization strictly above it (who approves what it spends).
pub fn reaches_from_above(access: &Access, region_code: &str, path: &str) -> bool {
    access.is_everything()
        || access.scopes.iter().any(|scope| match scope {
            Scope::Region(prefix) => region_code.starts_with(prefix.as_str()),
            Scope::PartySubtree(root) => path.starts_with(root.as_str()) && path != root,
            _ => false,
        })
}

/// Ids of the live party organizations that meet `party_condition`, as a subquery.
pub fn party_ids(party_condition: Condition) -> SelectStatement {
    use party_organization::Column;
    Query::select()
        .column(Column::Id)
        .from(PartyOrganization)
        .cond_where(party_condition.add(Column::ArchivedAt.is_null()))
        .to_owned()
}

/// Rows whose `column` names a live party organization the caller reaches.
pub fn through_party_organization(access: &Access, column: impl ColumnTrait + Copy) -> Condition {
    condition(access, |scope| {
        party_reached_by(scope).map(|reach| column.in_subquery(party_ids(reach)).into_condition())
    })
}

/// Members held or hosted (mobile members) by a party organization that meets
/// `party_condition`.
pub fn held_or_hosted(party_condition: Condition) -> Condition {
    let ids = party_ids(party_condition);
    Condition::any()
        .add(MemberColumn::PartyOrganizationId.in_subquery(ids.clone()))
        .add(MemberColumn::HostPartyOrganizationId.in_subquery(ids))
}

/// Members of the party organizations reached, those they host, or one's own record.
pub fn members(access: &Access) -> Condition {
    condition(access, |scope| match scope {
        Scope::OwnMember(id) => Some(Condition::all().add(MemberColumn::Id.eq(*id))),
        other => party_reached_by(other).map(held_or_hosted),
    })
}

/// Members whose relation is held by a party organization the caller reaches: those the caller
/// may change. A mobile member's host branch reads them (see [`members`]) but does not change or
/// transfer them; the branch holding their relation does.
pub fn members_held(access: &Access) -> Condition {
    condition(access, |scope| {
        party_reached_by(scope).map(|reach| {
            MemberColumn::PartyOrganizationId
                .in_subquery(party_ids(reach))
                .into_condition()
        })
    })
}

/// Meetings of party organizations the caller reaches.
pub fn meetings(access: &Access) -> Condition {
    through_party_organization(access, meeting::Column::PartyOrganizationId)
}

/// Meeting schedules of party organizations the caller reaches.
pub fn schedules(access: &Access) -> Condition {
    through_party_organization(access, meeting_schedule::Column::PartyOrganizationId)
}

/// Instructors within a region's pool, or an instructor's own record.
pub fn instructors(access: &Access) -> Condition {
    condition(access, |scope| match scope {
        Scope::Region(prefix) => Some(region_condition(InstructorColumn::RegionCode, prefix)),
        Scope::Instructor(id) => Some(InstructorColumn::Id.eq(*id).into_condition()),
        _ => None,
    })
}

/// Assignments to organizations of a region, or an instructor's own.
pub fn assignments(access: &Access) -> Condition {
    condition(access, |scope| match scope {
        Scope::Region(prefix) => Some(
            assignment::Column::OrganizationId
                .in_subquery(
                    Query::select()
                        .column(organization::Column::Id)
                        .from(organization::Entity)
                        .cond_where(region_condition(organization::Column::RegionCode, prefix))
                        .to_owned(),
                )
                .into_condition(),
        ),
        Scope::Instructor(id) => Some(assignment::Column::InstructorId.eq(*id).into_condition()),
        _ => None,
    })
}
