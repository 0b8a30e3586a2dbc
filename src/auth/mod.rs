//! Authentication and authorization: who the caller is (a verified bearer token) and what their
//! roles allow. Handlers ask `Principal::require`; they never decide access themselves.
pub mod jwt;
pub mod oidc;
pub mod password;
pub mod policy;

use actix_web::{HttpRequest, http::header};

pub use jwt::JwtKeys;
pub use password::random_secret;
pub use policy::{Access, Permission, Role, RoleGrant};

use crate::error::ApiError;

/// Who is calling: the identity a verified token proves, with all its grants; no permission yet.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The subject of the token: a user id, or `client:<client_id>` for an API client.
    pub subject: String,
    pub grants: Vec<RoleGrant>,
    /// For an API client: its OAuth scopes and region, instead of roles.
    pub client: Option<ClientGrant>,
    /// The paths of the party organizations of the caller's `branch_secretary` grants, looked
    /// up when the request was authenticated (a tree can be rearranged after the token was
    /// issued).
    pub party_paths: Vec<(uuid::Uuid, String)>,
}

/// What an API client's token allows: permissions named by OAuth scopes, within a region.
#[derive(Clone, Debug)]
pub struct ClientGrant {
    pub permissions: Vec<Permission>,
    /// A region prefix; `None` reaches every region.
    pub region_prefix: Option<String>,
}

impl Principal {
    /// What the caller reaches with `permission` (the union of the scopes of the grants that
    /// hold it); 403 when no grant does.
    pub fn require(&self, permission: Permission) -> Result<Access, ApiError> {
        if let Some(client) = &self.client {
            if !client.permissions.contains(&permission) {
                return Err(ApiError::Forbidden(format!(
                    "This client's scopes do not include {} ({}).",
                    permission.name(),
                    permission.describe()
                )));
            }
            let scope = client
                .region_prefix
                .clone()
                .map_or(policy::Scope::Everything, policy::Scope::Region);
            return Ok(Access {
                scopes: vec![scope],
            });
        }
        let scopes: Vec<_> = self
            .grants
            .iter()
            .filter(|grant| policy::allows(grant.role, permission))
            .map(|grant| grant.scope(self.party_path(grant)))
            .collect();
        if scopes.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "Your roles do not allow {}.",
                permission.describe()
            )));
        }
        Ok(Access { scopes })
    }

    fn party_path(&self, grant: &RoleGrant) -> Option<&str> {
        let id = grant.party_organization_id?;
        self.party_paths
            .iter()
            .find(|(root, _)| *root == id)
            .map(|(_, path)| path.as_str())
    }

    /// Whether one of the caller's roles grants `permission` (for permissions without a scope,
    /// such as `pii:read`).
    pub fn holds(&self, permission: Permission) -> bool {
        if let Some(client) = &self.client {
            return client.permissions.contains(&permission);
        }
        self.grants
            .iter()
            .any(|g| policy::allows(g.role, permission))
    }

    /// The permissions the caller holds somewhere, for `/me`.
    pub fn permissions(&self) -> Vec<&'static str> {
        if let Some(client) = &self.client {
            return client.permissions.iter().map(|p| p.name()).collect();
        }
        let mut names = Vec::new();
        for (_, permissions) in policy::TABLE {
            for permission in *permissions {
                let held = self
                    .grants
                    .iter()
                    .any(|g| policy::allows(g.role, *permission));
                if held && !names.contains(&permission.name()) {
                    names.push(permission.name());
                }
            }
        }
        names
    }

    /// The key under which this caller's idempotency keys are kept.
    pub fn caller_key(&self) -> String {
        match self.client {
            Some(_) => self.subject.clone(),
            None => format!("user:{}", self.subject),
        }
    }
}

pub fn bearer_token(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("Send an access token: Authorization: Bearer <token>.".into())
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthorized("The Authorization header is not valid text.".into())
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthorized(
            "The Authorization header must use the Bearer scheme.".into(),
        )),
    }
}
