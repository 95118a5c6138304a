//! Sending one file's bytes straight to the store: one presigned PUT, or part by part for a
//! multipart upload (the parts the store already holds are read but not sent again, so an
//! interrupted upload goes on where it stopped). Files are streamed from disk, never held
//! whole in memory. A file whose hash was not needed beforehand is hashed on the way, in the
//! same read, and the hash goes with the completion.

use std::io::SeekFrom;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use uuid::Uuid;

use super::client::Api;
use super::import::Outgoing;
use super::probe::{probe, Probed};
use super::progress::Progress;
use super::walk::hex;
use crate::model::upload::{FileOutcome, MultipartProgress, PresignedRequest, UploadFile, VideoDetails};

/// Parts signed per request: 64 parts are at least 320 MiB, so a 1 GiB file costs the app
/// server four small requests, not one per part.
const PARTS_PER_SIGNING: u32 = 64;
/// A part URL this close to its expiry is signed again before it is used (a slow link).
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

pub struct Sent {
    pub media_id: Uuid,
    /// The server found the content in the library when the file completed (it was hashed on
    /// the way): `media_id` is the item holding it, and the copy sent was deleted.
    pub copy: bool,
}

/// The hash of the bytes sent so far, in order.
type Running = Arc<Mutex<Sha256>>;

pub async fn send(
    api: &Api,
    progress: &Progress,
    file: &Outgoing,
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
    // Hashed on the way only when it was not hashed before the start.
    let running = file.sha256.is_none().then(Running::default);
    // The placeholder or poster is made while the bytes go up (CPU beside network).
    let probing = {
        let candidate = file.candidate.clone();
        tokio::task::spawn_blocking(move || probe(&candidate.path, candidate.size, &candidate.content_type))
    };
    let result = match upload {
        Some(put) => single(api, file, &put, running.as_ref(), &advance).await,
        None => multipart(api, file, upload_file, running.as_ref(), &advance).await,
    };
    let result = match result {
        Ok(etag) => {
            let sha256 = running.map(|r| hex(&r.lock().expect("hasher").clone().finalize()));
            let Probed { thumbhash, mut video, poster } = probing.await.unwrap_or_default();
            if let (Some(video), Some(jpeg)) = (video.as_mut(), poster) {
                video.poster = send_poster(api, upload_file.id, jpeg).await;
            }
            complete(api, upload_file.id, etag, sha256, thumbhash, video).await
        }
        Err(reason) => Err(reason),
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

/// One PUT; the store's ETag. (No `uploads/begin`: it only shows "uploading" in a browser's
/// list; a completion takes a pending file as well, and the round trip would cost every file.)
async fn single(
    api: &Api,
    file: &Outgoing,
    put: &PresignedRequest,
    running: Option<&Running>,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<Option<String>, String> {
    let etag = put_range(api, put, file, 0, file.candidate.size, running).await?;
    advance(file.candidate.size);
    Ok(Some(etag))
}

async fn multipart(
    api: &Api,
    file: &Outgoing,
    upload_file: &UploadFile,
    running: Option<&Running>,
    advance: &(dyn Fn(u64) + Sync),
) -> Result<Option<String>, String> {
    let plan: MultipartProgress =
        api.call("uploads/parts", &json!({"file_id": upload_file.id})).await.map_err(|e| e.0)?;
    let mut signed: Vec<(u32, PresignedRequest, Instant)> = Vec::new();
    for number in 1..=plan.part_count {
        let start = u64::from(number - 1) * plan.part_size;
        let length = plan.part_size.min(file.candidate.size - start);
        if plan.parts.iter().any(|p| p.number == number) {
            // In the store already: read for the hash, not sent.
            if let Some(running) = running {
                hash_range(file, start, length, running).await?;
            }
            advance(length);
            continue;
        }
        let usable = signed.iter().position(|(n, _, valid_until)| *n == number && Instant::now() < *valid_until);
        let put = match usable {
            Some(i) => signed.swap_remove(i).1,
            None => {
                signed = sign_parts(api, upload_file.id, number, plan.part_count).await?;
                signed.remove(0).1
            }
        };
        // No `uploads/part_done`: completion joins the parts the store lists, so recording each
        // one through the app server would only cost a request per part.
        put_range(api, &put, file, start, length, running).await?;
        advance(length);
    }
    Ok(None)
}

/// PUTs for parts `from` onwards (a window), each with the moment it should be signed again.
async fn sign_parts(
    api: &Api,
    file_id: Uuid,
    from: u32,
    part_count: u32,
) -> Result<Vec<(u32, PresignedRequest, Instant)>, String> {
    let count = PARTS_PER_SIGNING.min(part_count - from + 1);
    let puts: Vec<PresignedRequest> = api
        .call("uploads/sign_parts", &json!({"file_id": file_id, "first": from, "count": count}))
        .await
        .map_err(|e| e.0)?;
    if puts.is_empty() {
        return Err("the server signed no part".into());
    }
    let now = (Instant::now(), chrono::Utc::now());
    Ok(puts
        .into_iter()
        .zip(from..)
        .map(|(put, number)| {
            // Measured from this machine's clock; a skewed clock makes it re-sign sooner, never later.
            let life = (put.expires_at - now.1).to_std().unwrap_or_default().saturating_sub(EXPIRY_MARGIN);
            (number, put, now.0 + life)
        })
        .collect())
}

/// The file's bytes `start..start + length` as a stream, hashed on the way when `running` is
/// given; also the count of bytes that went by.
async fn read_range(
    file: &Outgoing,
    start: u64,
    length: u64,
    running: Option<&Running>,
) -> Result<(impl futures_util::Stream<Item = std::io::Result<bytes::Bytes>>, Arc<AtomicU64>), String> {
    let mut reader = tokio::fs::File::open(&file.candidate.path).await.map_err(|e| format!("unreadable: {e}"))?;
    reader.seek(SeekFrom::Start(start)).await.map_err(|e| format!("unreadable: {e}"))?;
    let seen = Arc::new(AtomicU64::new(0));
    let (counter, running) = (seen.clone(), running.cloned());
    let stream = tokio_util::io::ReaderStream::with_capacity(reader.take(length), 256 * 1024).inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            counter.fetch_add(bytes.len() as u64, Ordering::Relaxed);
            if let Some(running) = &running {
                running.lock().expect("hasher").update(bytes);
            }
        }
    });
    Ok((stream, seen))
}

