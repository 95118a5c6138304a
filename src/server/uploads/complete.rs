//! A completion: the object is checked against what was announced (size, type, ETag, first
//! bytes) before anything is recorded; then file, media row and job counters change in one
//! transaction. Repeating it (or racing it) changes nothing and answers the same. Content hashed
//! while it was sent and found in the library already makes no second item: the file points at
//! the item holding it (`duplicate_of`) and its object is deleted.

use uuid::Uuid;

use super::multipart::join_parts;
use super::poster::{video_facts, VideoFacts};
use super::sniff::{sniff_mismatch, SNIFF_BYTES};
use super::{already_failed, current, file_not_found, owned_file, storage_failed, Uploader};
use crate::error::AppError;
use crate::model::upload::{FileOutcome, UploadFile, UploadFileStatus};
use crate::server::db::{NewMedia, Transition};
use crate::server::media::rendition::{self, RenditionError};
use crate::server::state::AppState;
use crate::server::storage::{same_etag, ObjectHead};

/// Enough of an image's first bytes to hold its dimensions in every common format (JPEG
/// headers can carry large EXIF blocks before the size).
const HEADER_PREFIX_BYTES: u64 = 256 * 1024;

/// What an uploader reports with a completion; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Reported {
    /// The ETag the store gave for a single PUT.
    pub etag: Option<String>,
    pub thumbhash: Option<String>,
    /// The content's SHA-256, computed while sending, for a file started without one.
    pub sha256: Option<String>,
    pub video: VideoFacts,
}

pub async fn complete_file(
    state: &AppState,
    file_id: Uuid,
    reported: Reported,
    uploader: Uploader,
) -> Result<FileOutcome, AppError> {
    let Reported { etag, thumbhash, sha256, video } = reported;
    let etag = etag.as_deref();
    let file = owned_file(state, file_id, uploader).await?;
    match file.status {
        UploadFileStatus::Completed => return current(state, file_id).await,
        UploadFileStatus::Failed => return Err(already_failed(&file)),
        UploadFileStatus::Pending | UploadFileStatus::Uploading => {}
    }
    if file.part_size.is_some() {
        join_parts(state, &file).await?;
    }
    // One Range GET: the object's size, type and ETag to check against what was announced, and
    // its first bytes, which must be of the declared type (and give an image its dimensions).
    let prefix_len = if file.content_type.is_image() { HEADER_PREFIX_BYTES } else { SNIFF_BYTES };
    let peeked = state.storage.peek(&file.object_key, prefix_len).await.map_err(storage_failed)?;
    let etag = check_stored_object(&file, peeked.as_ref().map(|(head, _)| head), etag)?;
    let prefix = peeked.map(|(_, prefix)| prefix).unwrap_or_default();
    if let Some(found) = sniff_mismatch(&file.content_type, &prefix) {
        return Err(refuse_content(state, &file, &found).await);
    }
    let mut media = NewMedia::new(Uuid::new_v4());
    media.thumbhash = thumbhash;
    // A guest's hash is not looked up: "the library holds this" would tell a stranger what it
    // holds. Its item waits in the link's inbox.
    media.sha256 = sha256.filter(|_| uploader.inbox.is_none());
    media.inbox = uploader.inbox;
    if file.content_type.is_image() {
        // Width and height from the first bytes of the object, never the whole file.
        if let Some((w, h)) = crate::server::images::dimensions_from_prefix(&prefix) {
            media.width = Some(w);
            media.height = Some(h);
        }
        // Date taken, camera, exposure, position: from the same bytes.
        if let Some((facts, taken_at)) = crate::server::media::exif::read_photo_facts(&prefix, state.clock.now()) {
            // Orientations 5 to 8 turn the picture a quarter: it is shown (and sized) upright.
            if facts.orientation.is_some_and(|o| o >= 5) {
                std::mem::swap(&mut media.width, &mut media.height);
            }
            media.taken_at = taken_at;
            media.photo = (!facts.is_empty()).then_some(facts);
        }
    }
    if file.content_type.needs_display_rendition() {
        // A HEIC, AVIF or TIFF is shown through a rendition made now; one this server cannot
        // read is refused rather than kept as a broken picture.
        match rendition::make(state, &file.object_key, file.size).await {
            Ok(rendition) => {
                media.width = Some(rendition.width);
                media.height = Some(rendition.height);
                media.thumbhash = media.thumbhash.or(Some(rendition.thumbhash));
                media.display_key = Some(rendition.key);
            }
            Err(RenditionError::Unreadable(why)) => {
                let reason = format!("It cannot be shown: {why}. It was deleted.");
                return Err(refuse(state, &file, reason).await);
            }
            Err(RenditionError::Store(e)) => {
                tracing::error!(error = %e, key = %file.object_key, "could not store a display rendition");
                return Err(AppError::Unavailable);
            }
        }
    }
    if file.content_type.is_video() {
        video_facts(state, &file, video, &mut media).await;
    }
    record(state, &file, etag.as_deref(), &media).await
}

