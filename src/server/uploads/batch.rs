//! A batch: checked whole, every URL signed before anything is written; and what the browser
//! says of each file afterwards (it starts, it gives up, it wants another go).

use uuid::Uuid;

use super::{already_uploaded, deadline, file_not_found, owned_file, storage_failed, Uploader};
use crate::error::AppError;
use crate::model::text::FAILURE_REASON;
use crate::model::upload::{
    part_size_for, FileOutcome, StartedEntry, StartedFile, StartedJob, UploadFileSpec, UploadFileStatus,
};
use crate::model::{ContentType, FileName, ObjectKey};
use crate::server::config::UploadConfig;
use crate::server::db::{NewMultipart, NewUploadFile, NewUploadJob, UploadQuota};
use crate::server::state::AppState;

/// A file of a batch that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidFile {
    pub name: FileName,
    pub size: u64,
    pub content_type: ContentType,
    pub last_modified: Option<i64>,
    pub fingerprint: Option<String>,
    pub sha256: Option<String>,
    pub allow_duplicate: bool,
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
    specs.iter().enumerate().map(|(i, spec)| validate_file(spec, i, config)).collect()
}

fn validate_file(spec: &UploadFileSpec, index: usize, config: &UploadConfig) -> Result<ValidFile, AppError> {
    let shown = display_name(&spec.name, index);
    let name = FileName::parse(&spec.name).map_err(|reason| AppError::invalid(format!("{shown}: {reason}.")))?;
    let accepted = || config.allowed_types.iter().map(ContentType::as_str).collect::<Vec<_>>().join(", ");
    let content_type =
        ContentType::parse(&spec.content_type).ok().filter(|t| config.allowed_types.contains(t)).ok_or_else(|| {
            AppError::invalid(format!(
                "{shown}: the type \"{}\" is not accepted (accepted: {}).",
                spec.content_type.chars().take(100).collect::<String>(),
                accepted()
            ))
        })?;
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
    let sha256 = match spec.sha256.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) if is_sha256(h) => Some(h.to_ascii_lowercase()),
        Some(_) => return Err(AppError::invalid(format!("{shown}: sha256 must be 64 hex digits."))),
        None => None,
    };
    Ok(ValidFile {
        name,
        size: spec.size,
        content_type,
        last_modified: spec.last_modified,
        fingerprint,
        sha256,
        allow_duplicate: spec.allow_duplicate,
    })
}

