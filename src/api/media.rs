//! `/api/media/*`: the library.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::media::MediaPage;

/// `POST /api/media/list` `{before?, limit?}` → newest first, `next_cursor` for the next page.
#[server(prefix = "/api", endpoint = "media/list", input = Json)]
pub async fn list_media(
    #[server(default)] before: Option<Uuid>,
    #[server(default)] limit: Option<u32>,
) -> Result<MediaPage, AppError> {
    crate::server::session::require_user().await?;
    let state = crate::server::state::AppState::from_context()?;
    let limit = limit.unwrap_or(60).clamp(1, 200);
    let media = state.repo.list_media(limit, before).await?;
    let next_cursor = if media.len() == limit as usize { media.last().map(|m| m.id) } else { None };
    let items = media.into_iter().map(|m| crate::server::media::media_item(&state, m)).collect();
    Ok(MediaPage { items, next_cursor })
}
