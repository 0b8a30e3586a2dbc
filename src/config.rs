//! One typed configuration, read from the environment. Every default runs.
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// `sqlite://liangxin.db?mode=rwc` (default) or `postgres://…`.
    pub database_url: String,
    pub bind: SocketAddr,
    /// When `None`, a secret is generated on first start and kept in the database.
    pub jwt_secret: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Created as an admin on a database with no users (default `admin`).
    pub bootstrap_admin_username: String,
    pub bootstrap_admin_password: Option<String>,
    pub auto_migrate: bool,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Origins allowed by CORS; empty means no cross-origin access.
    pub cors_origins: Vec<String>,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Failed logins allowed per username in a window (ten times as many per client address).
    pub login_max_failures: i32,
    pub login_window: Duration,
    /// How long a login waits for one of the bounded password-check slots before a 503.
    pub password_check_wait: Duration,
    /// A division table to use instead of the bundled one (same CSV format).
    pub divisions_file: Option<std::path::PathBuf>,
    /// "One person, one enterprise": active assignments an instructor may hold at once.
    pub max_orgs_per_instructor: u32,
    /// An active assignment with no visit for this many days is overdue.
    pub visit_overdue_days: u32,
    /// How far ahead schedules plan meetings.
    pub schedule_horizon_months: u32,
    /// Required meeting frequencies that differ from the regulation's defaults.
    pub meeting_frequencies: std::collections::BTreeMap<
        crate::domain::meeting::MeetingKind,
        crate::domain::compliance::Frequency,
    >,
    /// The largest CSV body an import accepts (JSON bodies stop at 1 MiB).
    pub import_max_bytes: usize,
    /// The longest a client may take to send a request body (and, for imports, the longest
    /// pause between two parts of it); slower bodies get 408.
    pub body_timeout: Duration,
    /// Imports that may run at once; more wait briefly, then get 503.
    pub max_concurrent_imports: usize,
    /// Requests a minute per caller (access-token subject, or address) before 429; 0: no limit.
    pub rate_limit_per_minute: u32,
    /// Connections one client (address, or IPv6 /64) may hold open at once; more are answered 429
    /// and closed.
    pub max_connections_per_client: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for limits and the audit log).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Days the event feed keeps events (`LIANGXIN_EVENT_RETENTION_DAYS`); older ones are a 410.
    pub event_retention_days: u32,
    /// Study hours required a year (`LIANGXIN_STUDY_HOURS_MEMBER`, `LIANGXIN_STUDY_HOURS_LEADER`).
    pub study_requirement: crate::domain::education::Requirement,
    /// Expenditures above this many fen wait for approval (`LIANGXIN_FUND_APPROVAL_THRESHOLD_FEN`).
    pub fund_approval_threshold_fen: i64,
    /// Whether webhooks may target `http` URLs and loopback, private or link-local addresses
    /// (`LIANGXIN_WEBHOOK_ALLOW_PRIVATE`; for tests and closed networks).
    pub webhook_allow_private: bool,
    /// `LIANGXIN_REQUIRE_IF_MATCH` (default true): a change (PATCH, DELETE) without `If-Match` is
    /// 428, so that two editors never overwrite each other silently.
    pub require_if_match: bool,
    /// `LIANGXIN_METRICS_BIND`: serve `/metrics` on this address only (an internal port), not on
    /// the API's; unset: on the API's port.
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// The first retry of a failed delivery waits about this long, doubling each time.
    pub webhook_retry_base: Duration,
    /// How long deliveries are retried before the webhook is marked `failing`.
    pub webhook_give_up_after: Duration,
    /// The offset of the timezone that calendar rules count days in (Asia/Shanghai: +08:00,
    /// no daylight saving).
    pub utc_offset: chrono::FixedOffset,
    /// An external identity provider whose tokens are accepted, when configured.
    pub oidc: Option<crate::auth::oidc::IdpConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "configuration error: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://liangxin.db?mode=rwc";

