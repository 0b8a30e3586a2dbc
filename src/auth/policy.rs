//! Who may do what, in one place: the role × permission table, and the scope each role's
//! grant carries. Handlers get the [`Access`] of the permission their operation declares from
//! `api::extract::Authorized` (which calls `Principal::require`) and pass it to the service,
//! which turns it into a query condition.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use uuid::Uuid;

use crate::domain::region::prefix_of;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
    /// Organization department staff (组织部门): everything within their region.
    OrgDepartment,
    /// The secretary of a party organization: that organization and those below it, their
    /// members (including mobile members they host) and meetings.
    BranchSecretary,
    /// A party member: their own member record.
    Member,
    /// A party-building instructor: the organizations of their active assignments (read), their
    /// own record and assignments, and the visit logs they write.
    Instructor,
}

/// A role held by a user, with its scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "org_department", "region_code": "110105"}))]
pub struct RoleGrant {
    pub role: Role,
    /// The region of an `org_department` grant: a division code of any level, in full or
    /// prefix form (`110000`, `11`, `110105`). Not allowed on `admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$")]
    pub region_code: Option<String>,
    /// The party organization of a `branch_secretary` grant; the grant reaches it and every
    /// party organization below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_organization_id: Option<Uuid>,
    /// The member record of a `member` grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<Uuid>,
    /// The instructor record of an `instructor` grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructor_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    OrganizationsRead,
    OrganizationsWrite,
    PartyOrganizationsRead,
    /// Creating and changing party organizations and their party groups.
    PartyOrganizationsWrite,
    MembersRead,
    /// Creating and changing members, their development steps and transfers.
    MembersWrite,
    /// Instructors, their trainings and assignments, and visit logs.
    InstructorsRead,
    /// Registering instructors and trainings; assigning, ending and handing over assignments.
    InstructorsWrite,
    /// Writing visit logs.
    VisitsWrite,
    /// Coverage and compliance reports.
    ReportsRead,
    MeetingsRead,
    /// Planning, holding and cancelling meetings; attendance and votes.
    MeetingsWrite,
    /// The division table, which every signed-in caller may read.
    RegionsRead,
    /// Creating users, changing their roles, disabling them, resetting passwords.
    UsersManage,
    /// Reading one's own account (`/me`).
    OwnAccountRead,
    /// Reading the audit log (within the role's scope).
    AuditRead,
    /// Seeing personal data (phone and ID-card numbers) unmasked.
    PiiRead,
    /// Registering API clients, changing their scopes, rotating their secrets.
    ClientsManage,
    /// Reading the event feed (of the resource types the other permissions let one read).
    EventsRead,
    /// Registering webhooks and managing their deliveries.
    WebhooksWrite,
    /// Reading a party organization's special fund: its ledger, balance and report.
    FundRead,
    /// Recording fund entries, and approving or rejecting expenditures (see `domain::fund`).
    FundWrite,
    /// Activity carriers: responsibility posts and their evaluations.
    ActivitiesRead,
    ActivitiesWrite,
}

impl Permission {
    pub fn describe(self) -> &'static str {
        match self {
            Permission::OrganizationsRead => "reading organizations",
            Permission::OrganizationsWrite => "changing organizations",
            Permission::PartyOrganizationsRead => "reading party organizations",
            Permission::PartyOrganizationsWrite => "changing party organizations",
            Permission::MembersRead => "reading members",
            Permission::MembersWrite => "changing members",
            Permission::InstructorsRead => "reading instructors and assignments",
            Permission::InstructorsWrite => "changing instructors and assignments",
            Permission::VisitsWrite => "writing visit logs",
            Permission::ReportsRead => "reading reports",
            Permission::MeetingsRead => "reading meetings",
            Permission::MeetingsWrite => "changing meetings",
            Permission::RegionsRead => "reading regions",
            Permission::UsersManage => "managing users",
            Permission::OwnAccountRead => "reading your account",
            Permission::AuditRead => "reading the audit log",
            Permission::PiiRead => "reading personal data unmasked",
            Permission::ClientsManage => "managing API clients",
            Permission::EventsRead => "reading the event feed",
            Permission::WebhooksWrite => "managing webhooks",
            Permission::FundRead => "reading the party-building fund",
            Permission::FundWrite => "keeping the party-building fund's books",
            Permission::ActivitiesRead => "reading activity carriers",
            Permission::ActivitiesWrite => "recording activity carriers",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Permission::OrganizationsRead => "organizations:read",
            Permission::OrganizationsWrite => "organizations:write",
            Permission::PartyOrganizationsRead => "party_organizations:read",
            Permission::PartyOrganizationsWrite => "party_organizations:write",
            Permission::MembersRead => "members:read",
            Permission::MembersWrite => "members:write",
            Permission::InstructorsRead => "instructors:read",
            Permission::InstructorsWrite => "instructors:write",
            Permission::VisitsWrite => "visits:write",
            Permission::ReportsRead => "reports:read",
            Permission::MeetingsRead => "meetings:read",
            Permission::MeetingsWrite => "meetings:write",
            Permission::RegionsRead => "regions:read",
            Permission::UsersManage => "users:manage",
            Permission::OwnAccountRead => "me:read",
            Permission::AuditRead => "audit:read",
            Permission::PiiRead => "pii:read",
            Permission::ClientsManage => "clients:manage",
            Permission::EventsRead => "events:read",
            Permission::WebhooksWrite => "webhooks:write",
            Permission::FundRead => "fund:read",
            Permission::FundWrite => "fund:write",
            Permission::ActivitiesRead => "activities:read",
            Permission::ActivitiesWrite => "activities:write",
        }
    }
}

