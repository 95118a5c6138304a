//! `AppState`: everything a handler or server function needs, built once at start-up and shared
//! by reference (cloning it copies one pointer).

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use url::Url;

use crate::error::AppError;
use crate::server::assets::Assets;
use crate::server::clock::Clock;
use crate::server::collections::public_pages::GalleryPages;
use crate::server::config::UploadConfig;
use crate::server::db::{ContentChanges, Repo};
use crate::server::images::Variants;
use crate::server::people::login_limit::LoginLimiter;
use crate::server::security::Policies;
use crate::server::storage::Storage;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub repo: Arc<dyn Repo>,
    pub storage: Storage,
    pub clock: Clock,
    /// Where people reach the app (links, cookies' Secure flag, CORS origin of the store).
    pub public_base_url: Url,
    /// Its origin (`https://media.example.com`), what browsers send in `Origin`.
    pub public_origin: String,
    /// Where image URLs point (the configured CDN, or this app's own `/cdn` origin), and how
    /// they are signed.
    pub delivery: crate::server::delivery::Delivery,
    pub cdn_base_url: Option<Url>,
    pub uploads: UploadConfig,
    /// Where the local image origin keeps its variants (`<data>/cache`).
    pub data_dir: PathBuf,
    /// Widths offered in every srcset.
    pub image_widths: Vec<u32>,
    /// Rendered public galleries.
    pub gallery_pages: GalleryPages,
    /// Image variants the local origin made, the most asked-for in memory.
    pub variants: Variants,
    /// How many times content on public pages changed, here or (PostgreSQL) on another instance.
    pub changes: ContentChanges,
    /// The site's static files, in memory.
    pub assets: Assets,
    /// Content-Security-Policy values, made once.
    pub policies: Policies,
    /// Sign-in attempts per address (here) and per account (in the database).
    pub login_limiter: LoginLimiter,
    /// How long an invitation link stays valid.
    pub invitation_ttl: chrono::Duration,
    /// How long the trash keeps what was deleted.
    pub trash_retention: chrono::Duration,
    /// The originals of trashed items, which the image origin refuses to serve.
    pub trashed: crate::server::media::trash::TrashedOriginals,
    /// Reverse proxies whose `X-Forwarded-For` names the client (sign-in limits).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }

    /// The state inside a server function or a page render.
    pub fn from_context() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Internal
        })
    }
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
