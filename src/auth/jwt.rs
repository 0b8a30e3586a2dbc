//! Access tokens: HS256 JWTs signed with the server's secret.
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use super::{ClientGrant, Permission, Principal, RoleGrant};
use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
    pub jti: String,
    /// Role names, for clients that read them.
    pub roles: Vec<String>,
    /// Roles with their scopes; what authorization uses.
    #[serde(default)]
    pub grants: Vec<RoleGrant>,
    /// OAuth scopes, space-separated (RFC 9068): the permissions held.
    #[serde(default)]
    pub scope: String,
    /// For an API client: the region prefix it reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// For an API client: its client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl_secs,
        }
    }

    fn sign(&self, claims: Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    fn claims(&self, sub: String) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + self.ttl_secs,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::now_v7().to_string(),
            roles: Vec::new(),
            grants: Vec::new(),
            scope: String::new(),
            region: None,
            client_id: None,
        }
    }

    /// A user's token: their roles with scopes.
    pub fn issue(&self, subject: &str, grants: &[RoleGrant]) -> Result<String, ApiError> {
        let principal = Principal {
            subject: subject.into(),
            grants: grants.to_vec(),
            client: None,
            party_paths: Vec::new(),
        };
        let mut claims = self.claims(subject.into());
        claims.roles = grants.iter().map(|g| g.role.as_str().to_owned()).collect();
        claims.grants = grants.to_vec();
        claims.scope = principal.permissions().join(" ");
        self.sign(claims)
    }

    /// An API client's token: its scopes and region.
    pub fn issue_for_client(
        &self,
        client_id: &str,
        grant: &ClientGrant,
    ) -> Result<String, ApiError> {
        let mut claims = self.claims(format!("client:{client_id}"));
        claims.scope = grant
            .permissions
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(" ");
        claims.region = grant.region_prefix.clone();
        claims.client_id = Some(client_id.into());
        self.sign(claims)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind::*;
            let why = match e.kind() {
                ExpiredSignature => "The access token has expired.",
                ImmatureSignature => "The access token is not valid yet.",
                InvalidIssuer | InvalidAudience => {
                    "The access token was not issued for this service."
                }
                InvalidSignature => "The access token's signature is invalid.",
                InvalidAlgorithm => "The access token's algorithm is not accepted.",
                MissingRequiredClaim(_) => "The access token lacks a required claim.",
                _ => "The access token is malformed.",
            };
            ApiError::Unauthorized(why.into())
        })?;
        let claims = data.claims;
        let client = claims.client_id.is_some().then(|| ClientGrant {
            permissions: claims
                .scope
                .split_whitespace()
                .filter_map(Permission::from_scope)
                .collect(),
            region_prefix: claims.region.clone(),
        });
        Ok(Principal {
            subject: claims.sub,
            grants: claims.grants,
            client,
            party_paths: Vec::new(),
        })
    }
}
