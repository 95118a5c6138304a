//! `/api/uploads/*`: start a batch, report each file's progress, see the books.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::upload::{
    FileOutcome, JobWithFiles, MultipartProgress, PresignedRequest, StartedFile, StartedJob, UploadFile,
    UploadFileSpec, UploadPart, VideoDetails,
};

/// `POST /api/uploads/start` `{files: [{name, size, content_type}], collection_id?}` → the job and,
/// per file, a presigned PUT (`upload: {method, url, headers, expires_at}`).
#[server(prefix = "/api", endpoint = "uploads/start", input = Json)]
pub async fn start_upload(
    files: Vec<UploadFileSpec>,
    #[server(default)] collection_id: Option<Uuid>,
) -> Result<StartedJob, AppError> {
    let (state, user) = crate::server::signed_in()?;
    if let crate::model::people::Credential::FileRequest(link) = user.credential {
        return crate::server::sharing::requests::start(&state, &user, link, &files).await;
    }
    crate::server::uploads::start_job(&state, user.id, &files, collection_id, None).await
}

/// `POST /api/uploads/begin` `{file_id}`: the browser starts the PUT (pending → uploading).
#[server(prefix = "/api", endpoint = "uploads/begin", input = Json)]
pub async fn begin_upload(file_id: Uuid) -> Result<FileOutcome, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::mark_uploading(&state, file_id, uploader).await
}

/// `POST /api/uploads/complete` `{file_id, job_id?, etag?, thumbhash?, video?, sha256?}`: verified
/// against the store, then recorded once. `video` (`{width, height, duration_ms, poster}`) is
/// what the browser read from a video, `poster: true` once its frame was PUT (`uploads/poster`). `thumbhash` (base64, made by the browser) becomes the item's
/// placeholder; `sha256`, computed while sending, is the content's hash when none was given at
/// the start. Only the user who started the job (and, with `job_id`, only for that job).
#[server(prefix = "/api", endpoint = "uploads/complete", input = Json)]
pub async fn complete_upload(
    file_id: Uuid,
    #[server(default)] job_id: Option<Uuid>,
    #[server(default)] etag: Option<String>,
    #[server(default)] thumbhash: Option<String>,
    #[server(default)] video: Option<VideoDetails>,
    #[server(default)] sha256: Option<String>,
) -> Result<FileOutcome, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::of(&user, job_id);
    let video = video.map_or_else(Default::default, |v| crate::server::uploads::VideoFacts {
        width: v.width,
        height: v.height,
        duration_ms: v.duration_ms,
        poster: v.poster,
    });
    let thumbhash = thumbhash.as_deref().map(crate::server::media::parse_thumbhash).transpose()?;
    let sha256 = sha256.as_deref().map(crate::server::uploads::parse_sha256).transpose()?;
    let reported = crate::server::uploads::Reported { etag, thumbhash, sha256, video };
    crate::server::uploads::complete_file(&state, file_id, reported, uploader).await
}

/// `POST /api/uploads/fail` `{file_id, reason}`: the file failed in the browser; counted once.
#[server(prefix = "/api", endpoint = "uploads/fail", input = Json)]
pub async fn fail_upload(file_id: Uuid, reason: String) -> Result<FileOutcome, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::fail_file(&state, file_id, &reason, uploader).await
}

/// `POST /api/uploads/retry` `{file_id}` → a fresh presigned PUT for a file not yet completed.
#[server(prefix = "/api", endpoint = "uploads/retry", input = Json)]
pub async fn retry_upload(file_id: Uuid) -> Result<StartedFile, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::retry_file(&state, file_id, uploader).await
}

/// `POST /api/uploads/get` `{job_id}` → the job, its counters and its files.
#[server(prefix = "/api", endpoint = "uploads/get", input = Json)]
pub async fn get_upload(job_id: Uuid) -> Result<JobWithFiles, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    state.repo.find_upload_job(job_id).await?.ok_or_else(|| AppError::NotFound("The upload job".into()))
}

/// `POST /api/uploads/list` `{before?, limit?}` → jobs newest first, each with its files.
#[server(prefix = "/api", endpoint = "uploads/list", input = Json)]
pub async fn list_uploads(
    #[server(default)] before: Option<Uuid>,
    #[server(default)] limit: Option<u32>,
) -> Result<Vec<JobWithFiles>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    let limit = limit.unwrap_or(20).clamp(1, 100);
    Ok(state.repo.list_upload_jobs(limit, before).await?)
}

