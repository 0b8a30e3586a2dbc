//! Liangxin: the party-building API for "two new" organizations.
//!
//! `Application::build` connects the database, migrates, bootstraps and binds; the binary and
//! the tests both start the server through it.
pub mod api;
pub mod auth;
pub mod config;
pub mod connection_limit;
pub mod db;
pub mod domain;
pub mod error;
pub mod error_codes;
pub mod metrics;
pub mod rate_limit;
pub mod request_context;
pub mod service;
pub mod state;
pub mod telemetry;

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::Db;
use crate::domain::divisions::Divisions;
use crate::state::AppState;

pub type StartError = Box<dyn std::error::Error + Send + Sync>;

pub struct Application {
    server: Server,
    port: u16,
    /// The `LIANGXIN_METRICS_BIND` server and its port, when configured.
    metrics_server: Option<(Server, u16)>,
    state: web::Data<AppState>,
    renderers: web::Data<api::Renderers>,
    sender: web::Data<api::webhooks::Sender>,
}

impl Application {
    /// Prepares the database and binds the listener; the server runs once awaited.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let db = Db::connect(&config.database_url).await?;
        if config.auto_migrate {
            db.migrate().await?;
        }
        let secret = service::bootstrap::jwt_secret(&db, config.jwt_secret.as_deref()).await?;
        if let Some((username, generated)) = service::bootstrap::bootstrap_admin(
            &db,
            &config.bootstrap_admin_username,
            config.bootstrap_admin_password.as_deref(),
        )
        .await?
        {
            match generated {
                Some(password) => tracing::warn!(
                    %username, %password,
                    "created the first admin with a generated password; it is shown only this once"
                ),
                None => {
                    tracing::info!(%username, "created the first admin from LIANGXIN_BOOTSTRAP_ADMIN_*")
                }
            }
        }
        let jwt = JwtKeys::new(
            secret.as_bytes(),
            &config.jwt_issuer,
            &config.jwt_audience,
            config.access_token_ttl.as_secs(),
        );
        let listener = TcpListener::bind(config.bind)?;
        let port = listener.local_addr()?.port();
        let divisions = load_divisions(&config)?;
        let idp = match &config.oidc {
            None => None,
            Some(idp) => Some(
                auth::oidc::ExternalIdp::new(idp.clone())
                    .map_err(|e| format!("LIANGXIN_OIDC_JWKS_FILE {e}"))?,
            ),
        };
        let state = web::Data::new(AppState {
            db,
            jwt,
            config: config.clone(),
            divisions,
            idp,
            import_slots: tokio::sync::Semaphore::new(config.max_concurrent_imports),
            feed: tokio::sync::watch::channel(0).0,
        });
        let renderers = web::Data::new(api::Renderers::all());
        let sender = web::Data::new(
            api::webhooks::Sender::new(config.webhook_allow_private)
                .map_err(|e| format!("the webhook sender: {e}"))?,
        );
        let metrics =
            web::Data::new(metrics::HttpMetrics::new().map_err(|e| format!("metrics: {e}"))?);
        let server = serve(
            listener,
            state.clone(),
            renderers.clone(),
            sender.clone(),
            metrics.clone(),
            &config,
        )?;
        let metrics_server = match config.metrics_bind {
            None => None,
            Some(address) => {
                let listener = TcpListener::bind(address)?;
                let port = listener.local_addr()?.port();
                let (state, metrics) = (state.clone(), metrics.clone());
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .app_data(metrics.clone())
                        .route("/metrics", web::get().to(api::ops::metrics_text))
                })
                .workers(1)
                .shutdown_timeout(5)
                .listen(listener)?
                .run();
                Some((server, port))
            }
        };
        Ok(Application {
            server,
            port,
            metrics_server,
            state,
            renderers,
            sender,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics server (`LIANGXIN_METRICS_BIND`), if one was configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(_, port)| *port)
    }

    /// A handle that stops the server (as SIGTERM would), for tests that restart it.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or SIGINT, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let housekeeping = tokio::spawn(housekeeping(self.state.clone()));
        let commits = tokio::spawn(api::events::watch_commits(self.state.clone()));
        let (stop_sending, stop) = tokio::sync::watch::channel(false);
        let mut webhooks = tokio::spawn(api::webhooks::send_forever(
            self.state.clone(),
            self.renderers.clone(),
            self.sender.clone(),
            stop,
        ));
        let metrics_server = self.metrics_server.map(|(server, _)| {
            let handle = server.handle();
            (tokio::spawn(server), handle)
        });
        let result = self.server.await;
        if let Some((running, handle)) = metrics_server {
            handle.stop(true).await;
            let _ = running.await;
        }
        housekeeping.abort();
        commits.abort();
        // The sender finishes the attempt under way (an attempt times out after 10 s) and
        // stops; cut off past that, its leases are given back below all the same.
        let _ = stop_sending.send(true);
        if tokio::time::timeout(std::time::Duration::from_secs(15), &mut webhooks)
            .await
            .is_err()
        {
            webhooks.abort();
            let _ = webhooks.await;
        }
        self.sender.release_all(&self.state.db).await;
        result
    }
}

