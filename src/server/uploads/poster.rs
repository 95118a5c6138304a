//! A video's poster frame: a JPEG the browser drew from the video and PUT beside it. The
//! server keeps it only if it really is a JPEG of the size it signed.

use uuid::Uuid;

use super::sniff::{sniff_mismatch, SNIFF_BYTES};
use super::{already_uploaded, owned_file, storage_failed, Uploader};
use crate::error::AppError;
use crate::model::upload::{PresignedRequest, UploadFile, UploadFileStatus};
use crate::model::ContentType;
use crate::server::db::NewMedia;
use crate::server::state::AppState;

/// Largest poster frame accepted (a JPEG of a frame at display size is ~100-300 KB).
pub const MAX_POSTER_BYTES: u64 = 2 * 1024 * 1024;

/// Longest video whose duration is believed (48 hours).
const MAX_DURATION_MS: u64 = 1000 * 3600 * 48;
/// Largest side a video's dimensions may claim.
const MAX_SIDE: u32 = 16_384;

/// A PUT for a video's poster frame, `size` bytes.
pub async fn sign_poster(
    state: &AppState,
    file_id: Uuid,
    size: u64,
    uploader: Uploader,
) -> Result<PresignedRequest, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    if !file.content_type.is_video() {
        return Err(AppError::invalid("Only videos have a poster frame."));
    }
    if file.status == UploadFileStatus::Completed {
        return Err(already_uploaded());
    }
    if size == 0 || size > MAX_POSTER_BYTES {
        return Err(AppError::invalid(format!("A poster frame must be 1 to {MAX_POSTER_BYTES} bytes.")));
    }
    state
        .storage
        .presign_put(&file.object_key.poster(), &ContentType::jpeg(), size, state.uploads.url_ttl)
        .await
        .map_err(storage_failed)
}

/// What the browser read from a video: its size, its length, and whether it sent a poster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VideoFacts {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
    pub poster: bool,
}

/// The facts kept for a completed video: plausible dimensions and duration, and the poster if
/// it really is in the store as a JPEG.
pub(super) async fn video_facts(state: &AppState, file: &UploadFile, facts: VideoFacts, media: &mut NewMedia) {
    let side = |v: Option<u32>| v.filter(|v| (1..=MAX_SIDE).contains(v));
    media.width = side(facts.width);
    media.height = side(facts.height);
    media.duration_ms = facts.duration_ms.filter(|d| *d <= MAX_DURATION_MS);
    if !facts.poster {
        return;
    }
    let key = file.object_key.poster();
    let (head, poster) = match state.storage.peek(&key, SNIFF_BYTES).await {
        Ok(Some(peeked)) => peeked,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, %key, "could not check a poster frame");
            return;
        }
    };
    if head.size <= MAX_POSTER_BYTES && sniff_mismatch(&ContentType::jpeg(), &poster).is_none() {
        media.poster_key = Some(key);
    } else {
        tracing::warn!(%key, "a poster frame that is not a JPEG of the signed size was ignored");
        let _ = state.storage.delete(&key).await;
    }
}
