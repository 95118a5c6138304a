//! The upload books: validating a batch, choosing keys, verifying completions against the
//! store, and the sweeper that gives up on uploads whose URL expired.

use chrono::Utc;
use tokio::sync::watch;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::upload::{
    part_size_for, FileName, FileOutcome, MultipartProgress, StartedFile, StartedJob, UploadFile, UploadFileSpec, UploadFileStatus,
    UploadPart,
};
use crate::server::config::UploadConfig;
use crate::server::naming::object_key;
use crate::server::db::{NewMedia, NewMultipart, NewUploadFile, NewUploadJob, Transition};
use crate::server::state::AppState;
use crate::server::storage::{same_etag, ObjectHead, StorageError};

/// A file of a batch that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFile {
    pub name: FileName,
    pub size: u64,
    pub content_type: String,
    pub last_modified: Option<i64>,
    pub fingerprint: Option<String>,
}

/// Checks a whole batch; the first bad file refuses it, with its name and the reason.
pub fn validate_batch(specs: &[UploadFileSpec], config: &UploadConfig) -> Result<Vec<ValidFile>, AppError> {
    if specs.is_empty() {
        return Err(AppError::invalid("The batch has no files."));
    }
    if specs.len() > config.max_files {
        return Err(AppError::invalid(format!(
            "The batch has {} files; at most {} can be uploaded at once.",
            specs.len(),
            config.max_files
        )));
    }
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let shown = display_name(&spec.name, i);
            let name = FileName::parse(&spec.name).map_err(|reason| AppError::invalid(format!("{shown}: {reason}.")))?;
            let content_type = spec.content_type.trim().to_ascii_lowercase();
            if !config.allowed_types.iter().any(|t| *t == content_type) {
                return Err(AppError::invalid(format!(
                    "{shown}: the type \"{}\" is not accepted (accepted: {}).",
                    spec.content_type.chars().take(100).collect::<String>(),
                    config.allowed_types.join(", ")
                )));
            }
            if spec.size == 0 {
                return Err(AppError::invalid(format!("{shown}: the file is empty.")));
            }
            if spec.size > config.max_bytes {
                return Err(AppError::invalid(format!(
                    "{shown}: the file is {} bytes; the largest accepted is {} bytes.",
                    spec.size, config.max_bytes
                )));
            }
            let fingerprint = match spec.fingerprint.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
                Some(f) if f.len() <= 128 && f.bytes().all(|b| b.is_ascii_hexdigit()) => Some(f.to_ascii_lowercase()),
                Some(_) => return Err(AppError::invalid(format!("{shown}: the fingerprint must be at most 128 hex digits."))),
                None => None,
            };
            Ok(ValidFile { name, size: spec.size, content_type, last_modified: spec.last_modified, fingerprint })
        })
        .collect()
}

/// A name safe to echo in an error message, even when the name itself is the problem.
fn display_name(raw: &str, index: usize) -> String {
    let printable: String = raw.chars().filter(|c| !c.is_control()).take(80).collect();
    if printable.trim().is_empty() {
        format!("File {}", index + 1)
    } else {
        format!("\"{printable}\"")
    }
}

