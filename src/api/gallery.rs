//! `/api/gallery/*`: what anyone may see, no session needed.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::collection::{GalleryLookup, PublishedCollection};

/// `POST /api/gallery/get` `{slug}` → a published collection with its items, a move, or nothing.
#[server(prefix = "/api", endpoint = "gallery/get", input = Json)]
pub async fn get_gallery(slug: String) -> Result<GalleryLookup, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    crate::server::collections::gallery(&state, &slug).await
}

/// `POST /api/gallery/list` `{}` → published collections, newest first, with covers.
#[server(prefix = "/api", endpoint = "gallery/list", input = Json)]
pub async fn list_galleries() -> Result<Vec<PublishedCollection>, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    crate::server::collections::published(&state).await
}