fn check_length(file: &Outgoing, seen: &AtomicU64, length: u64) -> Result<(), String> {
    let seen = seen.load(Ordering::Relaxed);
    if seen == length {
        Ok(())
    } else {
        Err(format!("changed while being read ({} bytes announced, {seen} read)", file.candidate.size))
    }
}

async fn hash_range(file: &Outgoing, start: u64, length: u64, running: &Running) -> Result<(), String> {
    let (mut stream, seen) = read_range(file, start, length, Some(running)).await?;
    while let Some(chunk) = stream.next().await {
        chunk.map_err(|e| format!("unreadable: {e}"))?;
    }
    check_length(file, &seen, length)
}

/// PUTs `length` bytes of the file from `start`, streamed; the store's ETag.
async fn put_range(
    api: &Api,
    put: &PresignedRequest,
    file: &Outgoing,
    start: u64,
    length: u64,
    running: Option<&Running>,
) -> Result<String, String> {
    let (stream, seen) = read_range(file, start, length, running).await?;
    let response = signed_put(api, put)
        .header(reqwest::header::CONTENT_LENGTH, length)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .map_err(|e| format!("could not reach the store: {e}"))?;
    check_length(file, &seen, length)?;
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

/// A PUT to a presigned URL with the headers it was signed over.
fn signed_put(api: &Api, put: &PresignedRequest) -> reqwest::RequestBuilder {
    put.headers.iter().fold(api.http.put(&put.url), |request, (name, value)| request.header(name, value))
}

/// PUTs a video's poster frame to the URL the server signs for it (`uploads/poster`); whether
/// it arrived. Best effort, as in the browser: without it the video still completes.
async fn send_poster(api: &Api, file_id: Uuid, jpeg: Vec<u8>) -> bool {
    let Ok(put) =
        api.call::<PresignedRequest>("uploads/poster", &json!({"file_id": file_id, "size": jpeg.len()})).await
    else {
        return false;
    };
    signed_put(api, &put).body(jpeg).send().await.is_ok_and(|r| r.status().is_success())
}

async fn complete(
    api: &Api,
    file_id: Uuid,
    etag: Option<String>,
    sha256: Option<String>,
    thumbhash: Option<String>,
    video: Option<VideoDetails>,
) -> Result<Sent, String> {
    let body = json!({"file_id": file_id, "etag": etag, "sha256": sha256, "thumbhash": thumbhash, "video": video});
    let done: FileOutcome = api.call("uploads/complete", &body).await.map_err(|e| e.0)?;
    done.file
        .media_id
        .map(|media_id| Sent { media_id, copy: done.file.duplicate_of.is_some() })
        .ok_or_else(|| done.file.error.clone().unwrap_or_else(|| "the server did not record the file".to_string()))
}