impl Permission {
    /// The permissions an API client may be given, by their OAuth scope names.
    pub const FOR_CLIENTS: [Permission; 21] = [
        Permission::OrganizationsRead,
        Permission::OrganizationsWrite,
        Permission::PartyOrganizationsRead,
        Permission::PartyOrganizationsWrite,
        Permission::MembersRead,
        Permission::MembersWrite,
        Permission::InstructorsRead,
        Permission::InstructorsWrite,
        Permission::VisitsWrite,
        Permission::ReportsRead,
        Permission::MeetingsRead,
        Permission::MeetingsWrite,
        Permission::RegionsRead,
        Permission::AuditRead,
        Permission::PiiRead,
        Permission::EventsRead,
        Permission::WebhooksWrite,
        Permission::FundRead,
        Permission::FundWrite,
        Permission::ActivitiesRead,
        Permission::ActivitiesWrite,
    ];

    pub fn from_scope(name: &str) -> Option<Permission> {
        Self::FOR_CLIENTS.into_iter().find(|p| p.name() == name)
    }
}

use Permission::*;

/// Every role and the permissions it holds. The scope of what a permission reaches comes from
/// the grant (see [`RoleGrant::scope`]).
pub const TABLE: &[(Role, &[Permission])] = &[
    (
        Role::Admin,
        &[
            OrganizationsRead,
            OrganizationsWrite,
            PartyOrganizationsRead,
            PartyOrganizationsWrite,
            MembersRead,
            MembersWrite,
            InstructorsRead,
            InstructorsWrite,
            VisitsWrite,
            ReportsRead,
            MeetingsRead,
            MeetingsWrite,
            RegionsRead,
            UsersManage,
            OwnAccountRead,
            AuditRead,
            PiiRead,
            ClientsManage,
            EventsRead,
            WebhooksWrite,
            FundRead,
            FundWrite,
            ActivitiesRead,
            ActivitiesWrite,
        ],
    ),
    (
        Role::OrgDepartment,
        &[
            OrganizationsRead,
            OrganizationsWrite,
            PartyOrganizationsRead,
            PartyOrganizationsWrite,
            MembersRead,
            MembersWrite,
            InstructorsRead,
            InstructorsWrite,
            VisitsWrite,
            ReportsRead,
            MeetingsRead,
            MeetingsWrite,
            RegionsRead,
            OwnAccountRead,
            AuditRead,
            EventsRead,
            FundRead,
            FundWrite,
            ActivitiesRead,
        ],
    ),
    (
        Role::BranchSecretary,
        &[
            PartyOrganizationsRead,
            PartyOrganizationsWrite,
            MembersRead,
            MembersWrite,
            MeetingsRead,
            MeetingsWrite,
            RegionsRead,
            OwnAccountRead,
            EventsRead,
            FundRead,
            FundWrite,
            ActivitiesRead,
            ActivitiesWrite,
        ],
    ),
    (
        Role::Member,
        &[
            MembersRead,
            RegionsRead,
            OwnAccountRead,
            EventsRead,
            ActivitiesRead,
        ],
    ),
    (
        Role::Instructor,
        &[
            OrganizationsRead,
            InstructorsRead,
            VisitsWrite,
            RegionsRead,
            OwnAccountRead,
            EventsRead,
        ],
    ),
];

