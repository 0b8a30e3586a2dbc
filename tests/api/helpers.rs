//! The test harness: each test starts the real server on a random port with a fresh database
//! (a new SQLite file, or a new PostgreSQL database when `LIANGXIN_TEST_DATABASE_URL` is set) and
//! talks to it over HTTP.
use std::sync::atomic::{AtomicU32, Ordering};

use liangxin::Application;
use liangxin::config::Config;
use reqwest::{Client, Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_PASSWORD: &str = "test-admin-password";
pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub token: String,
    /// The database this server uses, to start a second server on it.
    pub database_url: String,
    /// Stops this server (as SIGTERM would), to restart on the same database.
    pub server: actix_web::dev::ServerHandle,
    /// The metrics server's port, with `LIANGXIN_METRICS_BIND`.
    pub metrics_port: Option<u16>,
}

/// Runs the same test body on SQLite and, when configured, PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

static SQLITE_COUNTER: AtomicU32 = AtomicU32::new(0);

async fn fresh_database_url(backend: Backend) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join("liangxin-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let n = SQLITE_COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "{}-{n}-{}.db",
                std::process::id(),
                uuid::Uuid::now_v7().simple()
            ));
            Some(format!("sqlite://{}?mode=rwc", path.display()))
        }
        Backend::Postgres => {
            let Some(admin_url) = std::env::var("LIANGXIN_TEST_DATABASE_URL")
                .ok()
                .filter(|v| !v.is_empty())
            else {
                eprintln!("PostgreSQL test skipped: LIANGXIN_TEST_DATABASE_URL is not set");
                return None;
            };
            let name = format!("liangxin_test_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to LIANGXIN_TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a test database");
            admin.close().await.ok();
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("a database URL with a path");
            Some(format!("{base}/{name}"))
        }
    }
}

pub fn test_config(database_url: String) -> Config {
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.database_url = database_url;
    config.bind = "127.0.0.1:0".parse().unwrap();
    config.jwt_secret = Some(JWT_SECRET.into());
    config.bootstrap_admin_username = ADMIN_USERNAME.into();
    config.bootstrap_admin_password = Some(ADMIN_PASSWORD.into());
    config.workers = 2;
    // Tests run side by side in one process and share its password-check slots.
    config.password_check_wait = std::time::Duration::from_secs(120);
    // Tests make many calls quickly; one test checks the limit with a low one.
    config.rate_limit_per_minute = 1_000_000;
    // Webhook receivers in tests listen on 127.0.0.1 over http; retries come quickly.
    config.webhook_allow_private = true;
    config.webhook_retry_base = std::time::Duration::from_millis(20);
    config
}

/// Starts the app on a fresh database; `None` when the backend is not configured.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    Some(spawn_with_config(config_for(backend).await?).await)
}

/// The test configuration with a fresh database, to adjust before `spawn_with_config`.
pub async fn config_for(backend: Backend) -> Option<Config> {
    Some(test_config(fresh_database_url(backend).await?))
}