/// `POST /api/uploads/part` `{file_id, part_number}` → a PUT for that part of a multipart
/// upload (1-based), valid for a short while; ask again for a fresh one.
#[server(prefix = "/api", endpoint = "uploads/part", input = Json)]
pub async fn sign_upload_part(file_id: Uuid, part_number: u32) -> Result<PresignedRequest, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::sign_part(&state, file_id, part_number, uploader).await
}

/// `POST /api/uploads/sign_parts` `{file_id, first, count}` → PUTs for parts `first` to
/// `first + count - 1` (at most 100, and never past the last part), in order: a big file's parts
/// signed a hundred at a time instead of one request each.
#[server(prefix = "/api", endpoint = "uploads/sign_parts", input = Json)]
pub async fn sign_upload_parts(file_id: Uuid, first: u32, count: u32) -> Result<Vec<PresignedRequest>, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::sign_parts(&state, file_id, first, count, uploader).await
}

/// `POST /api/uploads/part_done` `{file_id, part_number, etag}` → the part as recorded: the
/// browser records each part as the store confirms it.
#[server(prefix = "/api", endpoint = "uploads/part_done", input = Json)]
pub async fn record_upload_part(file_id: Uuid, part_number: u32, etag: String) -> Result<UploadPart, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::record_part(&state, file_id, part_number, &etag, uploader).await
}

/// `POST /api/uploads/parts` `{file_id}` → `{file, part_size, part_count, parts}`: the parts the
/// store holds (checked with ListParts), so a resumed upload sends only the missing ones.
#[server(prefix = "/api", endpoint = "uploads/parts", input = Json)]
pub async fn upload_parts(file_id: Uuid) -> Result<MultipartProgress, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::multipart_progress(&state, file_id, uploader).await
}

/// `POST /api/uploads/unfinished` `{}` → the signed-in user's multipart uploads that can be
/// resumed (name, size, last-modified and fingerprint to match a re-selected file against).
#[server(prefix = "/api", endpoint = "uploads/unfinished", input = Json)]
pub async fn unfinished_uploads() -> Result<Vec<UploadFile>, AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::uploads::unfinished(&state, user.id).await
}

/// `POST /api/uploads/poster` `{file_id, size}` → a PUT for the video's poster frame: a JPEG of
/// `size` bytes (at most 2 MiB) the browser drew from the video before uploading it.
#[server(prefix = "/api", endpoint = "uploads/poster", input = Json)]
pub async fn sign_poster_upload(file_id: Uuid, size: u64) -> Result<PresignedRequest, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let uploader = crate::server::uploads::Uploader::user(user.id);
    crate::server::uploads::sign_poster(&state, file_id, size, uploader).await
}

/// `POST /api/uploads/known` `{sha256: [...]}` → `[{sha256, media_id}]`: which contents the
/// library already holds, so an uploader sends only what is new.
#[server(prefix = "/api", endpoint = "uploads/known", input = Json)]
pub async fn known_content(sha256: Vec<String>) -> Result<Vec<crate::model::upload::KnownContent>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    if sha256.len() > 10_000 {
        return Err(AppError::invalid("Ask about at most 10,000 hashes at once."));
    }
    let hashes = sha256.iter().map(|h| crate::server::uploads::parse_sha256(h)).collect::<Result<Vec<_>, _>>()?;
    let found = state.repo.known_content(&hashes).await?;
    Ok(found.into_iter().map(|(sha256, media_id)| crate::model::upload::KnownContent { sha256, media_id }).collect())
}

/// `POST /api/uploads/known_sizes` `{sizes: [...]}` → the sizes (bytes) some item of the library
/// has. A file of any other size cannot already be held, so an uploader may send it at once and
/// hash it on the way (reporting `sha256` with the completion) instead of reading it twice.
#[server(prefix = "/api", endpoint = "uploads/known_sizes", input = Json)]
pub async fn known_sizes(sizes: Vec<u64>) -> Result<Vec<u64>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    if sizes.len() > 10_000 {
        return Err(AppError::invalid("Ask about at most 10,000 sizes at once."));
    }
    Ok(state.repo.sizes_held(&sizes).await?)
}

/// `POST /api/uploads/limits` `{}` → what an uploader must respect: accepted types, the largest
/// file, files per batch, and the size from which files go up in parts.
#[server(prefix = "/api", endpoint = "uploads/limits", input = Json)]
pub async fn upload_limits() -> Result<crate::model::upload::UploadLimits, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    let config = &state.uploads;
    Ok(crate::model::upload::UploadLimits {
        allowed_types: config.allowed_types.iter().map(|t| t.as_str().to_string()).collect(),
        max_bytes: config.max_bytes,
        max_files: config.max_files as u32,
        multipart_threshold: config.multipart_threshold,
    })
}
