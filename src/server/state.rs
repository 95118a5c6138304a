use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use url::Url;

use crate::error::AppError;
use crate::server::config::UploadConfig;
use crate::server::db::Repo;
use crate::server::storage::Storage;

/// Everything a request handler or server function may need, built once at start-up and
/// handed to server functions through Leptos context.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub repo: Arc<dyn Repo>,
    pub storage: Storage,
    /// Where people reach the app (links, cookies' Secure flag, CORS origin of the store).
    pub public_base_url: Url,
    pub cdn_base_url: Option<Url>,
    pub uploads: UploadConfig,
    /// Where the local image origin keeps its variants (`<data>/cache`).
    pub data_dir: std::path::PathBuf,
    /// Widths offered in every srcset.
    pub image_widths: Vec<u32>,
    /// Rendered public galleries, checked against the database on every request.
    pub gallery_pages: Arc<crate::server::public_cache::GalleryPages>,
    /// Sign-in attempts per address and per account.
    pub login_limiter: Arc<crate::server::login_limit::LoginLimiter>,
}

impl AppState {
    /// Where image URLs point: the configured CDN, or this app's own `/cdn` origin.
    pub fn image_base(&self) -> String {
        match &self.cdn_base_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("{}cdn", self.public_base_url.as_str()),
        }
    }

    /// The state inside a server function.
    pub fn from_context() -> Result<AppState, AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the server function context");
            AppError::Internal
        })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
