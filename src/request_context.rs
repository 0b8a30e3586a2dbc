//! Per-request context: the request id (accepted from `X-Request-Id` or generated), echoed on
//! the response, attached to every log line of the request, and quoted in problem documents.
use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub path: String,
    /// The client's address: the peer's, or, from a trusted proxy, the one it forwarded for.
    pub client_address: Option<IpAddr>,
    /// `Accept-Language` prefers Chinese (`zh`, `zh-CN`, …): problems are written in Chinese.
    pub chinese: bool,
}

/// Whether an `Accept-Language` value puts Chinese before English (or names only Chinese):
/// the first language range by quality decides; English stays the default.
pub fn prefers_chinese(accept_language: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for range in accept_language.split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if tag.is_empty() {
            continue;
        }
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let chinese = tag == "zh" || tag.starts_with("zh-");
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, chinese));
        }
    }
    best.is_some_and(|(q, chinese)| chinese && q > 0.0)
}

/// The addresses of reverse proxies whose `X-Forwarded-For` is believed
/// (`LIANGXIN_TRUSTED_PROXIES`); kept in the app data for this middleware.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// The client behind a request: the TCP peer, unless the peer is a trusted proxy, in which case
/// the right-most address in `X-Forwarded-For` that is not itself a trusted proxy (entries to
/// its left were written by the client and prove nothing).
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(list) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for entry in list.rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(last)
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The context of the request being served, or an empty one outside a request.
pub fn current() -> RequestContext {
    CONTEXT.try_with(Clone::clone).unwrap_or_default()
}

/// The client a limit counts against: an IPv4 address, or the /64 network of an IPv6 one (one
/// subscriber gets a whole /64, so counting single IPv6 addresses would count nothing).
pub fn client_key(address: Option<IpAddr>) -> String {
    match address {
        Some(std::net::IpAddr::V4(ip)) => ip.to_string(),
        Some(std::net::IpAddr::V6(ip)) => {
            let s = ip.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

/// A client-supplied id is kept if it is short, printable ASCII; otherwise a new one is made.
fn request_id_from(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Middleware: sets the context, opens the request's tracing span and logs its outcome.
/// Only the path is logged, never the query string or body (they may carry personal data).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let trusted = req
        .app_data::<actix_web::web::Data<TrustedProxies>>()
        .map(|t| t.0.as_slice())
        .unwrap_or_default();
    let forwarded_for = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let context = RequestContext {
        request_id: request_id_from(&req),
        path: req.path().to_owned(),
        client_address: client_address(req.peer_addr().map(|a| a.ip()), forwarded_for, trusted),
        chinese: req
            .headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(prefers_chinese),
    };
    req.extensions_mut().insert(context.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %context.request_id,
        method = %req.method(),
        path = %context.path,
    );
    let started = Instant::now();
    let request_id = context.request_id.clone();
    let mut response = CONTEXT
        .scope(context, next.call(req))
        .instrument(span.clone())
        .await?;
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, elapsed_ms, "request served"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn chinese_is_chosen_only_when_preferred() {
        for (header, chinese) in [
            ("zh-CN", true),
            ("zh", true),
            ("zh-CN,zh;q=0.9,en;q=0.8", true),
            ("en-US,en;q=0.9,zh-CN;q=0.8", false),
            ("en;q=0.5, zh-TW;q=0.8", true),
            ("", false),
            ("zh;q=0", false),
            ("fr", false),
        ] {
            assert_eq!(super::prefers_chinese(header), chinese, "{header}");
        }
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let key = |a: &str| super::client_key(Some(a.parse().unwrap()));
        assert_eq!(key("10.1.2.3"), "10.1.2.3");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |a: &str| a.parse::<std::net::IpAddr>().unwrap();
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        let client = |peer: &str, xff: Option<&str>| {
            super::client_address(Some(ip(peer)), xff, &trusted).map(|a| a.to_string())
        };
        // An untrusted peer is the client, whatever it claims to forward for.
        assert_eq!(
            client("203.0.113.9", Some("1.2.3.4")).unwrap(),
            "203.0.113.9"
        );
        // A trusted proxy: the right-most address it did not add itself; a forged left part
        // (written by the client) is ignored.
        assert_eq!(
            client("10.0.0.1", Some("6.6.6.6, 198.51.100.7")).unwrap(),
            "198.51.100.7"
        );
        assert_eq!(
            client("10.0.0.1", Some("198.51.100.7, 10.0.0.2")).unwrap(),
            "198.51.100.7"
        );
        assert_eq!(client("10.0.0.1", None).unwrap(), "10.0.0.1");
        assert_eq!(client("10.0.0.1", Some("garbage")).unwrap(), "10.0.0.1");
    }
}
