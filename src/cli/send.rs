//! Sending one file's bytes straight to the store: one presigned PUT, or part by part for a
//! multipart upload (the parts the store already holds are skipped, so an interrupted upload
//! goes on where it stopped). Files are streamed from disk, never held whole in memory.

use std::io::SeekFrom;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use uuid::Uuid;

use super::client::Api;
use super::import::Hashed;
use super::progress::Progress;
use crate::model::upload::{FileOutcome, MultipartProgress, PresignedRequest, UploadFile, UploadPart};

pub struct Sent {
    pub media_id: Uuid,
}

pub async fn send(
    api: &Api,
    progress: &Progress,
    file: &Hashed,
    upload_file: &UploadFile,
    upload: Option<PresignedRequest>,
) -> Result<Sent, String> {
    let bar = progress.file(&file.candidate.name, file.candidate.size);
    let advance = |n: u64| {
        progress.advance(n);
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    };
    let result = match upload {
        Some(put) => single(api, file, upload_file, &put, &advance).await,
        None => multipart(api, file, upload_file, &advance).await,
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if let Err(reason) = &result {
        // Counted once on the server; a later run starts this file anew.
        let _: Result<FileOutcome, _> =
            api.call("uploads/fail", &json!({"file_id": upload_file.id, "reason": reason})).await;
    }
    result
}

async fn single(
    api: &Api,
    file: &Hashed,
    upload_file: &UploadFile,
    put: &PresignedRequest,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<Sent, String> {
    // No `uploads/begin`: it only shows "uploading" in a browser's list; a completion takes a
    // pending file as well, and the round trip would cost every small file.
    let etag = put_range(api, put, file, 0, file.candidate.size).await?;
    advance(file.candidate.size);
    complete(api, upload_file.id, Some(etag)).await
}

async fn multipart(
    api: &Api,
    file: &Hashed,
    upload_file: &UploadFile,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<Sent, String> {
    let plan: MultipartProgress =
        api.call("uploads/parts", &json!({"file_id": upload_file.id})).await.map_err(|e| e.0)?;
    let part_size = plan.part_size;
    for number in 1..=plan.part_count {
        let start = u64::from(number - 1) * part_size;
        let length = part_size.min(file.candidate.size - start);
        if plan.parts.iter().any(|p| p.number == number) {
            advance(length);
            continue;
        }
        let put: PresignedRequest = api
            .call("uploads/part", &json!({"file_id": upload_file.id, "part_number": number}))
            .await
            .map_err(|e| e.0)?;
        let etag = put_range(api, &put, file, start, length).await?;
        let _: UploadPart = api
            .call("uploads/part_done", &json!({"file_id": upload_file.id, "part_number": number, "etag": etag}))
            .await
            .map_err(|e| e.0)?;
        advance(length);
    }
    complete(api, upload_file.id, None).await
}

/// PUTs `length` bytes of the file from `start`, streamed; the store's ETag.
async fn put_range(
    api: &Api,
    put: &PresignedRequest,
    file: &Hashed,
    start: u64,
    length: u64,
) -> Result<String, String> {
    let mut reader = tokio::fs::File::open(&file.candidate.path).await.map_err(|e| format!("unreadable: {e}"))?;
    reader.seek(SeekFrom::Start(start)).await.map_err(|e| format!("unreadable: {e}"))?;
    let stream = tokio_util::io::ReaderStream::with_capacity(reader.take(length), 256 * 1024);
    let mut request = api.http.put(&put.url).header(reqwest::header::CONTENT_LENGTH, length);
    for (name, value) in &put.headers {
        request = request.header(name, value);
    }
    let response = request
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .map_err(|e| format!("could not reach the store: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("the store refused the bytes: {}", response.status()));
    }
    response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| "the store sent no ETag".to_string())
}

async fn complete(api: &Api, file_id: Uuid, etag: Option<String>) -> Result<Sent, String> {
    let done: FileOutcome =
        api.call("uploads/complete", &json!({"file_id": file_id, "etag": etag})).await.map_err(|e| e.0)?;
    done.file
        .media_id
        .map(|media_id| Sent { media_id })
        .ok_or_else(|| done.file.error.clone().unwrap_or_else(|| "the server did not record the file".to_string()))
}
