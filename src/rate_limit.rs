//! Per-client rate limits: a token bucket per caller — the subject of a valid access token, or
//! the client address for anything else — refilled at `LIANGXIN_RATE_LIMIT_PER_MINUTE`, holding
//! a quarter of that as burst. Kept in this process's memory: with N instances behind a load
//! balancer a client gets up to N times the rate (approximate by design; the exact, shared
//! limits — failed logins — are counted in the database). Answers carry the IETF `RateLimit`
//! and `RateLimit-Policy` headers; an empty bucket is a 429 with `Retry-After`.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::error::ApiError;
use crate::state::AppState;

/// Buckets kept at most; past this, full (idle) buckets are forgotten first, so memory stays
/// bounded whatever number of addresses or tokens a client cycles through.
const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The limiter shared by a server's workers.
pub struct RateLimiter {
    per_minute: u32,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// What one request's check found.
struct Decision {
    allowed: bool,
    remaining: u64,
    /// Seconds until the bucket has a token again (0 when it has one).
    wait: u64,
}

impl RateLimiter {
    /// `per_minute` requests a minute per caller, bursts of a quarter of that; 0 disables.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            burst: f64::from(per_minute.max(4) / 4),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill_per_second(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    fn take(&self, key: &str, now: Instant) -> Decision {
        let rate = self.refill_per_second();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            // Forget the buckets that are full again (idle callers); if that frees too little,
            // the fuller half — never the nearly empty buckets of callers being held back.
            let burst = self.burst;
            let level = |b: &Bucket| b.tokens + now.duration_since(b.updated).as_secs_f64() * rate;
            buckets.retain(|_, b| level(b) < burst);
            if buckets.len() >= MAX_BUCKETS {
                let mut levels: Vec<f64> = buckets.values().map(level).collect();
                let middle = levels.len() / 2;
                levels.select_nth_unstable_by(middle, |a, b| a.total_cmp(b));
                let cut = levels[middle];
                buckets.retain(|_, b| level(b) < cut);
            }
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Decision {
                allowed: true,
                remaining: bucket.tokens as u64,
                wait: 0,
            }
        } else {
            Decision {
                allowed: false,
                remaining: 0,
                wait: ((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64,
            }
        }
    }

    fn headers(&self, decision: &Decision) -> [(HeaderName, String); 2] {
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                format!("\"per-client\";q={};w=60", self.per_minute),
            ),
            (
                HeaderName::from_static("ratelimit"),
                format!(
                    "\"per-client\";r={};t={}",
                    decision.remaining, decision.wait
                ),
            ),
        ]
    }
}

/// The caller a request is counted against: the subject of a valid access token of ours, else
/// the client address (anonymous calls, and external-provider tokens).
fn key_of(req: &ServiceRequest, state: Option<&AppState>) -> String {
    let subject = state.and_then(|state| {
        let token = crate::auth::bearer_token(req.request()).ok()?;
        state.jwt.verify(token).ok().map(|p| p.subject)
    });
    match subject {
        Some(subject) => format!("sub:{subject}"),
        None => format!(
            "addr:{}",
            crate::request_context::client_key(crate::request_context::current().client_address)
        ),
    }
}

/// Middleware: counts the request against its caller's bucket; 429 when it is empty.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let limiter = req.app_data::<web::Data<RateLimiter>>().cloned();
    let Some(limiter) = limiter.filter(|l| l.per_minute > 0) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let key = key_of(&req, state.as_ref().map(|s| s.get_ref()));
    let decision = limiter.take(&key, Instant::now());
    let headers = limiter.headers(&decision);
    let mut response = if decision.allowed {
        next.call(req).await?.map_into_left_body()
    } else {
        let refused = ApiError::TooManyRequests {
            retry_after_secs: decision.wait,
        };
        req.into_response(refused.error_response())
            .map_into_right_body()
    };
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(240); // 4 a second, bursts of 60
        let start = Instant::now();
        let allowed = (0..100)
            .filter(|_| limiter.take("sub:a", start).allowed)
            .count();
        assert_eq!(allowed, 60);
        let refused = limiter.take("sub:a", start);
        assert!(!refused.allowed);
        assert_eq!(refused.wait, 1);
        assert!(
            limiter.take("sub:b", start).allowed,
            "another caller has their own"
        );
        assert!(
            limiter
                .take("sub:a", start + Duration::from_millis(260))
                .allowed
        );
    }

    #[test]
    fn buckets_stay_bounded() {
        let limiter = RateLimiter::new(600);
        let now = Instant::now();
        for n in 0..(MAX_BUCKETS + 10) {
            limiter.take(&format!("addr:{n}"), now);
        }
        assert!(limiter.buckets.lock().unwrap().len() <= MAX_BUCKETS);
    }
}