/// Creates the job and signs one PUT per file.
pub async fn start_job(
    state: &AppState,
    user_id: Uuid,
    specs: &[UploadFileSpec],
    collection_id: Option<Uuid>,
) -> Result<StartedJob, AppError> {
    let files = validate_batch(specs, &state.uploads)?;
    if let Some(collection_id) = collection_id {
        if !state.repo.collection_exists(collection_id).await? {
            return Err(AppError::NotFound("The collection".into()));
        }
    }
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(state.uploads.url_ttl).unwrap_or(chrono::Duration::hours(1));
    let abandon_at = now + chrono::Duration::from_std(state.uploads.multipart_abandon).unwrap_or(chrono::Duration::hours(24));
    let mut new_files = Vec::with_capacity(files.len());
    let mut uploads = Vec::with_capacity(files.len());
    // Sign every URL (and start every multipart upload) before writing anything: a store
    // problem then leaves no job behind, only multipart uploads that are aborted here.
    for f in &files {
        let id = Uuid::new_v4();
        let key = object_key(id, f.name.as_str());
        let (multipart, upload, deadline) = if f.size >= state.uploads.multipart_threshold {
            match state.storage.create_multipart(&key, &f.content_type).await {
                Ok(upload_id) => {
                    (Some(NewMultipart { upload_id, part_size: part_size_for(f.size) }), None, abandon_at)
                }
                Err(e) => {
                    abort_started(state, &new_files).await;
                    return Err(storage_failed(e));
                }
            }
        } else {
            match state.storage.presign_put(&key, &f.content_type, f.size, state.uploads.url_ttl).await {
                Ok(upload) => (None, Some(upload), expires_at),
                Err(e) => {
                    abort_started(state, &new_files).await;
                    return Err(storage_failed(e));
                }
            }
        };
        new_files.push(NewUploadFile {
            id,
            object_key: key,
            original_filename: f.name.as_str().to_string(),
            size: f.size,
            content_type: f.content_type.clone(),
            url_expires_at: deadline,
            multipart,
            last_modified: f.last_modified,
            fingerprint: f.fingerprint.clone(),
        });
        uploads.push(upload);
    }
    let new_job = NewUploadJob { id: Uuid::new_v4(), created_by: Some(user_id), collection_id, files: new_files };
    let created = match state.repo.create_upload_job(&new_job).await {
        Ok(created) => created,
        Err(e) => {
            abort_started(state, &new_job.files).await;
            return Err(e.into());
        }
    };
    let files = created.files.into_iter().zip(uploads).map(|(file, upload)| StartedFile { file, upload }).collect();
    Ok(StartedJob { job: created.job, files })
}

/// Aborts the multipart uploads a batch that could not be written had started.
async fn abort_started(state: &AppState, files: &[NewUploadFile]) {
    for file in files {
        if let Some(m) = &file.multipart {
            if let Err(e) = state.storage.abort_multipart(&file.object_key, &m.upload_id).await {
                tracing::warn!(error = %e, key = %file.object_key, "could not abort a multipart upload of a refused batch");
            }
        }
    }
}

async fn presign(state: &AppState, file: &UploadFile) -> Result<crate::model::upload::PresignedRequest, AppError> {
    state
        .storage
        .presign_put(&file.object_key, &file.content_type, file.size, state.uploads.url_ttl)
        .await
        .map_err(storage_failed)
}

/// Who may act on an upload file: the user who started its job, naming the job if they like.
#[derive(Debug, Clone, Copy)]
pub struct Uploader {
    pub user_id: Uuid,
    /// When given, the file must belong to this job.
    pub job_id: Option<Uuid>,
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

/// A fresh upload URL (or multipart upload) for a file that is not completed (after a failure,
/// a cancel, or expiry).
pub async fn retry_file(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<StartedFile, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    if file.status == UploadFileStatus::Completed {
        return Err(AppError::Conflict("This file is already uploaded.".into()));
    }
    // A fresh key: whatever a sweeper or an earlier attempt does to the old one (deleting an
    // orphan, a late PUT landing) cannot touch the new upload.
    let key = object_key(Uuid::new_v4(), &file.original_filename);
    let (upload_id, ttl) = if file.part_size.is_some() {
        if let Some(old) = &file.multipart_upload_id {
            let _ = state.storage.abort_multipart(&file.object_key, old).await;
        }
        let upload_id = state.storage.create_multipart(&key, &file.content_type).await.map_err(storage_failed)?;
        (Some(upload_id), state.uploads.multipart_abandon)
    } else {
        (None, state.uploads.url_ttl)
    };
    let expires_at = Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::hours(1));
    let transition =
        state.repo.reopen_upload_file(file_id, &key, upload_id.as_deref(), expires_at).await?.ok_or_else(file_not_found)?;
    let file = transition.outcome.file;
    if file.status == UploadFileStatus::Completed {
        return Err(AppError::Conflict("This file is already uploaded.".into()));
    }
    if !transition.changed {
        // Its state moved under us (a completion or the sweeper); the caller can look again.
        return Err(AppError::Conflict("This file changed while being retried; try again.".into()));
    }
    let upload = if file.part_size.is_some() { None } else { Some(presign(state, &file).await?) };
    Ok(StartedFile { file, upload })
}