pub async fn spawn_with_config(config: Config) -> TestApp {
    let database_url = config.database_url.clone();
    let app = Application::build(config)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client
        .post(format!("{address}/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", ADMIN_USERNAME),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the bootstrap admin can log in");
    let token = response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    TestApp {
        address,
        client,
        token,
        database_url,
        server,
        metrics_port,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A request with the admin's token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A merge patch with `If-Match: tag`, or `If-Match: *` (whatever version is current) when
    /// `None`: the server refuses a change without `If-Match` (428).
    pub async fn patch_json(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        self.request(Method::PATCH, path)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", if_match.unwrap_or("*"))
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    /// Registers an organization and returns its representation.
    pub async fn create_organization(&self, body: &Value) -> Value {
        let response = self.post_json("/api/v1/organizations", body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 201, "{text}");
        serde_json::from_str(&text).unwrap()
    }
}

/// A valid USCC for a new economic organization (`91…`) numbered `n`.
pub fn uscc(n: u32) -> String {
    uscc_with_prefix("91", n)
}

pub fn uscc_with_prefix(prefix: &str, n: u32) -> String {
    let first17 = format!("{prefix}350100{n:09}");
    let check = liangxin::domain::uscc::check_character(first17.as_bytes()).unwrap();
    format!("{first17}{check}")
}

/// A valid organization body; tweak fields with `json_merge`.
pub fn organization_body(n: u32) -> Value {
    json!({
        "name": format!("测试企业{n}号"),
        "kind": "new_economic",
        "category": "private_enterprise",
        "uscc": uscc(n),
        "region_code": "350102",
        "employee_count": 25,
        "in_survey_scope": true,
    })
}

pub fn with(mut body: Value, changes: Value) -> Value {
    json_patch::merge(&mut body, &changes);
    body
}

/// The problem document of a response, checked to be one.
pub async fn problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// The (field, code) pairs of a problem's `errors`.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Logs a user in with the password grant; the access token.
pub async fn login(app: &TestApp, username: &str, password: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{username} logs in");
    response.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates a user with these roles and returns a token for them.
pub async fn user_with_roles(app: &TestApp, username: &str, roles: Value) -> String {
    let body = json!({"username": username, "password": "a-long-password", "roles": roles});
    let response = app.post_json("/api/v1/users", &body).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    login(app, username, "a-long-password").await
}

/// A valid ID-card number for a person born on `birth` (`YYYYMMDD`), numbered `n`.
pub fn id_number(birth: &str, male: bool, n: u32) -> String {
    let first17 = format!("350102{birth}{:02}{}", n % 100, if male { 1 } else { 2 });
    let check = liangxin::domain::id_number::check_character(first17.as_bytes()).unwrap();
    format!("{first17}{check}")
}

/// A party organization body; tweak fields with `with`.
pub fn party_organization_body(name: &str, org_type: &str, parent: Option<&str>) -> Value {
    json!({"name": name, "type": org_type, "parent_id": parent, "region_code": "350102"})
}

/// A member body for a man born on 1990-01-01, numbered `n`, held by `party_organization_id`.
pub fn member_body(party_organization_id: &str, n: u32) -> Value {
    json!({
        "name": format!("党员{n}"),
        "gender": "male",
        "birth_date": "1990-01-01",
        "id_number": id_number("19900101", true, n),
        "party_organization_id": party_organization_id,
    })
}

impl TestApp {
    /// POSTs `body` to `path`, expects 201, and returns the created representation.
    pub async fn created(&self, path: &str, body: &Value) -> Value {
        let response = self.post_json(path, body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 201, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Creates a party organization; its id.
    pub async fn party_organization(
        &self,
        name: &str,
        org_type: &str,
        parent: Option<&str>,
    ) -> String {
        let body = party_organization_body(name, org_type, parent);
        self.created("/api/v1/party-organizations", &body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Registers a member with `changes` over [`member_body`]; their id.
    pub async fn member(&self, party_organization_id: &str, n: u32, changes: Value) -> String {
        let body = with(member_body(party_organization_id, n), changes);
        self.created("/api/v1/members", &body).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A request with another caller's token.
    pub fn request_as(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

/// A URL for calling a contract operation: path parameters filled with fresh ids (or a region
/// code), and every required query parameter with its documented example.
pub fn example_url(path: &str, operation: &Value) -> String {
    let mut url = path
        .replace("{id}", &uuid::Uuid::now_v7().to_string())
        .replace("{group_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{delivery_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{entry_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{system_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{record_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{revision}", "1")
        .replace("{year}", "2025")
        .replace("{code}", "110105");
    let required: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            format!(
                "{}={}",
                p["name"].as_str().unwrap(),
                p["example"].as_str().unwrap_or("")
            )
        })
        .collect();
    if !required.is_empty() {
        url = format!("{url}?{}", required.join("&"));
    }
    url
}