async fn record(
    state: &AppState,
    file: &UploadFile,
    etag: Option<&str>,
    media: &NewMedia,
) -> Result<FileOutcome, AppError> {
    let Transition { outcome, changed } =
        state.repo.complete_upload_file(file.id, etag, media).await?.ok_or_else(file_not_found)?;
    if outcome.file.status == UploadFileStatus::Failed {
        // The sweeper or a `fail` got there first.
        return Err(already_failed(&outcome.file));
    }
    if let Some(held) = outcome.file.duplicate_of.filter(|_| changed) {
        // The library holds this content already: the second copy goes. Should this fail, the
        // object is an orphan that `vitrine check --repair` removes.
        tracing::info!(key = %file.object_key, %held, "completed upload is a copy of an item: its object is deleted");
        for key in std::iter::once(&file.object_key).chain(&media.poster_key).chain(&media.display_key) {
            if let Err(e) = state.storage.delete(key).await {
                tracing::error!(error = %e, %key, "could not delete the object of a copy");
            }
        }
        return Ok(outcome);
    }
    if state.uploads.transcode && file.content_type.is_video() {
        if let Some(media_id) = outcome.file.media_id {
            // Queued once (a repeated completion finds it there); the worker takes it from here.
            state.repo.enqueue_transcode(media_id).await?;
        }
    }
    Ok(outcome)
}

/// A file whose bytes are not what it claimed: failed with the reason, and its object deleted.
async fn refuse_content(state: &AppState, file: &UploadFile, found: &str) -> AppError {
    let found = if found.contains('/') { format!("look like {found}") } else { format!("are {found}") };
    let reason = format!("The content is not {}: its first bytes {found}. It was deleted.", file.content_type);
    refuse(state, file, reason).await
}

/// A file refused for `reason`: failed, and its object deleted. The failure is recorded first
/// (a guarded transition), so a file is never both deleted and completed, whichever request
/// gets there first.
async fn refuse(state: &AppState, file: &UploadFile, reason: String) -> AppError {
    tracing::warn!(key = %file.object_key, declared = %file.content_type, %reason, "upload refused");
    match state.repo.fail_upload_file(file.id, &reason).await {
        Ok(Some(Transition { changed: true, .. })) => {
            if let Err(e) = state.storage.delete(&file.object_key).await {
                tracing::error!(error = %e, key = %file.object_key, "could not delete a refused object");
            }
        }
        Ok(_) => {}
        Err(e) => return e.into(),
    }
    AppError::invalid(format!("\"{}\": {reason}", file.original_filename))
}

/// Is the object at the file's key what was announced? Returns the store's ETag.
fn check_stored_object(
    file: &UploadFile,
    head: Option<&ObjectHead>,
    etag: Option<&str>,
) -> Result<Option<String>, AppError> {
    let name = &file.original_filename;
    let Some(head) = head else {
        return Err(AppError::Conflict(format!(
            "\"{name}\" has not arrived in storage: nothing is stored for it yet."
        )));
    };
    if head.size != file.size {
        return Err(AppError::Conflict(format!(
            "\"{name}\": the stored object is {} bytes, but {} were announced.",
            head.size, file.size
        )));
    }
    if head.content_type.as_ref() != Some(&file.content_type) {
        return Err(AppError::Conflict(format!(
            "\"{name}\": the stored object is not of the announced type {}.",
            file.content_type
        )));
    }
    if let (Some(claimed), Some(stored)) = (etag, head.etag.as_deref()) {
        if !same_etag(claimed, stored) {
            return Err(AppError::Conflict(format!("\"{name}\": the ETag does not match the stored object.")));
        }
    }
    Ok(head.etag.clone())
}
