//! `/api/trash/*`: what was deleted, restored or deleted for good.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::trash::{TrashContents, TrashSelection};

/// `POST /api/trash/list` `{}` → `{media, collections, retention_days}`, most recently deleted
/// first.
#[server(prefix = "/api", endpoint = "trash/list", input = Json)]
pub async fn list_trash() -> Result<TrashContents, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::trash::list(&state).await
}

/// `POST /api/trash/restore` `{media: [ids], collections: [ids]}` → the ids restored: items come
/// back in their collections at their places, collections with their items, order and cover.
#[server(prefix = "/api", endpoint = "trash/restore", input = Json)]
pub async fn restore_trash(
    #[server(default)] media: Vec<uuid::Uuid>,
    #[server(default)] collections: Vec<uuid::Uuid>,
) -> Result<TrashSelection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::trash::restore(&state, &TrashSelection { media, collections }).await
}

/// `POST /api/trash/purge` `{media: [ids], collections: [ids]}` or `{all: true}` → the ids
/// deleted for good: objects, variants and renditions from the store, then the rows. Only what
/// is in the trash can be purged.
#[server(prefix = "/api", endpoint = "trash/purge", input = Json)]
pub async fn purge_trash(
    #[server(default)] media: Vec<uuid::Uuid>,
    #[server(default)] collections: Vec<uuid::Uuid>,
    #[server(default)] all: bool,
) -> Result<TrashSelection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    let selection = TrashSelection { media, collections };
    match (all, selection.is_empty()) {
        (true, true) => crate::server::media::trash::purge(&state, None).await,
        (true, false) => Err(AppError::invalid("Give either ids or \"all\", not both.")),
        (false, _) => crate::server::media::trash::purge(&state, Some(&selection)).await,
    }
}
