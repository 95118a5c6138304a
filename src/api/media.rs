//! `/api/media/*`: the library.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::media::{MediaDetail, MediaItem, MediaPage, MediaQuery};

/// Items per page unless asked otherwise.
pub const PAGE_SIZE: u32 = 60;
/// Longest search accepted.
pub const MAX_SEARCH_CHARS: usize = 200;

/// `POST /api/media/list` `{query: {kind?, search?, sort?, cursor?, limit?}}` → a page and the
/// cursor of the next one.
#[server(prefix = "/api", endpoint = "media/list", input = Json)]
pub async fn list_media(#[server(default)] query: MediaQuery) -> Result<MediaPage, AppError> {
    use crate::model::media::MediaCursor;
    let (state, _user) = crate::server::signed_in()?;
    if query.search.as_ref().is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
        return Err(AppError::invalid(format!("The search is longer than {MAX_SEARCH_CHARS} characters.")));
    }
    let limit = query.limit.unwrap_or(PAGE_SIZE).clamp(1, 200);
    let query = MediaQuery { tags: crate::server::media::tags::filter_names(&query.tags)?, ..query };
    let ranked = state.repo.list_media_ranked(&query, limit).await?;
    let next_cursor =
        if ranked.len() == limit as usize { ranked.last().map(|(m, rank)| MediaCursor::after(m, *rank)) } else { None };
    let media: Vec<_> = ranked.into_iter().map(|(m, _)| m).collect();
    let items = media.into_iter().map(|m| crate::server::media::media_item(&state, m)).collect();
    let items = crate::server::media::tags::with_tags(&state, items).await?;
    Ok(MediaPage { items, next_cursor })
}

/// `POST /api/media/get` `{id}` → the item and the collections it is in.
#[server(prefix = "/api", endpoint = "media/get", input = Json)]
pub async fn get_media(id: Uuid) -> Result<MediaDetail, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::detail(&state, id).await
}

/// `POST /api/media/update` `{id, title, alt_text}` → the item as saved.
#[server(prefix = "/api", endpoint = "media/update", input = Json)]
pub async fn update_media(id: Uuid, title: String, alt_text: String) -> Result<MediaItem, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::update(&state, id, &title, &alt_text).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub deleted: Vec<Uuid>,
}

/// `POST /api/media/delete` `{ids}` → `{deleted}`: the items move to the trash, gone at once from
/// the library, collections, galleries and the image origin; `/api/trash/restore` brings them
/// back.
#[server(prefix = "/api", endpoint = "media/delete", input = Json)]
pub async fn delete_media(ids: Vec<Uuid>) -> Result<Deleted, AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::media::trash::trash_media(&state, &ids, user.id).await.map(|deleted| Deleted { deleted })
}

/// `POST /api/media/duplicates` `{}` → `[{sha256, items}]`: contents the library holds more
/// than once (trash not counted), the most recently duplicated first, items oldest first.
#[server(prefix = "/api", endpoint = "media/duplicates", input = Json)]
pub async fn list_duplicates() -> Result<Vec<crate::model::media::DuplicateGroup>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::duplicates::list(&state).await
}

/// `POST /api/media/keep_one` `{id}` → `{deleted}`: every other item with the content of `id`
/// moved to the trash.
#[server(prefix = "/api", endpoint = "media/keep_one", input = Json)]
pub async fn keep_one(id: Uuid) -> Result<Deleted, AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::media::duplicates::keep_one(&state, id, user.id).await.map(|deleted| Deleted { deleted })
}

/// `POST /api/media/tag` `{ids, add: [names], remove: [names]}` → `{added, removed}`: tags
/// added to and removed from every item named (a new name makes a new tag).
#[server(prefix = "/api", endpoint = "media/tag", input = Json)]
pub async fn tag_media(
    ids: Vec<Uuid>,
    #[server(default)] add: Vec<String>,
    #[server(default)] remove: Vec<String>,
) -> Result<crate::model::tag::Tagging, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::tags::tag(&state, &ids, &add, &remove).await
}

/// `POST /api/media/focus` `{id, focus: {x, y} | null}` → the item: an image's focal point, as
/// fractions of its width and height (`null`: the centre). Every crop keeps it in frame.
#[server(prefix = "/api", endpoint = "media/focus", input = Json)]
pub async fn set_focal_point(id: Uuid, focus: Option<crate::model::focus::FocalPoint>) -> Result<MediaItem, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::set_focal_point(&state, id, focus).await
}

/// `POST /api/media/set_alt` `{ids, alt_text}` → how many items now have this alt text (the
/// bulk edit bar's "set alt text").
#[server(prefix = "/api", endpoint = "media/set_alt", input = Json)]
pub async fn set_alt_text(ids: Vec<Uuid>, alt_text: String) -> Result<u32, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::set_alt_text(&state, &ids, &alt_text).await
}

/// `POST /api/media/download` `{id}` → `{url, file_name, content_type, size}`: a URL of the
/// original, valid for an hour (what `vitrine export` fetches).
#[server(prefix = "/api", endpoint = "media/download", input = Json)]
pub async fn download_media(id: Uuid) -> Result<crate::model::media::Download, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    let media = state.repo.find_media(id).await?.ok_or_else(|| AppError::NotFound("Media item".into()))?;
    let url =
        state.storage.presign_get(&media.object_key, std::time::Duration::from_secs(3600)).await.map_err(|e| {
            tracing::error!(error = %e, "could not sign a download");
            AppError::Unavailable
        })?;
    Ok(crate::model::media::Download {
        url,
        file_name: media.original_filename,
        content_type: media.content_type.to_string(),
        size: media.size,
    })
}
