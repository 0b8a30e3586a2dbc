//! Tokens from an external identity provider (a government single sign-on): RS256 or ES256 JWTs
//! whose key is chosen by `kid` from a JWKS file or a PEM file. The token's user claim names a local user,
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
    /// A JWKS (JSON) file, or a PEM file of public keys each preceded by a `kid: <id>` line.
    pub keys_file: PathBuf,
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

type KeysByKid = HashMap<String, (DecodingKey, Algorithm)>;

/// Reads the keys file: JWKS when it is JSON, PEM otherwise.
fn load(path: &PathBuf) -> Result<KeysByKid, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    match text.trim_start().starts_with('{') {
        true => load_jwks(path, &text),
        false => load_pem(path, &text),
    }
}

/// PEM public keys (RSA for RS256, P-256 for ES256). A PEM block has no key id, so each is named
/// by the `kid: <id>` line before it; text outside the blocks is otherwise ignored (RFC 7468).
fn load_pem(path: &std::path::Path, text: &str) -> Result<KeysByKid, String> {
    const END: &str = "-----END PUBLIC KEY-----";
    let mut keys = HashMap::new();
    let mut kid: Option<String> = None;
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN PUBLIC KEY-----") {
        for line in rest[..start].lines() {
            if let Some(id) = line.trim().strip_prefix("kid:") {
                kid = Some(id.trim().to_owned());
            }
        }
        let end = rest[start..]
            .find(END)
            .map(|i| start + i + END.len())
            .ok_or_else(|| format!("{}: a PEM block is not closed", path.display()))?;
        let block = &rest[start..end];
        let id = kid
            .take()
            .ok_or_else(|| format!("{}: a key has no `kid:` line before it", path.display()))?;
        let key = DecodingKey::from_rsa_pem(block.as_bytes())
            .map(|k| (k, Algorithm::RS256))
            .or_else(|_| DecodingKey::from_ec_pem(block.as_bytes()).map(|k| (k, Algorithm::ES256)))
            .map_err(|e| format!("{}: key {id}: {e}", path.display()))?;
        keys.insert(id, key);
        rest = &rest[end..];
    }
    if keys.is_empty() {
        return Err(format!("{}: no public keys", path.display()));
    }
    Ok(keys)
}

/// A JWKS: RSA keys for RS256 and P-256 keys for ES256, each with its `kid`.
fn load_jwks(path: &std::path::Path, text: &str) -> Result<KeysByKid, String> {
    let set: JwkSet =
        serde_json::from_str(text).map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
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
        let by_kid = load(&config.keys_file)?;
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
            match load(&self.config.keys_file) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pem_key_needs_the_kid_that_names_it() {
        let path = std::path::Path::new("keys.pem");
        let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEeSoLq6ojkSUV7iNE8obmDHKVMvOr\nx2+ch4nD7eMaNPHyCe6H1rJn018Jv2KCA1tH7XI4a9vApSMJ+yRp8lB4gg==\n-----END PUBLIC KEY-----\n";
        assert!(load_pem(path, pem).unwrap_err().contains("kid"));
        let named = load_pem(path, &format!("kid: ec-1\n{pem}")).unwrap();
        assert_eq!(named["ec-1"].1, Algorithm::ES256);
        assert!(load_pem(path, "no keys here").is_err());
    }
}