pub async fn mark_uploading(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<FileOutcome, AppError> {
    owned_file(state, file_id, uploader).await?;
    let transition = state.repo.mark_file_uploading(file_id).await?.ok_or_else(file_not_found)?;
    Ok(transition.outcome)
}

/// Verifies the object against what was promised, then records the completion. Repeating it
/// (or racing it) changes nothing and answers the same.
pub async fn complete_file(
    state: &AppState,
    file_id: Uuid,
    etag: Option<&str>,
    thumbhash: Option<String>,
    video: VideoFacts,
    uploader: Uploader,
) -> Result<FileOutcome, AppError> {
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
    let peeked = state.storage.peek(&file.object_key, prefix_len(&file.content_type)).await.map_err(storage_failed)?;
    let etag = check_stored_object(&file, peeked.as_ref().map(|(head, _)| head), etag)?;
    let prefix = peeked.map(|(_, prefix)| prefix).unwrap_or_default();
    if let Some(found) = sniff_mismatch(&file.content_type, &prefix) {
        return Err(refuse_content(state, &file, &found).await);
    }
    record_completion(state, &file, etag.as_deref(), thumbhash, video, &prefix).await
}

/// Largest poster frame accepted (a JPEG of a frame at display size is ~100-300 KB).
pub const MAX_POSTER_BYTES: u64 = 2 * 1024 * 1024;

/// Where a video's poster frame is kept: beside the video.
pub fn poster_key(object_key: &str) -> String {
    format!("{object_key}.poster.jpg")
}

/// A PUT for a video's poster frame (a JPEG the browser drew from the video), `size` bytes.
pub async fn sign_poster(
    state: &AppState,
    file_id: Uuid,
    size: u64,
    uploader: Uploader,
) -> Result<crate::model::upload::PresignedRequest, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    if !file.content_type.starts_with("video/") {
        return Err(AppError::invalid("Only videos have a poster frame."));
    }
    if file.status == UploadFileStatus::Completed {
        return Err(AppError::Conflict("This file is already uploaded.".into()));
    }
    if size == 0 || size > MAX_POSTER_BYTES {
        return Err(AppError::invalid(format!("A poster frame must be 1 to {MAX_POSTER_BYTES} bytes.")));
    }
    state
        .storage
        .presign_put(&poster_key(&file.object_key), "image/jpeg", size, state.uploads.url_ttl)
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
async fn video_facts(state: &AppState, file: &UploadFile, facts: VideoFacts, media: &mut NewMedia) {
    let side = |v: Option<u32>| v.filter(|v| (1..=16_384).contains(v));
    media.width = side(facts.width);
    media.height = side(facts.height);
    media.duration_ms = facts.duration_ms.filter(|d| *d <= 1000 * 3600 * 48);
    if !facts.poster {
        return;
    }
    let key = poster_key(&file.object_key);
    let (head, poster) = match state.storage.peek(&key, SNIFF_BYTES).await {
        Ok(Some(peeked)) => peeked,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, %key, "could not check a poster frame");
            return;
        }
    };
    match head.size <= MAX_POSTER_BYTES && sniff_mismatch("image/jpeg", &poster).is_none() {
        true => media.poster_key = Some(key),
        false => {
            tracing::warn!(%key, "a poster frame that is not a JPEG of the signed size was ignored");
            let _ = state.storage.delete(&key).await;
        }
    }
}

/// How much of an object completion reads: enough for an image's dimensions, a few KiB else.
fn prefix_len(content_type: &str) -> u64 {
    if content_type.starts_with("image/") { HEADER_PREFIX_BYTES } else { SNIFF_BYTES }
}

const SNIFF_BYTES: u64 = 8 * 1024;

/// `None` when the first bytes are of the declared type; otherwise what they look like.
/// ISO media files (MP4, QuickTime; HEIF, AVIF) share one container and are told apart by
/// brand, which tools write loosely, so each family counts as one type.
pub fn sniff_mismatch(declared: &str, prefix: &[u8]) -> Option<String> {
    const ISO_VIDEO: &[&str] = &["video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp"];
    const ISO_IMAGE: &[&str] = &["image/heif", "image/heic", "image/avif"];
    const OGG: &[&str] = &["video/ogg", "audio/ogg", "audio/x-ogg"];
    let sniffed = infer::get(prefix).map(|kind| kind.mime_type());
    let same = |found: &str| {
        found == declared || [ISO_VIDEO, ISO_IMAGE, OGG].iter().any(|family| family.contains(&found) && family.contains(&declared))
    };
    match sniffed {
        Some(found) if same(found) => None,
        Some(found) => Some(found.to_string()),
        None => Some("of no type we recognise".to_string()),
    }
}

