//! Webhooks: which targets may be called, how a delivery is signed, and when it is tried again.
use std::net::IpAddr;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::RuleViolation;

/// A webhook's state: `active` sends, `paused` neither queues nor sends, `failing` (gave up after
/// the retry window) queues but does not send until re-enabled.
pub const ACTIVE: &str = "active";
pub const PAUSED: &str = "paused";
pub const FAILING: &str = "failing";

/// A delivery's state.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// A target URL that passed the checks that need no DNS: its host, and its address when the
/// host is one.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub literal: Option<IpAddr>,
}

/// SSRF guard (OWASP SSRF prevention): an `https` URL without credentials, whose host, when it is
/// an address, is public. With `allow_private` (tests, closed networks) `http` and private
/// addresses are allowed too.
pub fn parse_target(text: &str, allow_private: bool) -> Result<Target, RuleViolation> {
    let refuse = |code, message: String| Err(RuleViolation::new("url", code, message));
    let Ok(url) = url::Url::parse(text) else {
        return refuse("invalid_url", format!("{text:?} is not an absolute URL"));
    };
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => {
            return refuse(
                "https_required",
                format!("webhooks are sent over https only, not {other}"),
            );
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(
            "credentials_in_url",
            "a webhook URL carries no user name or password; verify deliveries by their signature"
                .into(),
        );
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return refuse("invalid_url", format!("{text:?} names no host")),
    };
    if let Some(ip) = literal
        && !allow_private
        && !public(ip)
    {
        return refuse(
            "private_address",
            format!("{ip} is a loopback, private, link-local or otherwise internal address"),
        );
    }
    Ok(Target {
        host: url.host_str().unwrap_or_default().to_owned(),
        literal,
    })
}

/// Whether an address is on the public internet: not loopback, private (RFC 1918, unique
/// local), shared (RFC 6598), link-local (which holds cloud metadata at 169.254.169.254),
/// unspecified, broadcast, multicast, documentation or benchmarking space.
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

/// The signature of a delivery: `HMAC-SHA256(secret, timestamp + "." + body)`, hex.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// How long to wait before attempt `attempts + 1`: exponential from `base` (doubling, at most an
/// hour), with "equal jitter" — a random half on top of a fixed half — so that receivers coming
/// back up are not hit by every sender at once. `unit` is a random number in [0, 1).
pub fn backoff(base: Duration, attempts: u32, unit: f64) -> Duration {
    let cap = Duration::from_secs(3600);
    let exponential = base
        .checked_mul(1u32 << attempts.saturating_sub(1).min(20))
        .unwrap_or(cap)
        .min(cap);
    exponential / 2 + exponential.mul_f64(unit.clamp(0.0, 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_to_public_hosts_unless_private_targets_are_allowed() {
        assert!(parse_target("https://hooks.example.com/in", false).is_ok());
        let code = |url, allow| parse_target(url, allow).unwrap_err().code;
        assert_eq!(code("http://hooks.example.com/in", false), "https_required");
        assert_eq!(code("ftp://hooks.example.com/in", true), "https_required");
        assert_eq!(
            code("https://u:p@hooks.example.com/", false),
            "credentials_in_url"
        );
        assert_eq!(code("not a url", false), "invalid_url");
        for internal in [
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(code(internal, false), "private_address", "{internal}");
        }
        assert!(parse_target("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(parse_target("https://8.8.8.8/", false).is_ok());
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently with Python:
        // hmac.new(b"secret", b"1700000000.{}", "sha256").hexdigest()
        assert_eq!(
            signature("secret", 1_700_000_000, b"{}"),
            "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_stops_growing_at_an_hour() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(base, 1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(base, 3, 0.0), Duration::from_secs(2));
        assert_eq!(backoff(base, 40, 1.0), Duration::from_secs(3600));
        assert!(backoff(base, 40, 0.0) >= Duration::from_secs(1800));
    }
}
