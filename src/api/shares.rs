//! `/api/shares/*`: private links to a collection, made and managed by editors; and opening
//! one, which anyone holding the link may do.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::share::{FileRequestLookup, InboxItem, ShareLink, ShareLookup, ShareSettings};

/// `POST /api/shares/create` `{collection_id, label?, expires_at?, password?, allow_download?,
/// allow_upload?, max_files?, max_bytes?}` → the link, with its `url`.
#[server(prefix = "/api", endpoint = "shares/create", input = Json)]
pub async fn create_share(
    collection_id: Uuid,
    #[server(flatten)] settings: ShareSettings,
) -> Result<ShareLink, AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::sharing::create(&state, collection_id, &settings, user.id).await
}

/// `POST /api/shares/list` `{collection_id}` → the collection's links, oldest first, revoked
/// ones included.
#[server(prefix = "/api", endpoint = "shares/list", input = Json)]
pub async fn list_shares(collection_id: Uuid) -> Result<Vec<ShareLink>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::list(&state, collection_id).await
}

/// `POST /api/shares/update` `{id, label?, expires_at?, password?, remove_password?,
/// allow_download?, allow_upload?, max_files?, max_bytes?}` → the link. Every setting is
/// replaced, except that a missing `password` keeps the current one.
#[server(prefix = "/api", endpoint = "shares/update", input = Json)]
pub async fn update_share(id: Uuid, #[server(flatten)] settings: ShareSettings) -> Result<ShareLink, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::update(&state, id, &settings).await
}

/// `POST /api/shares/revoke` `{id}` → the link, revoked: its page stops at once, its image URLs
/// when their signatures run out (at most the library's window).
#[server(prefix = "/api", endpoint = "shares/revoke", input = Json)]
pub async fn revoke_share(id: Uuid) -> Result<ShareLink, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::revoke(&state, id).await
}

/// `POST /api/shares/open` `{token, password?}` → what the link shows: the collection, a
/// password prompt, gone (expired or revoked) or nothing. A right password unlocks the link for
/// this browser's session.
#[server(prefix = "/api", endpoint = "shares/open", input = Json)]
pub async fn open_share(token: String, #[server(default)] password: Option<String>) -> Result<ShareLookup, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let session = crate::server::people::session::current_session().await?;
    let (client, _agent) = crate::server::people::session::request_client().await;
    crate::server::sharing::open(&state, &session, client, &token, password).await
}

/// `POST /api/shares/request` `{token}` → a file request's page: open (this browser may now send
/// files through `/api/uploads/*`, into the link's inbox), a password needed, gone or nothing.
#[server(prefix = "/api", endpoint = "shares/request", input = Json)]
pub async fn open_file_request(token: String) -> Result<FileRequestLookup, AppError> {
    let state = crate::server::state::AppState::from_context()?;
    let session = crate::server::people::session::current_session().await?;
    let (client, _agent) = crate::server::people::session::request_client().await;
    crate::server::sharing::requests::open(&state, &session, client, &token).await
}

/// `POST /api/shares/inbox` `{collection_id?}` → what file requests brought, waiting for review,
/// oldest first (every collection's without `collection_id`).
#[server(prefix = "/api", endpoint = "shares/inbox", input = Json)]
pub async fn share_inbox(#[server(default)] collection_id: Option<Uuid>) -> Result<Vec<InboxItem>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::requests::inbox(&state, collection_id).await
}

/// `POST /api/shares/accept` `{media_ids}` → the ids taken into the library, each appended to
/// its link's collection.
#[server(prefix = "/api", endpoint = "shares/accept", input = Json)]
pub async fn accept_inbox(media_ids: Vec<Uuid>) -> Result<Vec<Uuid>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::requests::accept(&state, &media_ids).await
}

/// `POST /api/shares/reject` `{media_ids}` → the ids deleted for good (objects and rows).
#[server(prefix = "/api", endpoint = "shares/reject", input = Json)]
pub async fn reject_inbox(media_ids: Vec<Uuid>) -> Result<Vec<Uuid>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::sharing::requests::reject(&state, &media_ids).await
}
