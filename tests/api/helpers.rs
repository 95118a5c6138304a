//! `spawn_app()`: the whole application as a user meets it, on ephemeral ports.

use std::net::SocketAddr;
use std::path::PathBuf;

use leptos::config::LeptosOptions;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::watch;
use url::Url;
use vitrine::model::Email;
use vitrine::server::clock::Clock;
use vitrine::server::config::{AdminConfig, Config, DatabaseConfig, StorageConfig, UploadConfig};
use vitrine::server::db::Backend;
use vitrine::server::db::{self, Repo};
use vitrine::server::startup::Application;
use vitrine::server::storage::Storage;

pub const ADMIN_EMAIL: &str = "admin@example.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A database that exists for one test only: a SQLite file in a temp dir, or a fresh Postgres
/// database that is dropped when the value is dropped.
pub struct TestDatabase {
    pub config: DatabaseConfig,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
        TestDatabase { config: DatabaseConfig { url, backend: Backend::Sqlite }, pg_name: None, _dir: Some(dir) }
    }

    /// `None` (and a note on stderr) when Postgres is not running here, except in CI, where a
    /// missing Postgres is a failure: the contract must be checked on both backends.
    pub async fn postgres() -> Option<TestDatabase> {
        use sqlx::Connection;
        let mut admin = match sqlx::PgConnection::connect(PG_ADMIN_URL).await {
            Ok(conn) => conn,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but PostgreSQL at 127.0.0.1:5432 is unreachable: {e}");
                }
                eprintln!(
                    "SKIPPED: PostgreSQL at 127.0.0.1:5432 is unreachable ({e}); Postgres half of this test not run"
                );
                return None;
            }
        };
        let name = format!("vitrine_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        Some(TestDatabase {
            config: DatabaseConfig { url, backend: Backend::Postgres },
            pg_name: Some(name),
            _dir: None,
        })
    }

    /// The same database for a second app instance; the original still owns (and drops) it.
    pub fn shared(&self) -> TestDatabase {
        TestDatabase { config: self.config.clone(), pg_name: None, _dir: None }
    }

    pub async fn repo(&self) -> std::sync::Arc<dyn Repo> {
        self.repo_with_clock(Clock::system()).await
    }

    /// A repo whose timestamps come from `clock` (tests move it instead of sleeping).
    pub async fn repo_with_clock(&self, clock: Clock) -> std::sync::Arc<dyn Repo> {
        db::connect(&self.config, clock).await.expect("connect to the test database").repo
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs inside the test's runtime, which cannot be blocked on; a plain thread with
        // its own small runtime can.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(PG_ADMIN_URL).await {
                    let _ =
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: Url,
    /// The app's clock: advance it instead of sleeping.
    pub clock: Clock,
    pub data_dir: PathBuf,
    pub storage: Storage,
    pub repo: std::sync::Arc<dyn Repo>,
    pub state: vitrine::server::state::AppState,
    /// Keeps cookies like a browser does.
    pub client: reqwest::Client,
    stop: watch::Sender<bool>,
    _data: tempfile::TempDir,
    _db: TestDatabase,
}

pub struct TestAppBuilder {
    clock: Clock,
    site_root: Option<PathBuf>,
    uploads: UploadConfig,
    database: Option<TestDatabase>,
    storage: Option<StorageConfig>,
    public_base_url: Option<Url>,
    cdn_token_key: Option<SecretString>,
    cdn_base_url: Option<Url>,
}

impl TestAppBuilder {
    /// The app's clock stands still until the test advances it (for spans shorter than a
    /// loaded machine's pauses).
    pub fn frozen_clock(mut self) -> Self {
        self.clock = Clock::frozen();
        self
    }

    pub fn database(mut self, db: TestDatabase) -> Self {
        self.database = Some(db);
        self
    }

    pub fn uploads(mut self, change: impl FnOnce(&mut UploadConfig)) -> Self {
        change(&mut self.uploads);
        self
    }

    pub fn storage(mut self, storage: StorageConfig) -> Self {
        self.storage = Some(storage);
        self
    }

    /// An external store on a port nobody listens on: every store call fails.
    pub fn unreachable_store(self) -> Self {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        self.storage(StorageConfig::External {
            endpoint: Url::parse(&format!("http://{closed}")).unwrap(),
            bucket: "vitrine".into(),
            region: "auto".into(),
            access_key_id: "key".into(),
            secret_access_key: "secret".to_string().into(),
        })
    }

    /// The built site to serve (CSS, scripts, favicon); none by default.
    pub fn site_root(mut self, dir: &std::path::Path) -> Self {
        self.site_root = Some(dir.to_path_buf());
        self
    }

    /// Signs every delivery URL with this token key (and the local origin checks them).
    pub fn cdn_token_key(mut self, key: &str) -> Self {
        self.cdn_token_key = Some(SecretString::from(key));
        self
    }

    /// Delivery URLs point at this CDN zone (as `VITRINE_CDN_BASE_URL` does).
    pub fn cdn_base_url(mut self, url: &str) -> Self {
        self.cdn_base_url = Some(Url::parse(url).unwrap());
        self
    }

    pub fn public_base_url(mut self, url: &str) -> Self {
        self.public_base_url = Some(Url::parse(url).unwrap());
        self
    }

