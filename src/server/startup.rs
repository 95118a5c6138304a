//! Builds the whole application from a `Config`: database, store, sessions, router, listener.
//! Tests use the same entry point with port 0 (see `tests/api/helpers.rs`).

use std::net::SocketAddr;

use axum::Router;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::server::assets::Assets;
use crate::server::clock::Clock;
use crate::server::config::{Config, StorageConfig};
use crate::server::db::{self, DbError, Repo};
use crate::server::delivery::{Delivery, TokenKey};
use crate::server::people::password::{self, PasswordError};
use crate::server::security::Policies;
use crate::server::state::{AppState, Shared};
use crate::server::storage::embedded::{EmbeddedStore, EmbeddedStoreError};
use crate::server::storage::{Storage, StoreEndpoint};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("embedded store: {0}")]
    Store(#[from] EmbeddedStoreError),
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error("admin account: {0}")]
    Password(#[from] PasswordError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Option<EmbeddedStore>,
    state: AppState,
}

impl Application {
    pub async fn build(config: Config, leptos_options: LeptosOptions) -> Result<Application, StartupError> {
        Application::build_with_clock(config, leptos_options, Clock::system()).await
    }

    /// As `build`, with every time the app reads (timestamps, expiry, signing) from `clock`.
    pub async fn build_with_clock(
        config: Config,
        mut leptos_options: LeptosOptions,
        clock: Clock,
    ) -> Result<Application, StartupError> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|source| StartupError::DataDir { path: config.data_dir.display().to_string(), source })?;

        let addr = leptos_options.site_addr;
        let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| StartupError::Bind { addr, source })?;
        leptos_options.site_addr = local_addr;
        // Never a bind-all address: that is no URL a browser can open.
        let public_base_url = config
            .public_base_url
            .clone()
            .unwrap_or_else(|| crate::server::config::network::derived_base_url(local_addr));
        let public_origin = public_base_url.origin().ascii_serialization();

        let (storage, store) = match &config.storage {
            StorageConfig::Embedded { addr, bucket, region, public_url } => {
                let store = EmbeddedStore::bind(&config.data_dir, *addr, bucket, region, &public_origin).await?;
                tracing::info!(addr = %store.local_addr(), bucket, "embedded S3 store ready");
                // Browsers use the app's own origin unless the store was given one of its own.
                let browser_endpoint = public_url.clone().unwrap_or_else(|| public_base_url.clone());
                (Storage::new(store.endpoint.clone(), Some(browser_endpoint), clock.clone()), Some(store))
            }
            StorageConfig::External { endpoint, bucket, region, access_key_id, secret_access_key } => {
                use secrecy::ExposeSecret;
                let endpoint = StoreEndpoint {
                    endpoint: endpoint.clone(),
                    bucket: bucket.clone(),
                    region: region.clone(),
                    access_key_id: access_key_id.clone(),
                    secret_access_key: secret_access_key.expose_secret().to_string(),
                };
                let storage = Storage::new(endpoint, None, clock.clone());
                (storage, None)
            }
        };

        let database = db::connect(&config.database, clock.clone()).await?;
        tracing::info!(backend = ?database.repo.backend(), "database ready");
        ensure_admin(database.repo.as_ref(), &config).await?;

        let sessions = database.sessions.clone();
        tokio::spawn(sessions.clone().continuously_delete_expired(tokio::time::Duration::from_secs(3600)));
        let session_layer = SessionManagerLayer::new(sessions)
            .with_name("vitrine_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(public_base_url.scheme() == "https")
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
                crate::server::people::session::SESSION_IDLE.num_seconds(),
            )));

        let mut uploads = config.uploads.clone();
        if uploads.transcode && !crate::server::media::transcode::ffmpeg_available() {
            tracing::warn!("VITRINE_TRANSCODE=1 but ffmpeg is not on PATH: videos stream as uploaded");
            uploads.transcode = false;
        }
        let https = public_base_url.scheme() == "https";
        let state = AppState::new(Shared {
            assets: Assets::load(std::path::Path::new(&*leptos_options.site_root), &leptos_options.site_pkg_dir),
            leptos_options: leptos_options.clone(),
            repo: database.repo,
            policies: Policies::new(&storage.origin(), config.cdn_base_url.as_ref(), https),
            storage,
            clock,
            delivery: Delivery::new(
                &public_base_url,
                config.cdn_base_url.as_ref(),
                config.cdn_token_key.clone().map(TokenKey::new),
            ),
            public_origin: public_base_url.origin().ascii_serialization(),
            public_base_url,
            cdn_base_url: config.cdn_base_url.clone(),
            uploads,
            data_dir: config.data_dir.clone(),
            image_widths: config.image_widths.clone(),
            gallery_pages: Default::default(),
            variants: Default::default(),
            changes: database.changes,
            login_limiter: Default::default(),
            invitation_ttl: config.invitation_ttl,
            trash_retention: config.trash_retention,
            trashed: Default::default(),
            trusted_proxies: config.trusted_proxies.clone(),
        });

        tracing::info!(
            open = %state.public_base_url,
            uploads_go_to = %state.storage.origin(),
            "browsers open Vitrine at this URL and send uploads to this origin"
        );
        let same_origin_store = match (&config.storage, &store) {
            (StorageConfig::Embedded { public_url: None, .. }, Some(store)) => Some(store.browser_route()),
            _ => None,
        };
        let router = crate::server::routes::router(&state, session_layer, same_origin_store);

        Ok(Application { listener, router, store, state })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// The embedded store's address, when this instance runs one.
    pub fn store_addr(&self) -> Option<SocketAddr> {
        self.store.as_ref().map(|s| s.local_addr())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, or until `stop` fires (tests), then drains in-flight requests.
    pub async fn run_until(self, mut stop: watch::Receiver<bool>) -> std::io::Result<()> {
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown_signal() => {}
                _ = stop.wait_for(|v| *v) => {}
            }
            let _ = shutdown_tx.send(true);
        });
        let wait = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|v| *v).await;
        };
        let sweeper = tokio::spawn(crate::server::uploads::run_sweeper(self.state.clone(), shutdown_rx.clone()));
        // Photos stored before display renditions existed get theirs (cut short by a stop, it
        // picks up at the next start).
        let backfill_state = self.state.clone();
        tokio::spawn(async move {
            match crate::server::media::rendition::backfill(&backfill_state).await {
                Ok(0) => {}
                Ok(made) => tracing::info!(made, "display renditions made for earlier photos"),
                Err(e) => tracing::warn!(error = %e, "could not make display renditions for earlier photos"),
            }
        });
        let transcoder = self.state.uploads.transcode.then(|| {
            tokio::spawn(crate::server::media::transcode::run_worker(self.state.clone(), shutdown_rx.clone()))
        });
        tracing::info!(addr = %self.local_addr(), "Vitrine listening");
        // On SIGTERM: stop accepting, let in-flight requests finish (at most DRAIN_TIMEOUT),
        // stop the sweeper, then close the database pool.
        // TCP_NODELAY: a response written in two pieces (headers, then a streamed body) must
        // not wait for the client's delayed ACK (40 ms a request, measured by `make bench`).
        use axum::serve::ListenerExt;
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = axum::serve(listener, self.router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(wait(shutdown_rx.clone()));
        let drain_deadline = {
            let rx = shutdown_rx.clone();
            async move {
                wait(rx).await;
                tokio::time::sleep(DRAIN_TIMEOUT).await;
            }
        };
        let served = async {
            match self.store {
                Some(store) => {
                    let (a, b) = tokio::join!(app, store.serve(wait(shutdown_rx.clone())));
                    a.and(b)
                }
                None => app.await,
            }
        };
        let result = tokio::select! {
            result = served => result,
            _ = drain_deadline => {
                tracing::warn!(seconds = DRAIN_TIMEOUT.as_secs(), "requests still running after the drain timeout; stopping anyway");
                Ok(())
            }
        };
        let _ = sweeper.await;
        if let Some(transcoder) = transcoder {
            // A job cut short stays "running" and is taken again once stale.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), transcoder).await;
        }
        tracing::info!("sweeper stopped");
        self.state.repo.close().await;
        tracing::info!("database pool closed; shut down cleanly");
        result
    }

    pub async fn run(self) -> std::io::Result<()> {
        let (_keep, stop) = watch::channel(false);
        println!(
            "Vitrine is running. Open {} (uploads go to {})",
            self.state.public_base_url,
            self.state.storage.origin()
        );
        self.run_until(stop).await
    }

    /// `vitrine check [--repair]`: the books against the bucket, printed; with `repair`, acted
    /// on. Exit status 1 while something is found and left as it is.
    pub async fn books(self, repair: bool) -> std::process::ExitCode {
        use std::io::IsTerminal;
        let state = self.state.clone();
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(self.run_until(stopped));
        let bar = std::io::stdout().is_terminal().then(indicatif::ProgressBar::new_spinner);
        let audit = crate::server::books::audit(&state, state.clock.now(), |objects| {
            if let Some(bar) = &bar {
                bar.set_message(format!("{objects} objects listed"));
                bar.tick();
            }
        })
        .await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let code = match audit {
            Err(e) => {
                eprintln!("vitrine: {e}");
                std::process::ExitCode::from(1)
            }
            Ok(audit) => {
                for finding in &audit.findings {
                    println!("{}", finding.describe());
                }
                let wasted: u64 = audit.findings.iter().map(|f| f.bytes()).sum();
                println!(
                    "summary: {} objects ({} bytes) checked, {} finding(s), {wasted} bytes wasted, {} too recent to judge",
                    audit.objects,
                    audit.bytes,
                    audit.findings.len(),
                    audit.too_young
                );
                if audit.findings.is_empty() {
                    std::process::ExitCode::SUCCESS
                } else if repair {
                    match crate::server::books::repair(&state, &audit.findings).await {
                        Ok(n) => {
                            println!("repaired: {n} finding(s)");
                            std::process::ExitCode::SUCCESS
                        }
                        Err(e) => {
                            eprintln!("vitrine: repair stopped: {e}");
                            std::process::ExitCode::from(1)
                        }
                    }
                } else {
                    println!("run `vitrine check --repair` to fix them");
                    std::process::ExitCode::from(1)
                }
            }
        };
        let _ = stop.send(true);
        let _ = server.await;
        code
    }

    /// `vitrine check --config`: serves for as long as the self-test takes (it calls this instance's
    /// public URL and store), prints each finding, and says whether any check failed.
    pub async fn check(self) -> std::process::ExitCode {
        let state = self.state.clone();
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(self.run_until(stopped));
        let checks = crate::server::selftest::run(&state).await;
        for check in &checks {
            println!("{:<30} {:<10} {}", check.name, check.verdict.label(), check.detail);
            if let Some(fix) = &check.fix {
                println!("{:<30} fix: {fix}", "");
            }
        }
        let _ = stop.send(true);
        let _ = server.await;
        if crate::server::selftest::any_failed(&checks) {
            std::process::ExitCode::from(1)
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}

/// How long a shutdown waits for in-flight requests.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The admin account from config. A configured password always wins (so it is also the way to
/// reset a forgotten one); without one, the embedded setup generates a password and logs it
/// the one time the account is created.
async fn ensure_admin(repo: &dyn Repo, config: &Config) -> Result<(), StartupError> {
    let email = &config.admin.email;
    match &config.admin.password {
        Some(password) => {
            let hash = password::hash_password(password.clone()).await?;
            let (user, created) = repo.create_user_if_absent(email, &hash).await?;
            if !created && !password::verify_password(password.clone(), Some(user.password_hash.clone())).await? {
                repo.set_user_password(user.id, &hash).await?;
                tracing::info!(%email, "admin password updated from VITRINE_ADMIN_PASSWORD");
            }
        }
        None => {
            if repo.find_user_by_email(email).await?.is_some() {
                return Ok(());
            }
            let generated = password::generate_password();
            let hash = password::hash_password(SecretString::from(generated.clone())).await?;
            let (_, created) = repo.create_user_if_absent(email, &hash).await?;
            if created {
                tracing::warn!(
                    %email,
                    password = %generated,
                    "created the admin account with a generated password (shown only this once; \
                     set VITRINE_ADMIN_PASSWORD to choose one)"
                );
            }
        }
    }
    Ok(())
}