/// The bundled division table, or the file named by `LIANGXIN_DIVISIONS_FILE`.
fn load_divisions(config: &Config) -> Result<Arc<Divisions>, StartError> {
    let Some(path) = &config.divisions_file else {
        return Ok(Divisions::bundled());
    };
    let read = std::fs::read_to_string(path).map_err(|e| e.to_string());
    let divisions = read
        .and_then(|text| Divisions::parse(&text))
        .map_err(|e| format!("LIANGXIN_DIVISIONS_FILE {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), divisions = divisions.len(), "using the division table from LIANGXIN_DIVISIONS_FILE");
    Ok(Arc::new(divisions))
}

/// Forgets expired idempotency keys, login-failure windows, and events and finished webhook
/// deliveries past their retention, hourly.
async fn housekeeping(state: web::Data<AppState>) {
    let policy = state.config.login_policy();
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        interval.tick().await;
        let keys = service::idempotency::purge_expired(&state.db).await;
        let logins = service::login_throttle::purge_expired(&state.db, &policy).await;
        let days = state.config.event_retention_days;
        let events = service::events::purge_older_than(&state.db, days).await;
        let deliveries = service::webhooks::purge_older_than(&state.db, days).await;
        if let (Err(e), _, _, _) | (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) =
            (&keys, &logins, &events, &deliveries)
        {
            tracing::warn!(error = %e, "housekeeping failed; will retry in an hour");
        }
    }
}

fn serve(
    listener: TcpListener,
    state: web::Data<AppState>,
    renderers: web::Data<api::Renderers>,
    sender: web::Data<api::webhooks::Sender>,
    metrics: web::Data<metrics::HttpMetrics>,
    config: &Config,
) -> Result<Server, StartError> {
    let document = api::openapi::document();
    let routes = web::Data::new(api::RouteTable::from_openapi(&document));
    let document = Arc::new(document);
    let limiter = web::Data::new(rate_limit::RateLimiter::new(config.rate_limit_per_minute));
    let cors_origins = config.cors_origins.clone();
    let proxies = web::Data::new(request_context::TrustedProxies(
        config.trusted_proxies.clone(),
    ));
    let connections = connection_limit::ConnectionCounts::new(
        config.max_connections_per_client,
        config.trusted_proxies.clone(),
    );
    let mut server = HttpServer::new(move || {
        // The methods come from the route table (a new PUT route is preflighted by
        // construction); the exposed headers are every one a front end reads.
        let mut cors = Cors::default()
            .allowed_methods(routes.methods())
            .allow_any_header()
            .expose_headers([
                "ETag",
                "Location",
                "X-Request-Id",
                "Retry-After",
                "RateLimit",
                "RateLimit-Policy",
                "Idempotent-Replayed",
                "Content-Disposition",
            ])
            .max_age(3600);
        for origin in &cors_origins {
            cors = cors.allowed_origin(origin);
        }
        App::new()
            .app_data(state.clone())
            .app_data(routes.clone())
            .app_data(metrics.clone())
            .app_data(limiter.clone())
            .app_data(proxies.clone())
            .app_data(renderers.clone())
            .app_data(sender.clone())
            .wrap(from_fn(connection_limit::middleware))
            .wrap(from_fn(metrics::middleware))
            .wrap(cors)
            .wrap(from_fn(request_context::middleware))
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
            )
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/api/v1/openapi.json", (*document).clone())
                    // No badge from validator.swagger.io: it would send the contract's URL out of an
                    // intranet and show a broken image there.
                    .config(utoipa_swagger_ui::Config::default().validator_url("none")),
            )
            .route("/docs", web::get().to(api::docs_redirect))
            .route("/problems/{slug}", web::get().to(api::problem_page))
            .into_utoipa_app()
            .configure(api::configure)
            .into_app()
            .default_service(web::to(api::fallback))
    })
    .on_connect(move |connection, data| connections.on_connect(connection, data))
    .shutdown_timeout(30)
    // A request's head must arrive within 5 s, an idle kept-alive connection closes after 15 s,
    // and bodies have `LIANGXIN_BODY_TIMEOUT_SECS` (see `api::extract::read_body`): a client that
    // opens connections and sends nothing holds none of them for long.
    .client_request_timeout(std::time::Duration::from_secs(5))
    .client_disconnect_timeout(std::time::Duration::from_secs(2))
    .keep_alive(std::time::Duration::from_secs(15))
    .listen(listener)?;
    if config.workers > 0 {
        server = server.workers(config.workers);
    }
    Ok(server.run())
}

/// `liangxin healthcheck`: a `GET /healthz` to the server bound at `bind` (`0.0.0.0` and `::`
/// are asked on loopback), answered 200 within 3 seconds.
pub fn healthcheck(bind: &str) -> Result<(), String> {
    use std::io::{Read, Write};
    let address: std::net::SocketAddr = bind
        .parse()
        .map_err(|e| format!("LIANGXIN_BIND {bind:?}: {e}"))?;
    let address = match address.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, address.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, address.port()))
        }
        _ => address,
    };
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("{address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| e.to_string())?;
    match &head[..] {
        b"HTTP/1.1 200" | b"HTTP/1.0 200" => Ok(()),
        other => Err(format!(
            "{address} answered {}",
            String::from_utf8_lossy(other)
        )),
    }
}