    pub async fn spawn(self) -> TestApp {
        // `RUST_LOG=…` shows the app's logs for a failing test (captured unless --nocapture).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "off".into()))
            .with_test_writer()
            .try_init();
        let data = tempfile::tempdir().expect("temp dir");
        let database = self.database.unwrap_or_else(TestDatabase::sqlite);
        let config = Config {
            database: database.config.clone(),
            storage: self.storage.unwrap_or(StorageConfig::Embedded {
                addr: "127.0.0.1:0".parse().unwrap(),
                bucket: "vitrine".into(),
                region: "auto".into(),
                public_url: None,
            }),
            cdn_base_url: self.cdn_base_url,
            cdn_token_key: self.cdn_token_key,
            public_base_url: self.public_base_url,
            admin: AdminConfig {
                email: Email::parse(ADMIN_EMAIL).unwrap(),
                password: Some(SecretString::from(ADMIN_PASSWORD)),
            },
            data_dir: data.path().to_path_buf(),
            uploads: self.uploads,
            image_widths: vitrine::cdn::DEFAULT_WIDTHS.to_vec(),
            invitation_ttl: chrono::Duration::days(7),
            trash_retention: chrono::Duration::days(30),
            trusted_proxies: Vec::new(),
        };
        let mut leptos = LeptosOptions::builder()
            .output_name("vitrine")
            .site_addr("127.0.0.1:0".parse::<SocketAddr>().unwrap())
            .build();
        if let Some(root) = &self.site_root {
            leptos.site_root = root.display().to_string().into();
        }
        let app = Application::build_with_clock(config, leptos, self.clock.clone()).await.expect("the app builds");
        let address = Url::parse(&format!("http://{}", app.local_addr())).unwrap();
        let storage = app.state().storage.clone();
        let repo = app.state().repo.clone();
        let state = app.state().clone();
        let (stop, stop_rx) = watch::channel(false);
        tokio::spawn(app.run_until(stop_rx));
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp {
            address,
            clock: self.clock,
            data_dir: data.path().to_path_buf(),
            storage,
            repo,
            state,
            client,
            stop,
            _data: data,
            _db: database,
        }
    }
}

pub fn test_app() -> TestAppBuilder {
    TestAppBuilder {
        clock: Clock::system(),
        site_root: None,
        uploads: UploadConfig::default(),
        database: None,
        storage: None,
        public_base_url: None,
        cdn_token_key: None,
        cdn_base_url: None,
    }
}

/// The default app: SQLite and the embedded store.
pub async fn spawn_app() -> TestApp {
    test_app().spawn().await
}

impl TestApp {
    /// The database the app runs on (for a test that must change a row behind its back).
    pub fn database_url(&self) -> &str {
        &self._db.config.url
    }

    pub fn url(&self, path: &str) -> String {
        self.address.join(path).unwrap().to_string()
    }

    /// This app's embedded store as an external S3 endpoint, for a second instance to share.
    pub fn store_config(&self) -> StorageConfig {
        let credentials: Value = serde_json::from_slice(
            &std::fs::read(self.data_dir.join("store-credentials.json")).expect("store credentials"),
        )
        .expect("credentials are JSON");
        StorageConfig::External {
            endpoint: self.storage.endpoint().clone(),
            bucket: self.storage.bucket().to_string(),
            region: "auto".into(),
            access_key_id: credentials["access_key_id"].as_str().unwrap().to_string(),
            secret_access_key: credentials["secret_access_key"].as_str().unwrap().to_string().into(),
        }
    }

    pub fn origin(&self) -> String {
        self.address.origin().ascii_serialization()
    }

    /// Calls a server function the way scripts do: POST JSON, read JSON.
    pub async fn api(&self, path: &str, body: Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(&body).send().await.expect("request reaches the app")
    }

    pub async fn login(&self) -> reqwest::Response {
        self.api("/api/auth/login", json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await
    }

    pub async fn signed_in(self) -> TestApp {
        let response = self.login().await;
        assert_eq!(response.status(), 200, "sign-in works: {:?}", response.text().await);
        self
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Someone on the team, as a script or a second browser sees them.
pub struct Member {
    pub id: String,
    pub email: String,
    /// Keeps their session cookie.
    pub client: reqwest::Client,
}

impl TestApp {
    /// A browser-like client with its own cookie jar (another person's browser).
    pub fn new_browser(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).build().unwrap()
    }

    /// Invites `email` as `role` (as the signed-in owner of `self.client`) and accepts in a
    /// new browser: that person, signed in.
    pub async fn member(&self, email: &str, role: &str) -> Member {
        let invited = self.api("/api/people/invite", json!({"email": email, "role": role})).await;
        assert_eq!(invited.status(), 200, "invite: {:?}", invited.text().await);
        let invited: Value = invited.json().await.unwrap();
        let token = invited["link"].as_str().unwrap().trim_start_matches("/invite/").to_string();
        let client = self.new_browser();
        let accepted = client
            .post(self.url("/api/invitations/accept"))
            .json(&json!({"token": token, "display_name": format!("{role} person"), "password": "a long password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status(), 200, "accept: {:?}", accepted.text().await);
        let me: Value = accepted.json().await.unwrap();
        Member { id: me["id"].as_str().unwrap().to_string(), email: email.to_string(), client }
    }

    /// Calls a server function as `client`.
    pub async fn api_as(&self, client: &reqwest::Client, path: &str, body: Value) -> reqwest::Response {
        client.post(self.url(path)).json(&body).send().await.expect("request reaches the app")
    }

    /// Calls a server function with `Authorization: Bearer <token>` and no cookie.
    pub async fn api_with_token(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        reqwest::Client::new().post(self.url(path)).bearer_auth(token).json(&body).send().await.expect("reaches")
    }

    /// A new token of `client`'s person: its secret.
    pub async fn token_for(&self, client: &reqwest::Client, scope: &str, days: Option<u32>) -> String {
        let created = self
            .api_as(client, "/api/tokens/create", json!({"name": "script", "scope": scope, "expires_in_days": days}))
            .await;
        assert_eq!(created.status(), 200, "token: {:?}", created.text().await);
        let created: Value = created.json().await.unwrap();
        created["secret"].as_str().unwrap().to_string()
    }
}
