//! The upload books, by concern: a batch is validated and signed (`batch`), each file's bytes
//! go straight to the store in one PUT or in parts (`multipart`), a video may bring its poster
//! frame (`poster`), a completion is checked against the store before it is recorded
//! (`complete`), and the sweeper gives up on uploads whose URL expired (`sweeper`).

mod batch;
mod complete;
mod multipart;
mod poster;
mod sniff;
mod sweeper;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use batch::{fail_file, is_sha256, mark_uploading, parse_sha256, retry_file, start_job, validate_batch, ValidFile};
pub use complete::{complete_file, Reported};
pub use multipart::{multipart_progress, record_part, sign_part, sign_parts, unfinished, MAX_PARTS_SIGNED_AT_ONCE};
pub use poster::{sign_poster, VideoFacts, MAX_POSTER_BYTES};
pub use sniff::sniff_mismatch;
pub use sweeper::{run_sweeper, sweep_expired, SweepReport};

use crate::error::AppError;
use crate::model::upload::{FileOutcome, UploadFile};
use crate::server::state::AppState;
use crate::server::storage::StorageError;

/// Who may act on an upload file: the user who started its job, naming the job if they like.
#[derive(Debug, Clone, Copy)]
pub struct Uploader {
    pub user_id: Uuid,
    /// When given, the file must belong to this job.
    pub job_id: Option<Uuid>,
    /// A file request's guest: what it completes goes to this link's inbox.
    pub inbox: Option<Uuid>,
}

impl Uploader {
    /// Anyone's own files, whatever job they are in.
    pub fn user(user_id: Uuid) -> Uploader {
        Uploader { user_id, job_id: None, inbox: None }
    }

    /// The request's person (or file request guest), naming the job if they like.
    pub fn of(user: &crate::model::CurrentUser, job_id: Option<Uuid>) -> Uploader {
        let inbox = match user.credential {
            crate::model::people::Credential::FileRequest(link) => Some(link),
            _ => None,
        };
        Uploader { user_id: user.id, job_id, inbox }
    }
}

/// The file, if `uploader` may act on it; anyone else's file, or another job's, is "not found"
/// (saying more would tell a stranger which ids exist).
async fn owned_file(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<UploadFile, AppError> {
    let file = state.repo.find_upload_file_of(file_id, uploader.user_id).await?.ok_or_else(file_not_found)?;
    if uploader.job_id.is_some_and(|job| job != file.job_id) {
        return Err(file_not_found());
    }
    Ok(file)
}

/// The file and its job as they are (a repeated request answers what the first one did).
async fn current(state: &AppState, file_id: Uuid) -> Result<FileOutcome, AppError> {
    // `mark_file_uploading` changes nothing on a completed file and answers its state.
    Ok(state.repo.mark_file_uploading(file_id).await?.ok_or_else(file_not_found)?.outcome)
}

/// `ttl` from now, on the app's clock.
fn deadline(state: &AppState, ttl: std::time::Duration) -> DateTime<Utc> {
    state.clock.now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1))
}

fn file_not_found() -> AppError {
    AppError::NotFound("The upload file".into())
}

fn already_uploaded() -> AppError {
    AppError::Conflict("This file is already uploaded.".into())
}

fn already_failed(file: &UploadFile) -> AppError {
    AppError::Conflict(format!(
        "\"{}\" was marked failed ({}); retry it to upload again.",
        file.original_filename,
        file.error.as_deref().unwrap_or("no reason given")
    ))
}

fn storage_failed(e: StorageError) -> AppError {
    tracing::error!(error = %e, "store request failed");
    AppError::Unavailable
}