impl Config {
    /// Reads `DATABASE_URL` and `LIANGXIN_*` variables.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let parse_bool = |name: &str, default: bool| -> Result<bool, ConfigError> {
            match get(name).as_deref() {
                None => Ok(default),
                Some("true" | "1" | "yes") => Ok(true),
                Some("false" | "0" | "no") => Ok(false),
                Some(other) => Err(ConfigError(format!(
                    "{name}={other:?} is not true or false"
                ))),
            }
        };
        let parse_num = |name: &str, default: u64| -> Result<u64, ConfigError> {
            get(name).map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| ConfigError(format!("{name}={v:?} is not a whole number")))
            })
        };
        let bind = get("LIANGXIN_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let log_format = match get("LIANGXIN_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "LIANGXIN_LOG_FORMAT={other:?} is not text or json"
                )));
            }
        };
        Ok(Config {
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            bind: bind
                .parse()
                .map_err(|_| ConfigError(format!("LIANGXIN_BIND={bind:?} is not host:port")))?,
            jwt_secret: get("LIANGXIN_JWT_SECRET"),
            jwt_issuer: get("LIANGXIN_JWT_ISSUER").unwrap_or_else(|| "liangxin".into()),
            jwt_audience: get("LIANGXIN_JWT_AUDIENCE").unwrap_or_else(|| "liangxin-api".into()),
            access_token_ttl: Duration::from_secs(parse_num(
                "LIANGXIN_ACCESS_TOKEN_TTL_SECS",
                900,
            )?),
            refresh_token_ttl: Duration::from_secs(parse_num(
                "LIANGXIN_REFRESH_TOKEN_TTL_SECS",
                30 * 24 * 3600,
            )?),
            bootstrap_admin_username: get("LIANGXIN_BOOTSTRAP_ADMIN_USERNAME")
                .unwrap_or_else(|| "admin".into()),
            bootstrap_admin_password: get("LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD"),
            auto_migrate: parse_bool("LIANGXIN_AUTO_MIGRATE", true)?,
            log_filter: get("LIANGXIN_LOG").unwrap_or_else(|| "info,sqlx=warn".into()),
            log_format,
            cors_origins: get("LIANGXIN_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            workers: parse_num("LIANGXIN_WORKERS", 0)? as usize,
            login_max_failures: parse_num("LIANGXIN_LOGIN_MAX_FAILURES", 5)?.clamp(1, 1_000_000)
                as i32,
            login_window: Duration::from_secs(parse_num("LIANGXIN_LOGIN_WINDOW_SECS", 900)?),
            password_check_wait: Duration::from_millis(parse_num(
                "LIANGXIN_PASSWORD_CHECK_WAIT_MS",
                3000,
            )?),
            divisions_file: get("LIANGXIN_DIVISIONS_FILE").map(Into::into),
            max_orgs_per_instructor: parse_num("LIANGXIN_MAX_ORGS_PER_INSTRUCTOR", 1)?.clamp(1, 100)
                as u32,
            visit_overdue_days: parse_num("LIANGXIN_VISIT_OVERDUE_DAYS", 90)?.clamp(1, 3650) as u32,
            schedule_horizon_months: parse_num("LIANGXIN_SCHEDULE_HORIZON_MONTHS", 12)?.clamp(1, 60)
                as u32,
            meeting_frequencies: parse_frequencies(get("LIANGXIN_MEETING_FREQUENCIES"))?,
            import_max_bytes: parse_num("LIANGXIN_IMPORT_MAX_BYTES", 256 * 1024 * 1024)? as usize,
            body_timeout: Duration::from_secs(
                parse_num("LIANGXIN_BODY_TIMEOUT_SECS", 30)?.clamp(1, 3600),
            ),
            max_concurrent_imports: parse_num("LIANGXIN_MAX_CONCURRENT_IMPORTS", 2)?.clamp(1, 64)
                as usize,
            rate_limit_per_minute: parse_num("LIANGXIN_RATE_LIMIT_PER_MINUTE", 1200)?
                .clamp(0, 10_000_000) as u32,
            max_connections_per_client: parse_num("LIANGXIN_MAX_CONNECTIONS_PER_CLIENT", 256)?
                .clamp(1, 1_000_000) as usize,
            trusted_proxies: match get("LIANGXIN_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse().map_err(|_| {
                            ConfigError(format!(
                                "LIANGXIN_TRUSTED_PROXIES: {s:?} is not an IP address"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            },
            event_retention_days: parse_num("LIANGXIN_EVENT_RETENTION_DAYS", 90)?.clamp(1, 36500)
                as u32,
            study_requirement: crate::domain::education::Requirement {
                member_hours: parse_num("LIANGXIN_STUDY_HOURS_MEMBER", 32)?.clamp(0, 1000) as f64,
                leader_hours: parse_num("LIANGXIN_STUDY_HOURS_LEADER", 56)?.clamp(0, 1000) as f64,
            },
            fund_approval_threshold_fen: parse_num("LIANGXIN_FUND_APPROVAL_THRESHOLD_FEN", 500_000)?
                .clamp(0, 1_000_000_000_000) as i64,
            webhook_allow_private: parse_bool("LIANGXIN_WEBHOOK_ALLOW_PRIVATE", false)?,
            require_if_match: parse_bool("LIANGXIN_REQUIRE_IF_MATCH", true)?,
            metrics_bind: match get("LIANGXIN_METRICS_BIND") {
                None => None,
                Some(text) => Some(
                    text.parse()
                        .map_err(|e| ConfigError(format!("LIANGXIN_METRICS_BIND {text:?}: {e}")))?,
                ),
            },
            webhook_retry_base: Duration::from_millis(
                parse_num("LIANGXIN_WEBHOOK_RETRY_BASE_MS", 1000)?.clamp(1, 3_600_000),
            ),
            webhook_give_up_after: Duration::from_secs(
                parse_num("LIANGXIN_WEBHOOK_GIVE_UP_SECS", 86_400)?.clamp(1, 30 * 86_400),
            ),
            utc_offset: match get("LIANGXIN_UTC_OFFSET") {
                None => chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset"),
                Some(v) => v.parse().map_err(|_| {
                    ConfigError(format!(
                        "LIANGXIN_UTC_OFFSET={v:?} is not an offset such as +08:00"
                    ))
                })?,
            },
            oidc: match (
                get("LIANGXIN_OIDC_ISSUER"),
                get("LIANGXIN_OIDC_AUDIENCE"),
                get("LIANGXIN_OIDC_JWKS_FILE").or_else(|| get("LIANGXIN_OIDC_PEM_FILE")),
            ) {
                (None, None, None) => None,
                (Some(issuer), Some(audience), Some(keys_file)) => {
                    Some(crate::auth::oidc::IdpConfig {
                        issuer,
                        audience,
                        keys_file: keys_file.into(),
                        user_claim: get("LIANGXIN_OIDC_USER_CLAIM").unwrap_or_else(|| "sub".into()),
                    })
                }
                _ => {
                    return Err(ConfigError(
                        "LIANGXIN_OIDC_ISSUER, LIANGXIN_OIDC_AUDIENCE and LIANGXIN_OIDC_JWKS_FILE (or LIANGXIN_OIDC_PEM_FILE) go together".into(),
                    ));
                }
            },
        })
    }

    pub fn login_policy(&self) -> crate::domain::login::LoginPolicy {
        crate::domain::login::LoginPolicy::new(
            self.login_max_failures,
            chrono::Duration::from_std(self.login_window).unwrap_or(chrono::Duration::minutes(15)),
        )
    }
}

/// `party_lecture=monthly,theme_party_day=monthly`: kinds whose required frequency differs from
/// the regulation's default.
fn parse_frequencies(
    text: Option<String>,
) -> Result<
    std::collections::BTreeMap<
        crate::domain::meeting::MeetingKind,
        crate::domain::compliance::Frequency,
    >,
    ConfigError,
> {
    let mut frequencies = std::collections::BTreeMap::new();
    for pair in text
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let fail = || {
            ConfigError(format!(
                "LIANGXIN_MEETING_FREQUENCIES: {pair:?} is not kind=monthly|quarterly|yearly"
            ))
        };
        let (kind, frequency) = pair.split_once('=').ok_or_else(fail)?;
        let kind: crate::domain::meeting::MeetingKind = kind.trim().parse().map_err(|_| fail())?;
        let frequency =
            crate::domain::compliance::Frequency::parse(frequency.trim()).ok_or_else(fail)?;
        frequencies.insert(kind, frequency);
    }
    Ok(frequencies)
}