/// A SHA-256 in hex, as the uploader sends it.
pub fn is_sha256(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A SHA-256 as the books keep it (lowercase hex), or a clear refusal.
pub fn parse_sha256(value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if is_sha256(value) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(AppError::invalid(format!(
            "\"{}\" is not a SHA-256 (64 hex digits).",
            value.chars().filter(|c| !c.is_control()).take(80).collect::<String>()
        )))
    }
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

/// Creates the job and signs one PUT per file (a multipart upload for a big one).
pub async fn start_job(
    state: &AppState,
    user_id: Uuid,
    specs: &[UploadFileSpec],
    collection_id: Option<Uuid>,
    quota: Option<UploadQuota>,
) -> Result<StartedJob, AppError> {
    let files = validate_batch(specs, &state.uploads)?;
    if let Some(collection_id) = collection_id {
        if !state.repo.collection_exists(collection_id).await? {
            return Err(AppError::NotFound("The collection".into()));
        }
    }
    // Content the library holds already is not sent again, unless the file says "anyway".
    let hashes: Vec<String> = files.iter().filter(|f| !f.allow_duplicate).filter_map(|f| f.sha256.clone()).collect();
    let held: std::collections::HashMap<String, Uuid> = if hashes.is_empty() {
        Default::default()
    } else {
        state.repo.known_content(&hashes).await?.into_iter().collect()
    };
    let expires_at = deadline(state, state.uploads.url_ttl);
    let abandon_at = deadline(state, state.uploads.multipart_abandon);
    let mut new_files = Vec::with_capacity(files.len());
    let mut uploads = Vec::with_capacity(files.len());
    // Per file in the order sent: `None` for one that goes up, else the item holding it.
    let mut answers: Vec<Option<StartedEntry>> = Vec::with_capacity(files.len());
    // Sign every URL (and start every multipart upload) before writing anything: a store
    // problem then leaves no job behind, only multipart uploads that are aborted here.
    for f in files {
        let holder = if f.allow_duplicate { None } else { f.sha256.as_ref().and_then(|h| held.get(h)) };
        if let Some(media_id) = holder {
            answers.push(Some(StartedEntry::Duplicate { name: f.name.as_str().to_string(), duplicate_of: *media_id }));
            continue;
        }
        answers.push(None);
        let id = Uuid::new_v4();
        let key = ObjectKey::for_upload(id, &f.name);
        let signed =
            if f.size >= state.uploads.multipart_threshold {
                state.storage.create_multipart(&key, &f.content_type).await.map(|upload_id| {
                    (Some(NewMultipart { upload_id, part_size: part_size_for(f.size) }), None, abandon_at)
                })
            } else {
                let put = state
                    .storage
                    .presign_checked_put(&key, &f.content_type, f.size, f.sha256.as_deref(), state.uploads.url_ttl)
                    .await;
                put.map(|upload| (None, Some(upload), expires_at))
            };
        let (multipart, upload, url_expires_at) = match signed {
            Ok(signed) => signed,
            Err(e) => {
                abort_started(state, &new_files).await;
                return Err(storage_failed(e));
            }
        };
        new_files.push(NewUploadFile {
            id,
            object_key: key,
            original_filename: f.name.as_str().to_string(),
            size: f.size,
            content_type: f.content_type,
            url_expires_at,
            multipart,
            last_modified: f.last_modified,
            fingerprint: f.fingerprint,
            sha256: f.sha256,
        });
        uploads.push(upload);
    }
    if let Some(collection_id) = collection_id {
        // A batch for a collection puts every file in it, those already held included.
        let held_ids: Vec<Uuid> = answers
            .iter()
            .filter_map(|a| match a {
                Some(StartedEntry::Duplicate { duplicate_of, .. }) => Some(*duplicate_of),
                _ => None,
            })
            .collect();
        if !held_ids.is_empty() {
            if let Err(e) = state.repo.add_to_collection(collection_id, &held_ids).await {
                abort_started(state, &new_files).await;
                return Err(e.into());
            }
        }
    }
    if new_files.is_empty() {
        return Ok(StartedJob { job: None, files: answers.into_iter().flatten().collect() });
    }
    let new_job =
        NewUploadJob { id: Uuid::new_v4(), created_by: Some(user_id), collection_id, files: new_files, quota };
    let created = match state.repo.create_upload_job(&new_job).await {
        Ok(created) => created,
        Err(e) => {
            abort_started(state, &new_job.files).await;
            return Err(e.into());
        }
    };
    let mut sent = created.files.into_iter().zip(uploads).map(|(file, upload)| StartedFile { file, upload });
    let files = answers
        .into_iter()
        .map(|answer| answer.or_else(|| sent.next().map(|s| StartedEntry::Upload(Box::new(s)))))
        .collect::<Option<_>>();
    let files = files.ok_or(AppError::Internal)?;
    Ok(StartedJob { job: Some(created.job), files })
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

/// A fresh upload URL (or multipart upload) for a file that is not completed (after a failure,
/// a cancel, or expiry).
pub async fn retry_file(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<StartedFile, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    if file.status == UploadFileStatus::Completed {
        return Err(already_uploaded());
    }
    // A fresh key: whatever a sweeper or an earlier attempt does to the old one (deleting an
    // orphan, a late PUT landing) cannot touch the new upload.
    let name = FileName::parse(&file.original_filename).map_err(AppError::invalid)?;
    let key = ObjectKey::for_upload(Uuid::new_v4(), &name);
    let (upload_id, ttl) = if file.part_size.is_some() {
        if let Some(old) = &file.multipart_upload_id {
            let _ = state.storage.abort_multipart(&file.object_key, old).await;
        }
        let upload_id = state.storage.create_multipart(&key, &file.content_type).await.map_err(storage_failed)?;
        (Some(upload_id), state.uploads.multipart_abandon)
    } else {
        (None, state.uploads.url_ttl)
    };
    let transition = state
        .repo
        .reopen_upload_file(file_id, &key, upload_id.as_deref(), deadline(state, ttl))
        .await?
        .ok_or_else(file_not_found)?;
    let file = transition.outcome.file;
    if file.status == UploadFileStatus::Completed {
        return Err(already_uploaded());
    }
    if !transition.changed {
        // Its state moved under us (a completion or the sweeper); the caller can look again.
        return Err(AppError::Conflict("This file changed while being retried; try again.".into()));
    }
    let upload = match file.part_size {
        Some(_) => None,
        None => Some(
            state
                .storage
                .presign_put(&file.object_key, &file.content_type, file.size, state.uploads.url_ttl)
                .await
                .map_err(storage_failed)?,
        ),
    };
    Ok(StartedFile { file, upload })
}

pub async fn mark_uploading(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<FileOutcome, AppError> {
    owned_file(state, file_id, uploader).await?;
    let transition = state.repo.mark_file_uploading(file_id).await?.ok_or_else(file_not_found)?;
    Ok(transition.outcome)
}

/// The browser gave up on a file (an error, or the user cancelled). A multipart upload is
/// aborted in the store, so no parts are left behind.
pub async fn fail_file(
    state: &AppState,
    file_id: Uuid,
    reason: &str,
    uploader: Uploader,
) -> Result<FileOutcome, AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    let reason = FAILURE_REASON.sanitize(reason, "failed in the browser");
    let transition = state.repo.fail_upload_file(file_id, &reason).await?.ok_or_else(file_not_found)?;
    if transition.outcome.file.status == UploadFileStatus::Completed {
        return Err(AppError::Conflict("This file is already uploaded; it cannot fail now.".into()));
    }
    if let (true, Some(upload_id)) = (transition.changed, &file.multipart_upload_id) {
        state.storage.abort_multipart(&file.object_key, upload_id).await.map_err(storage_failed)?;
    }
    Ok(transition.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, size: u64, content_type: &str) -> UploadFileSpec {
        UploadFileSpec {
            name: name.into(),
            size,
            content_type: content_type.into(),
            last_modified: None,
            fingerprint: None,
            sha256: None,
            allow_duplicate: false,
        }
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

        let err = validate_batch(&[spec("x.png", 10, "not a type")], &config).unwrap_err();
        assert!(err.to_string().contains("not accepted"), "{err}");

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
        assert_eq!(files[0].content_type.as_str(), "image/png");
    }
}