pub fn allows(role: Role, permission: Permission) -> bool {
    TABLE
        .iter()
        .any(|(r, permissions)| *r == role && permissions.contains(&permission))
}

/// What a grant reaches. Each resource turns a scope into a query condition; a scope a resource
/// does not know reaches none of its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Everything,
    /// Records whose region code starts with this prefix.
    Region(String),
    /// A party organization and those below it: the materialized path of its root
    /// (`/<root id>/…/<id>/`); the subtree is every path with this prefix.
    PartySubtree(String),
    /// One member's own record.
    OwnMember(Uuid),
    /// An instructor: their own record and assignments, and the organizations assigned to them.
    Instructor(Uuid),
    Nothing,
}

impl RoleGrant {
    /// The grant's scope. A branch secretary's reaches the subtree whose root has this path,
    /// looked up when the caller authenticated (`None`: the organization is gone).
    pub fn scope(&self, party_path: Option<&str>) -> Scope {
        match self.role {
            Role::Admin => Scope::Everything,
            Role::OrgDepartment => match &self.region_code {
                Some(code) => Scope::Region(prefix_of(code).unwrap_or(code).to_owned()),
                // A grant without its region reaches nothing (creation refuses it).
                None => Scope::Nothing,
            },
            Role::BranchSecretary => match party_path {
                Some(path) => Scope::PartySubtree(path.to_owned()),
                None => Scope::Nothing,
            },
            Role::Member => self.member_id.map_or(Scope::Nothing, Scope::OwnMember),
            Role::Instructor => self.instructor_id.map_or(Scope::Nothing, Scope::Instructor),
        }
    }
}

/// What one permission lets a caller reach (their grants' scopes as rows), not who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub scopes: Vec<Scope>,
}

impl Access {
    pub fn everything() -> Self {
        Access {
            scopes: vec![Scope::Everything],
        }
    }

    pub fn is_everything(&self) -> bool {
        self.scopes.contains(&Scope::Everything)
    }

    /// `None` when unrestricted; otherwise the region prefixes reached.
    pub fn region_prefixes(&self) -> Option<Vec<&str>> {
        let mut prefixes = Vec::new();
        for scope in &self.scopes {
            match scope {
                Scope::Everything => return None,
                Scope::Region(prefix) => prefixes.push(prefix.as_str()),
                _ => {}
            }
        }
        Some(prefixes)
    }

    /// The roots of the party-organization subtrees reached, by path.
    pub fn party_subtrees(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().filter_map(|s| match s {
            Scope::PartySubtree(path) => Some(path.as_str()),
            _ => None,
        })
    }

    pub fn covers_region(&self, code: &str) -> bool {
        self.region_prefixes()
            .is_none_or(|prefixes| prefixes.iter().any(|p| code.starts_with(p)))
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::OrgDepartment => "org_department",
            Role::BranchSecretary => "branch_secretary",
            Role::Member => "member",
            Role::Instructor => "instructor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "org_department" => Some(Role::OrgDepartment),
            "branch_secretary" => Some(Role::BranchSecretary),
            "member" => Some(Role::Member),
            "instructor" => Some(Role::Instructor),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_holds_every_permission_and_org_department_not_user_management() {
        for p in [
            OrganizationsRead,
            OrganizationsWrite,
            RegionsRead,
            UsersManage,
            OwnAccountRead,
        ] {
            assert!(allows(Role::Admin, p), "{p:?}");
        }
        assert!(allows(Role::OrgDepartment, OrganizationsWrite));
        assert!(!allows(Role::OrgDepartment, UsersManage));
    }

    #[test]
    fn region_scopes_use_prefixes() {
        let grant = RoleGrant {
            role: Role::OrgDepartment,
            region_code: Some("110100".into()),
            party_organization_id: None,
            member_id: None,
            instructor_id: None,
        };
        assert_eq!(grant.scope(None), Scope::Region("1101".into()));
        let access = Access {
            scopes: vec![grant.scope(None)],
        };
        assert!(access.covers_region("110105"));
        assert!(!access.covers_region("120101"));
        assert!(Access::everything().covers_region("120101"));
    }
}
