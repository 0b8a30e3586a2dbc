//! Who may do what: one table of role × permission, read by `Principal::require`.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, everywhere.
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    OrganizationsRead,
    OrganizationsWrite,
    /// The division table, which every signed-in caller may read.
    RegionsRead,
}

impl Permission {
    pub fn describe(self) -> &'static str {
        match self {
            Permission::OrganizationsRead => "reading organizations",
            Permission::OrganizationsWrite => "changing organizations",
            Permission::RegionsRead => "reading regions",
        }
    }
}

/// Every role and the permissions it holds.
const TABLE: &[(Role, &[Permission])] = &[(
    Role::Admin,
    &[
        Permission::OrganizationsRead,
        Permission::OrganizationsWrite,
        Permission::RegionsRead,
    ],
)];

pub fn allows(role: Role, permission: Permission) -> bool {
    TABLE
        .iter()
        .any(|(r, permissions)| *r == role && permissions.contains(&permission))
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_may_read_and_write_organizations() {
        assert!(allows(Role::Admin, Permission::OrganizationsRead));
        assert!(allows(Role::Admin, Permission::OrganizationsWrite));
    }
}