/// A file whose bytes are not what it claimed: failed with the reason, and its object deleted.
/// The failure is recorded first (a guarded transition), so a file is never both deleted and
/// completed, whichever request gets there first.
async fn refuse_content(state: &AppState, file: &UploadFile, found: &str) -> AppError {
    let found = if found.contains('/') { format!("look like {found}") } else { format!("are {found}") };
    let reason = format!("The content is not {}: its first bytes {found}. It was deleted.", file.content_type);
    tracing::warn!(key = %file.object_key, declared = %file.content_type, %found, "upload content does not match its type");
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
fn check_stored_object(file: &UploadFile, head: Option<&ObjectHead>, etag: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(head) = head else {
        return Err(AppError::Conflict(format!(
            "\"{}\" has not arrived in storage: nothing is stored for it yet.",
            file.original_filename
        )));
    };
    if head.size != file.size {
        return Err(AppError::Conflict(format!(
            "\"{}\": the stored object is {} bytes, but {} were announced.",
            file.original_filename, head.size, file.size
        )));
    }
    if head.content_type.as_deref().map(str::to_ascii_lowercase).as_deref() != Some(file.content_type.as_str()) {
        return Err(AppError::Conflict(format!(
            "\"{}\": the stored object is not of the announced type {}.",
            file.original_filename, file.content_type
        )));
    }
    if let (Some(claimed), Some(stored)) = (etag, head.etag.as_deref()) {
        if !same_etag(claimed, stored) {
            return Err(AppError::Conflict(format!(
                "\"{}\": the ETag does not match the stored object.",
                file.original_filename
            )));
        }
    }
    Ok(head.etag.clone())
}

/// Enough of an image's first bytes to hold its dimensions in every common format (JPEG
/// headers can carry large EXIF blocks before the size).
const HEADER_PREFIX_BYTES: u64 = 256 * 1024;

/// The media row for a completed file: for an image, its width and height read from the first
/// bytes of the object, never the whole file.
fn new_media(file: &UploadFile, prefix: &[u8]) -> NewMedia {
    let mut media = NewMedia { id: Uuid::new_v4(), width: None, height: None, thumbhash: None, poster_key: None, duration_ms: None };
    if file.content_type.starts_with("image/") {
        if let Some((w, h)) = crate::server::images::dimensions_from_prefix(prefix) {
            media.width = Some(w);
            media.height = Some(h);
        }
    }
    media
}

async fn record_completion(
    state: &AppState,
    file: &UploadFile,
    etag: Option<&str>,
    thumbhash: Option<String>,
    video: VideoFacts,
    prefix: &[u8],
) -> Result<FileOutcome, AppError> {
    let mut media = new_media(file, prefix);
    media.thumbhash = thumbhash;
    if file.content_type.starts_with("video/") {
        video_facts(state, file, video, &mut media).await;
    }
    let Transition { outcome, .. } =
        state.repo.complete_upload_file(file.id, etag, &media).await?.ok_or_else(file_not_found)?;
    if outcome.file.status == UploadFileStatus::Failed {
        // The sweeper or a `fail` got there first.
        return Err(already_failed(&outcome.file));
    }
    if state.uploads.transcode && file.content_type.starts_with("video/") {
        if let Some(media_id) = outcome.file.media_id {
            // Queued once (a repeated completion finds it there); the worker takes it from here.
            state.repo.enqueue_transcode(media_id).await?;
        }
    }
    Ok(outcome)
}

/// The browser gave up on a file (an error, or the user cancelled). A multipart upload is
/// aborted in the store, so no parts are left behind.
pub async fn fail_file(state: &AppState, file_id: Uuid, reason: &str, uploader: Uploader) -> Result<FileOutcome, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    let reason = clean_reason(reason);
    let transition = state.repo.fail_upload_file(file_id, &reason).await?.ok_or_else(file_not_found)?;
    if transition.outcome.file.status == UploadFileStatus::Completed {
        return Err(AppError::Conflict("This file is already uploaded; it cannot fail now.".into()));
    }
    if let (true, Some(upload_id)) = (transition.changed, &file.multipart_upload_id) {
        state.storage.abort_multipart(&file.object_key, upload_id).await.map_err(storage_failed)?;
    }
    Ok(transition.outcome)
}

