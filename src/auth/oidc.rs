//! Tokens from an external identity provider (a government single sign-on): RS256 or ES256 JWTs
//! whose key is chosen by `kid` from a JWKS file. The token's user claim names a local user,
//! whose roles apply. Keys rotate by `kid`: an unknown `kid` makes the file be read again (at
//! most once a minute).
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

use crate::error::ApiError;

const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct IdpConfig {
    pub issuer: String,
    pub audience: String,
    pub jwks_file: PathBuf,
    /// The claim that holds the local username (default `sub`).
    pub user_claim: String,
}

struct Keys {
    by_kid: HashMap<String, (DecodingKey, Algorithm)>,
    loaded_at: Instant,
}

pub struct ExternalIdp {
    config: IdpConfig,
    keys: RwLock<Keys>,
}

fn unauthorized(why: &str) -> ApiError {
    ApiError::Unauthorized(why.into())
}

/// Reads a JWKS file: RSA keys for RS256 and P-256 keys for ES256, each with its `kid`.
fn load(path: &PathBuf) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
            _ => continue,
        };
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|e| format!("{}: key {kid}: {e}", path.display()))?;
        keys.insert(kid, (key, algorithm));
    }
    Ok(keys)
}

impl ExternalIdp {
    pub fn new(config: IdpConfig) -> Result<Self, String> {
        let by_kid = load(&config.jwks_file)?;
        Ok(ExternalIdp {
            config,
            keys: RwLock::new(Keys {
                by_kid,
                loaded_at: Instant::now(),
            }),
        })
    }

    fn key(&self, kid: &str) -> Option<(DecodingKey, Algorithm)> {
        if let Some(found) = self.keys.read().ok()?.by_kid.get(kid) {
            return Some(found.clone());
        }
        let mut keys = self.keys.write().ok()?;
        if keys.loaded_at.elapsed() >= RELOAD_AT_MOST_EVERY {
            match load(&self.config.jwks_file) {
                Ok(by_kid) => {
                    *keys = Keys {
                        by_kid,
                        loaded_at: Instant::now(),
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not reload the identity provider's keys")
                }
            }
        }
        keys.by_kid.get(kid).cloned()
    }

    /// Verifies a token of the provider and returns the local username it names.
    pub fn verify(&self, token: &str) -> Result<String, ApiError> {
        let header =
            decode_header(token).map_err(|_| unauthorized("The access token is malformed."))?;
        let kid = header
            .kid
            .ok_or_else(|| unauthorized("The access token names no key (kid)."))?;
        let (key, algorithm) = self
            .key(&kid)
            .ok_or_else(|| unauthorized("The access token's key (kid) is unknown."))?;
        if header.alg != algorithm {
            return Err(unauthorized(
                "The access token's algorithm does not match its key.",
            ));
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        let data = decode::<serde_json::Map<String, serde_json::Value>>(token, &key, &validation)
            .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind::*;
            unauthorized(match e.kind() {
                ExpiredSignature => "The access token has expired.",
                ImmatureSignature => "The access token is not valid yet.",
                InvalidIssuer | InvalidAudience => {
                    "The access token was not issued for this service."
                }
                InvalidSignature => "The access token's signature is invalid.",
                _ => "The access token is not acceptable.",
            })
        })?;
        data.claims
            .get(&self.config.user_claim)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| unauthorized("The access token does not name a user."))
    }

    /// Whether a token is meant for this provider: signed with an asymmetric algorithm.
    pub fn handles(algorithm: Algorithm) -> bool {
        matches!(algorithm, Algorithm::RS256 | Algorithm::ES256)
    }
}
