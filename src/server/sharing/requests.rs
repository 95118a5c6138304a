//! File requests: a share link with "allow uploads" lets someone without an account send files
//! through the same direct-to-bucket uploader. Opening the link's upload page puts the link in
//! the browser's session; the upload endpoints then take that browser as the link's guest (an
//! account no one signs in to, named "from <label>"), which may only send files. What it sends
//! waits in the link's inbox, outside the library and never public, until an editor accepts it
//! (into the link's collection) or rejects it (deleted).

use std::net::IpAddr;

use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::{Credential, Role};
use crate::model::share::{FileRequestLookup, InboxItem, ShareLookup, ShareStatus};
use crate::model::upload::{StartedJob, UploadFileSpec};
use crate::model::CurrentUser;
use crate::server::db::{ShareRecord, UploadQuota};
use crate::server::state::AppState;

/// The session's file request: the link whose guest this browser sends files as.
const REQUEST_KEY: &str = "file_request";
/// Most items one accept or reject may name.
const MAX_IDS: usize = 1000;

fn guest_name(link: &ShareRecord) -> String {
    if link.label.is_empty() {
        "from a share link".to_string()
    } else {
        format!("from {}", link.label)
    }
}

/// The link's guest account, made the first time uploads go through it.
async fn guest_of(state: &AppState, link: &ShareRecord) -> Result<Uuid, AppError> {
    if let Some(guest) = link.guest_user_id {
        return Ok(guest);
    }
    // Nobody signs in to it: its password is random and forgotten, and it is disabled.
    let unusable = super::hash(&super::secrets::Secret::new("").value).await?;
    let email = format!("share-{}@guests.invalid", link.id.simple());
    state
        .repo
        .guest_of_share(link.id, &email, &guest_name(link), &unusable)
        .await?
        .ok_or_else(|| AppError::NotFound("The share link".into()))
}

/// What remains of the link's quotas for its guest: (files, bytes), `None` where unlimited.
async fn left(state: &AppState, link: &ShareRecord, guest: Uuid) -> Result<(Option<u32>, Option<u64>), AppError> {
    let (files, bytes) = state.repo.guest_upload_totals(guest).await?;
    Ok((link.max_files.map(|max| max.saturating_sub(files)), link.max_bytes.map(|max| max.saturating_sub(bytes))))
}

/// `/s/<token>/upload` opened: this browser may send files through the link from now on.
pub async fn open(
    state: &AppState,
    session: &Session,
    client: Option<IpAddr>,
    token: &str,
) -> Result<FileRequestLookup, AppError> {
    let link = match super::active(state, token).await? {
        Ok(link) if link.allow_upload => link,
        Ok(_) | Err(ShareLookup::Gone) => return Ok(FileRequestLookup::Gone),
        Err(_) => return Ok(FileRequestLookup::NotFound),
    };
    if !super::unlock(state, session, client, &link, None).await? {
        return Ok(FileRequestLookup::Locked);
    }
    let guest = guest_of(state, &link).await?;
    session.insert(REQUEST_KEY, link.id).await.map_err(|e| {
        tracing::error!(error = %e, "could not keep a file request in the session");
        AppError::Internal
    })?;
    let collection = state.repo.find_collection(link.collection_id).await?.ok_or(AppError::Internal)?;
    let (files_left, bytes_left) = left(state, &link, guest).await?;
    Ok(FileRequestLookup::Open {
        collection_title: collection.title,
        label: link.label,
        files_left,
        bytes_left,
        expires_at: link.expires_at,
    })
}

/// The guest this browser sends files as, if its session holds a file request that still
/// takes files (checked on every request: an expired or revoked link stops at once).
pub async fn guest(state: &AppState, session: &Session) -> Result<Option<CurrentUser>, AppError> {
    let Ok(Some(link_id)) = session.get::<Uuid>(REQUEST_KEY).await else { return Ok(None) };
    let Some(link) = state.repo.find_share(link_id).await? else { return Ok(None) };
    let status = ShareStatus::of(link.expires_at, link.revoked_at, state.clock.now());
    let works = status == ShareStatus::Active
        && link.allow_upload
        && super::is_unlocked(session, &link).await
        && state.repo.find_share_by_token(&link.token).await?.is_some();
    let (true, Some(guest)) = (works, link.guest_user_id) else { return Ok(None) };
    Ok(Some(CurrentUser {
        id: guest,
        email: String::new(),
        display_name: guest_name(&link),
        role: Role::Viewer,
        credential: Credential::FileRequest(link.id),
    }))
}

/// A guest's batch: within the link's quotas (files and bytes, counting what it sent before),
/// into the inbox, never answered with "the library holds this already" (that would tell a
/// stranger what the library holds).
pub async fn start(
    state: &AppState,
    guest: &CurrentUser,
    link_id: Uuid,
    specs: &[UploadFileSpec],
) -> Result<StartedJob, AppError> {
    let link = state.repo.find_share(link_id).await?.ok_or(AppError::Forbidden)?;
    let (files_left, bytes_left) = left(state, &link, guest.id).await?;
    if files_left.is_some_and(|n| specs.len() as u64 > u64::from(n)) {
        return Err(AppError::invalid(format!(
            "This link takes {} more file{}; choose fewer.",
            files_left.unwrap_or(0),
            if files_left == Some(1) { "" } else { "s" }
        )));
    }
    let bytes = specs.iter().fold(0u64, |sum, s| sum.saturating_add(s.size));
    if let Some(n) = bytes_left.filter(|n| bytes > *n) {
        return Err(AppError::invalid(format!(
            "This link takes {} more; these files are {}.",
            humansize::format_size(n, humansize::DECIMAL),
            humansize::format_size(bytes, humansize::DECIMAL)
        )));
    }
    let specs: Vec<UploadFileSpec> =
        specs.iter().cloned().map(|spec| UploadFileSpec { sha256: None, allow_duplicate: true, ..spec }).collect();
    let quota = UploadQuota { share_id: link.id, max_files: link.max_files, max_bytes: link.max_bytes };
    crate::server::uploads::start_job(state, guest.id, &specs, None, Some(quota)).await
}

/// The inbox of a collection's links (every collection's for `None`), oldest first.
pub async fn inbox(state: &AppState, collection_id: Option<Uuid>) -> Result<Vec<InboxItem>, AppError> {
    let records = state.repo.inbox(collection_id).await?;
    Ok(records
        .into_iter()
        .map(|r| InboxItem {
            item: crate::server::media::media_item(state, r.media),
            share_label: if r.share_label.is_empty() {
                "from a share link".into()
            } else {
                format!("from {}", r.share_label)
            },
            share_id: r.share_id,
            collection_id: r.collection_id,
            received_at: r.received_at,
        })
        .collect())
}

fn check_ids(ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(AppError::invalid(format!("Name 1 to {MAX_IDS} items.")));
    }
    Ok(())
}

/// Into the library and the link's collection; the ids accepted.
pub async fn accept(state: &AppState, ids: &[Uuid]) -> Result<Vec<Uuid>, AppError> {
    check_ids(ids)?;
    Ok(state.repo.accept_inbox(ids).await?)
}

/// Deleted for good, objects first; the ids rejected.
pub async fn reject(state: &AppState, ids: &[Uuid]) -> Result<Vec<Uuid>, AppError> {
    check_ids(ids)?;
    let waiting = state.repo.inbox_media(ids).await?;
    crate::server::media::trash::delete_for_good(state, waiting).await
}