// --- multipart uploads ---

/// The file, if it is an open multipart upload `uploader` may act on.
async fn open_multipart(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<(UploadFile, String), AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    let Some(upload_id) = file.multipart_upload_id.clone().filter(|_| file.part_size.is_some()) else {
        return Err(AppError::invalid("This file is uploaded in one request, not in parts."));
    };
    match file.status {
        UploadFileStatus::Completed => Err(AppError::Conflict("This file is already uploaded.".into())),
        UploadFileStatus::Failed => Err(already_failed(&file)),
        UploadFileStatus::Pending | UploadFileStatus::Uploading => Ok((file, upload_id)),
    }
}

fn part_len(file: &UploadFile, part_number: u32) -> Result<u64, AppError> {
    file.part_len(part_number).ok_or_else(|| {
        AppError::invalid(format!("Part {part_number} does not exist: this file has parts 1 to {}.", file.part_count().unwrap_or(0)))
    })
}

/// Activity keeps a multipart upload from being swept as abandoned.
async fn keep_alive(state: &AppState, file: &UploadFile) -> Result<(), AppError> {
    let until = Utc::now() + chrono::Duration::from_std(state.uploads.multipart_abandon).unwrap_or(chrono::Duration::hours(24));
    Ok(state.repo.extend_upload_file(file.id, until).await?)
}

/// A PUT URL for one part, signed just before it is sent, with a short expiry; asking again
/// after it expired gives a new one.
pub async fn sign_part(
    state: &AppState,
    file_id: Uuid,
    part_number: u32,
    uploader: Uploader,
) -> Result<crate::model::upload::PresignedRequest, AppError> {
    let (file, upload_id) = open_multipart(state, file_id, uploader).await?;
    let len = part_len(&file, part_number)?;
    state.repo.mark_file_uploading(file.id).await?;
    keep_alive(state, &file).await?;
    state
        .storage
        .presign_part(&file.object_key, &upload_id, part_number, len, state.uploads.part_url_ttl)
        .await
        .map_err(storage_failed)
}

/// The browser reports a part it finished (with the ETag the store gave it).
pub async fn record_part(
    state: &AppState,
    file_id: Uuid,
    part_number: u32,
    etag: &str,
    uploader: Uploader,
) -> Result<UploadPart, AppError> {
    let (file, _) = open_multipart(state, file_id, uploader).await?;
    let size = part_len(&file, part_number)?;
    let etag = etag.trim();
    if etag.is_empty() || etag.len() > 200 || etag.chars().any(char::is_control) {
        return Err(AppError::invalid("The part's ETag is missing or malformed."));
    }
    // Just the part back: listing every part on each report would make a 10,000-part upload
    // read its list 10,000 times. (Signing a part already counts as activity for the sweeper.)
    let part = UploadPart { number: part_number, size, etag: etag.to_string() };
    state.repo.record_part(file.id, &part).await?;
    Ok(part)
}

