//! Big files in parts (S3 multipart): each part signed just before it is sent, recorded as it
//! lands, resumable from what the store holds, joined at completion.

use uuid::Uuid;

use super::{already_failed, already_uploaded, deadline, owned_file, storage_failed, Uploader};
use crate::error::AppError;
use crate::model::upload::{MultipartProgress, PresignedRequest, UploadFile, UploadFileStatus, UploadPart};
use crate::server::state::AppState;

/// The file, if it is an open multipart upload `uploader` may act on, and its upload id.
async fn open_multipart(state: &AppState, file_id: Uuid, uploader: Uploader) -> Result<(UploadFile, String), AppError> {
    let file = owned_file(state, file_id, uploader).await?;
    let Some(upload_id) = file.multipart_upload_id.clone().filter(|_| file.part_size.is_some()) else {
        return Err(AppError::invalid("This file is uploaded in one request, not in parts."));
    };
    match file.status {
        UploadFileStatus::Completed => Err(already_uploaded()),
        UploadFileStatus::Failed => Err(already_failed(&file)),
        UploadFileStatus::Pending | UploadFileStatus::Uploading => Ok((file, upload_id)),
    }
}

fn part_len(file: &UploadFile, part_number: u32) -> Result<u64, AppError> {
    file.part_len(part_number).ok_or_else(|| {
        AppError::invalid(format!(
            "Part {part_number} does not exist: this file has parts 1 to {}.",
            file.part_count().unwrap_or(0)
        ))
    })
}

/// A PUT URL for one part, with a short expiry; asking again after it expired gives a new one.
/// Signing counts as activity: the upload is not swept as abandoned meanwhile.
pub async fn sign_part(
    state: &AppState,
    file_id: Uuid,
    part_number: u32,
    uploader: Uploader,
) -> Result<PresignedRequest, AppError> {
    let (file, upload_id) = open_multipart(state, file_id, uploader).await?;
    let len = part_len(&file, part_number)?;
    state.repo.mark_file_uploading(file.id).await?;
    state.repo.extend_upload_file(file.id, deadline(state, state.uploads.multipart_abandon)).await?;
    state
        .storage
        .presign_part(&file.object_key, &upload_id, part_number, len, state.uploads.part_url_ttl)
        .await
        .map_err(storage_failed)
}

/// Most part URLs signed in one request (100 parts are at least 500 MiB: sent well within
/// the URLs' life on any usable connection; a part whose URL expired is signed again alone).
pub const MAX_PARTS_SIGNED_AT_ONCE: u32 = 100;

/// PUT URLs for parts `first` to `first + count - 1`, never past the last part, in order.
pub async fn sign_parts(
    state: &AppState,
    file_id: Uuid,
    first: u32,
    count: u32,
    uploader: Uploader,
) -> Result<Vec<PresignedRequest>, AppError> {
    if !(1..=MAX_PARTS_SIGNED_AT_ONCE).contains(&count) {
        return Err(AppError::invalid(format!("Sign 1 to {MAX_PARTS_SIGNED_AT_ONCE} parts at once.")));
    }
    let (file, upload_id) = open_multipart(state, file_id, uploader).await?;
    part_len(&file, first)?;
    let last = first.saturating_add(count - 1).min(file.part_count().unwrap_or(first));
    state.repo.mark_file_uploading(file.id).await?;
    state.repo.extend_upload_file(file.id, deadline(state, state.uploads.multipart_abandon)).await?;
    let mut signed = Vec::with_capacity((last - first + 1) as usize);
    for number in first..=last {
        let len = part_len(&file, number)?;
        signed.push(
            state
                .storage
                .presign_part(&file.object_key, &upload_id, number, len, state.uploads.part_url_ttl)
                .await
                .map_err(storage_failed)?,
        );
    }
    Ok(signed)
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
    // read its list 10,000 times.
    let part = UploadPart { number: part_number, size, etag: etag.to_string() };
    state.repo.record_part(file.id, &part).await?;
    Ok(part)
}

/// The parts the store holds (ListParts: the truth, also after a reload or a crash), so a
/// resumed upload sends only the missing ones. The recorded parts are brought in line.
pub async fn multipart_progress(
    state: &AppState,
    file_id: Uuid,
    uploader: Uploader,
) -> Result<MultipartProgress, AppError> {
    let (file, upload_id) = open_multipart(state, file_id, uploader).await?;
    let stored =
        state.storage.list_parts(&file.object_key, &upload_id).await.map_err(storage_failed)?.ok_or_else(|| {
            AppError::Conflict("The store no longer has this upload (it was aborted); retry the file.".into())
        })?;
    // A part of the wrong length cannot be used (the store signs lengths, so this is defensive).
    let parts: Vec<UploadPart> = stored.into_iter().filter(|p| file.part_len(p.number) == Some(p.size)).collect();
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
pub(super) async fn join_parts(state: &AppState, file: &UploadFile) -> Result<(), AppError> {
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
        parts = usable(stored);
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
