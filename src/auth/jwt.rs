//! Access tokens: HS256 JWTs signed with the server's secret.
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use super::{Principal, RoleGrant};
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

    pub fn issue(&self, subject: &str, grants: &[RoleGrant]) -> Result<String, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: subject.into(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now + self.ttl_secs,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::now_v7().to_string(),
            roles: grants.iter().map(|g| g.role.as_str().to_owned()).collect(),
            grants: grants.to_vec(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
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
        Ok(Principal {
            subject: data.claims.sub,
            grants: data.claims.grants,
        })
    }
}