/// The parts the store holds (ListParts: the truth, also after a reload or a crash), so a
/// resumed upload sends only the missing ones. The recorded parts are brought in line.
pub async fn multipart_progress(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<MultipartProgress, AppError> {
    let (file, upload_id) = open_multipart(state, file_id, uploader).await?;
    let stored = state.storage.list_parts(&file.object_key, &upload_id).await.map_err(storage_failed)?.ok_or_else(|| {
        AppError::Conflict("The store no longer has this upload (it was aborted); retry the file.".into())
    })?;
    // A part of the wrong length cannot be used (the store signs lengths, so this is defensive).
    let parts: Vec<UploadPart> = stored
        .into_iter()
        .filter(|p| file.part_len(p.number) == Some(p.size))
        .map(|p| UploadPart { number: p.number, size: p.size, etag: p.etag })
        .collect();
    state.repo.replace_parts(file.id, &parts).await?;
    Ok(MultipartProgress {
        part_size: file.part_size.unwrap_or_default(),
        part_count: file.part_count().unwrap_or_default(),
        parts,
        file,
    })
}

/// The user's multipart uploads that can still be resumed, newest first.
pub async fn unfinished(state: &AppState, user_id: Uuid) -> Result<Vec<UploadFile>, AppError> {
    Ok(state.repo.unfinished_multipart_files(user_id).await?)
}

/// Joins the parts into the object: the recorded parts when they are all there (the usual
/// case), else what the store holds (a part whose report was lost). If the store no longer
/// knows the upload, an earlier completion got that far, and the object is checked as usual.
async fn join_parts(state: &AppState, file: &UploadFile) -> Result<(), AppError> {
    let Some(upload_id) = &file.multipart_upload_id else { return Ok(()) };
    let count = file.part_count().unwrap_or(0) as usize;
    let usable = |parts: Vec<UploadPart>| -> Vec<(u32, String)> {
        let mut usable: Vec<(u32, String)> =
            parts.into_iter().filter(|p| file.part_len(p.number) == Some(p.size)).map(|p| (p.number, p.etag)).collect();
        usable.sort();
        usable.dedup_by_key(|p| p.0);
        usable
    };
    let mut parts = usable(state.repo.recorded_parts(file.id).await?);
    if parts.len() != count {
        let Some(stored) = state.storage.list_parts(&file.object_key, upload_id).await.map_err(storage_failed)? else {
            return Ok(());
        };
        parts = usable(stored.into_iter().map(|p| UploadPart { number: p.number, size: p.size, etag: p.etag }).collect());
        if parts.len() != count {
            return Err(AppError::Conflict(format!(
                "\"{}\": {} of {count} parts have arrived; send the rest, then complete.",
                file.original_filename,
                parts.len()
            )));
        }
    }
    match state.storage.complete_multipart(&file.object_key, upload_id, &parts).await {
        Ok(()) => Ok(()),
        // Joined by an earlier completion (the store forgot the upload): the object decides.
        Err(e) => match state.storage.list_parts(&file.object_key, upload_id).await {
            Ok(None) => Ok(()),
            _ => Err(storage_failed(e)),
        },
    }
}

/// What the browser says went wrong, made fit to store and show: one line, at most 300 characters.
fn clean_reason(reason: &str) -> String {
    let one_line: String = reason.chars().map(|c| if c.is_control() { ' ' } else { c }).take(300).collect();
    let trimmed = one_line.trim();
    if trimmed.is_empty() {
        "failed in the browser".into()
    } else {
        trimmed.to_string()
    }
}

async fn current(state: &AppState, file_id: Uuid) -> Result<FileOutcome, AppError> {
    // `mark_file_uploading` changes nothing on a completed file and answers its state.
    Ok(state.repo.mark_file_uploading(file_id).await?.ok_or_else(file_not_found)?.outcome)
}

fn file_not_found() -> AppError {
    AppError::NotFound("The upload file".into())
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

/// How many files one sweep looks at; the next sweep takes the rest.
const SWEEP_BATCH: u32 = 500;

/// A PUT that started before its URL expired may still be sending: the store checks the
/// signature when a request starts. A file already `uploading` is given time for its bytes at
/// this slow but real rate before it is given up on.
const SLOWEST_EXPECTED_BYTES_PER_SEC: u64 = 256 * 1024;

/// After this many store errors in a row the sweep stops; the next one tries again.
const MAX_STORE_ERRORS: usize = 5;

/// One pass: every file still open whose URL expired more than the grace period ago (and, if
/// its PUT started, the time its bytes could plausibly take) is failed as "expired", and an
/// object that did arrive for it, an orphan nobody confirmed, is deleted. The failure is one
/// guarded transaction and the delete follows only if it happened, so a completion that comes
/// in time adopts the object and a late one finds the file failed: never both. Instances
/// sweeping together, or a retry racing the sweep, leave every file counted once.
pub async fn sweep_expired(state: &AppState) -> Result<SweepReport, AppError> {
    let now = Utc::now();
    let grace = chrono::Duration::from_std(state.uploads.sweep_grace).unwrap_or_default();
    let cutoff = now - grace;
    let expired = state.repo.list_expired_upload_files(cutoff, SWEEP_BATCH).await?;
    let mut report = SweepReport::default();
    let mut store_errors = 0;
    for file in expired {
        // A single PUT that started in time may still be sending; a multipart upload's deadline
        // already moves with every part, so none is given extra time.
        if file.status == UploadFileStatus::Uploading && file.part_size.is_none() {
            let transfer = chrono::Duration::seconds((file.size / SLOWEST_EXPECTED_BYTES_PER_SEC) as i64);
            if file.url_expires_at + grace + transfer > now {
                continue;
            }
        }
        let Some(t) = state.repo.expire_upload_file(file.id, cutoff).await? else { continue };
        if !t.changed {
            continue;
        }
        report.expired += 1;
        // An abandoned multipart upload: its parts are discarded, not left billing storage.
        if let Some(upload_id) = &file.multipart_upload_id {
            match state.storage.abort_multipart(&file.object_key, upload_id).await {
                Ok(()) => report.multipart_aborted += 1,
                Err(e) => tracing::warn!(error = %e, key = %file.object_key, "sweeper could not abort a multipart upload"),
            }
        }
        // Whatever arrived for it is an orphan now. A store error leaves it for a later sweep
        // of the bucket to find; the file is failed either way.
        match state.storage.head(&file.object_key).await {
            Ok(None) => store_errors = 0,
            Ok(Some(_)) => match state.storage.delete(&file.object_key).await {
                Ok(()) => {
                    store_errors = 0;
                    report.orphans_deleted += 1;
                }
                Err(e) => {
                    tracing::warn!(error = %e, key = %file.object_key, "sweeper could not delete an orphan");
                    store_errors += 1;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, key = %file.object_key, "sweeper could not reach the store");
                store_errors += 1;
            }
        }
        if store_errors >= MAX_STORE_ERRORS {
            break;
        }
    }
    Ok(report)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Files given up on.
    pub expired: usize,
    /// Objects that had arrived for them without a completion, deleted.
    pub orphans_deleted: usize,
    /// Abandoned multipart uploads aborted in the store.
    pub multipart_aborted: usize,
}

/// Sweeps every `sweep_interval` until shutdown. State lives only in the database, so a
/// restart just picks up where the last sweep stopped.
pub async fn run_sweeper(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(state.uploads.sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        match sweep_expired(&state).await {
            Ok(report) if report != SweepReport::default() => {
                tracing::info!(
                    expired = report.expired,
                    orphans_deleted = report.orphans_deleted,
                    multipart_aborted = report.multipart_aborted,
                    "upload sweep"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, size: u64, content_type: &str) -> UploadFileSpec {
        UploadFileSpec { name: name.into(), size, content_type: content_type.into(), last_modified: None, fingerprint: None }
    }


    #[test]
    fn a_batch_with_one_bad_file_is_refused_naming_it() {
        let config = UploadConfig::default();
        let err = validate_batch(
            &[spec("ok.jpg", 10, "image/jpeg"), spec("tool.exe", 10, "application/x-msdownload")],
            &config,
        )
        .unwrap_err();
        let AppError::Invalid(message) = err else { panic!("expected Invalid") };
        assert!(message.contains("\"tool.exe\"") && message.contains("not accepted"), "{message}");

        let err = validate_batch(&[spec("big.mp4", config.max_bytes + 1, "video/mp4")], &config).unwrap_err();
        assert!(err.to_string().contains("big.mp4") && err.to_string().contains("largest"), "{err}");

        let err = validate_batch(&[spec("../../etc/passwd", 10, "image/png")], &config).unwrap_err();
        assert!(err.to_string().contains("path separator"), "{err}");

        let err = validate_batch(&[spec("a\u{0}b.png", 10, "image/png")], &config).unwrap_err();
        assert!(err.to_string().contains("\"ab.png\"") && err.to_string().contains("U+0000"), "{err}");

        assert!(validate_batch(&[], &config).is_err());
        assert!(validate_batch(&[spec("empty.png", 0, "image/png")], &config).is_err());
    }

    #[test]
    fn batch_size_is_capped() {
        let config = UploadConfig { max_files: 3, ..UploadConfig::default() };
        let specs: Vec<_> = (0..4).map(|i| spec(&format!("{i}.png"), 1, "image/png")).collect();
        assert!(validate_batch(&specs, &config).unwrap_err().to_string().contains("at most 3"));
    }

    #[test]
    fn content_type_is_matched_case_insensitively() {
        let files = validate_batch(&[spec("a.PNG", 5, "Image/PNG")], &UploadConfig::default()).unwrap();
        assert_eq!(files[0].content_type, "image/png");
    }

    #[test]
    fn reasons_are_one_short_line() {
        assert_eq!(clean_reason("network\nerror"), "network error");
        assert_eq!(clean_reason("   "), "failed in the browser");
        assert_eq!(clean_reason(&"x".repeat(1000)).len(), 300);
    }
}
