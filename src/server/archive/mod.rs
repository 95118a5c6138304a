//! A collection's originals as one ZIP (`/c/<slug>/download`, `/s/<token>/download`), streamed
//! from the store as it is read: no temporary file, a few chunks in memory whatever its size.
//! Entries are stored, not compressed (photos and videos do not compress), ZIP64 so 4 GB is no
//! limit. The archive's layout is a pure function of the entries' names and sizes (`layout`),
//! so its exact `Content-Length` is known before the first byte and any `Range` of it can be
//! answered: an interrupted download resumes where it stopped.
//!
//! Only the CRC-32s are learnt by reading. Each is remembered in the database the first time an
//! entry is read whole, so a resumed download needs no extra reading; one never read yet is
//! read (not sent) when a range needs it.

pub mod layout;
mod range;

use std::hash::{Hash, Hasher};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::model::media::Media;
use crate::server::state::AppState;
use layout::{ArchiveEntry, ArchiveLayout, Piece};
pub use range::ByteRange;

/// Chunks in flight between the store and the client: the memory a download holds.
const CHUNKS_IN_FLIGHT: usize = 4;

type Chunk = Result<Bytes, std::io::Error>;

/// The response for a ZIP of `items` (in order) named `<name>.zip`, whole or the `Range` asked.
pub async fn respond(state: &AppState, name: &str, items: Vec<Media>, headers: &HeaderMap) -> Response {
    let entries = items
        .iter()
        .map(|m| ArchiveEntry {
            name: m.original_filename.clone(),
            size: m.size,
            modified: m.taken_or_uploaded().naive_utc(),
        })
        .collect();
    let layout = ArchiveLayout::new(entries);
    let etag = etag(&items);
    let len = layout.len();
    // `If-Range` with another archive's tag: the whole new archive, not a piece of it.
    let same_archive = headers.get(header::IF_RANGE).is_none_or(|tag| tag == etag.as_str());
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| same_archive);
    let range = match asked.map(|value| ByteRange::parse(value, len)) {
        None => None,
        Some(Some(range)) => Some(range),
        Some(None) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}")), (header::CACHE_CONTROL, "no-store".into())],
            )
                .into_response()
        }
    };
    let bytes = range.map_or(0..len, |r| r.start..r.end);
    let crcs = match remembered_crcs(state, &items).await {
        Ok(crcs) => crcs,
        Err(e) => return e.into_response(),
    };
    let (tx, rx) = mpsc::channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let writer = Writer { state: state.clone(), items, layout, crcs, tx };
    let pieces = writer.layout.pieces(bytes.clone());
    tokio::spawn(async move { writer.run(pieces).await });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }));
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_LENGTH, bytes.end - bytes.start)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, "private, no-cache")
        .header(header::CONTENT_DISPOSITION, content_disposition(name));
    response = match range {
        Some(r) => response
            .status(StatusCode::PARTIAL_CONTENT)
            .header(header::CONTENT_RANGE, format!("bytes {}-{}/{len}", r.start, r.end - 1)),
        None => response.status(StatusCode::OK),
    };
    response.body(body).unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// One tag per archive: the items, their names and sizes in order (what the layout is made of).
fn etag(items: &[Media]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for m in items {
        (m.id, &m.original_filename, m.size, m.taken_or_uploaded().timestamp()).hash(&mut hasher);
    }
    format!("\"zip-{:016x}\"", hasher.finish())
}

/// `attachment; filename="<name>.zip"` with a UTF-8 form for names beyond ASCII.
fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_. ".contains(c) { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}.zip\"; filename*=UTF-8''{encoded}.zip"))
        .unwrap_or(HeaderValue::from_static("attachment; filename=\"collection.zip\""))
}

async fn remembered_crcs(state: &AppState, items: &[Media]) -> Result<Vec<Option<u32>>, crate::error::AppError> {
    let ids: Vec<Uuid> = items.iter().map(|m| m.id).collect();
    let known: std::collections::HashMap<Uuid, u32> = state.repo.crc32s(&ids).await?.into_iter().collect();
    Ok(ids.iter().map(|id| known.get(id).copied()).collect())
}

/// Sends the pieces of one response into the channel, reading from the store as it goes.
struct Writer {
    state: AppState,
    items: Vec<Media>,
    layout: ArchiveLayout,
    crcs: Vec<Option<u32>>,
    tx: mpsc::Sender<Chunk>,
}

/// An entry being read from its first byte on, whose CRC-32 is being computed as it is sent.
struct Running {
    entry: usize,
    hasher: crc32fast::Hasher,
    next: u64,
}

impl Writer {
    async fn run(mut self, pieces: Vec<Piece>) {
        if let Err(e) = self.write(pieces).await {
            tracing::warn!(error = %e, "a collection download stopped");
            let _ = self.tx.send(Err(std::io::Error::other("the download stopped"))).await;
        }
    }

    async fn write(&mut self, pieces: Vec<Piece>) -> Result<(), String> {
        let mut running: Option<Running> = None;
        for piece in pieces {
            match piece {
                Piece::Fixed(bytes) => self.send(Bytes::from(bytes)).await?,
                Piece::Data { entry, offset, len } => {
                    let size = self.items[entry].size;
                    let continues = running.as_ref().is_some_and(|r| r.entry == entry && r.next == offset);
                    if self.crcs[entry].is_none() && !continues {
                        // Resumed inside an entry never read whole: its first bytes are read
                        // (not sent) so its CRC-32 can be completed.
                        let mut hasher = crc32fast::Hasher::new();
                        self.read(entry, 0, offset, |chunk| hasher.update(chunk)).await?;
                        running = Some(Running { entry, hasher, next: offset });
                    }
                    let mut tracking = if self.crcs[entry].is_none() { running.take() } else { None };
                    let tx = self.tx.clone();
                    self.read_async(entry, offset, len, |chunk| {
                        if let Some(r) = tracking.as_mut() {
                            r.hasher.update(&chunk);
                        }
                        let tx = tx.clone();
                        async move { tx.send(Ok(chunk)).await.map_err(|_| "the client went away".to_string()) }
                    })
                    .await?;
                    if let Some(mut r) = tracking {
                        r.next = offset + len;
                        if r.next == size {
                            self.remember(entry, r.hasher.finalize()).await;
                        } else {
                            running = Some(r);
                        }
                    }
                }
                Piece::Descriptor { entry, skip, len } => {
                    let crc = self.crc(entry).await?;
                    let bytes = self.layout.descriptor(entry, crc);
                    self.send(Bytes::copy_from_slice(&bytes[skip..skip + len])).await?;
                }
                Piece::Trailer { skip, len } => {
                    let mut crcs = Vec::with_capacity(self.items.len());
                    for entry in 0..self.items.len() {
                        crcs.push(self.crc(entry).await?);
                    }
                    let trailer = self.layout.trailer(&crcs);
                    let (from, to) = (skip as usize, (skip + len) as usize);
                    self.send(Bytes::copy_from_slice(&trailer[from..to])).await?;
                }
            }
        }
        Ok(())
    }

    async fn send(&self, bytes: Bytes) -> Result<(), String> {
        self.tx.send(Ok(bytes)).await.map_err(|_| "the client went away".to_string())
    }

    /// The entry's CRC-32: remembered, or read for (the whole object, nothing sent).
    async fn crc(&mut self, entry: usize) -> Result<u32, String> {
        if let Some(crc) = self.crcs[entry] {
            return Ok(crc);
        }
        let mut hasher = crc32fast::Hasher::new();
        let size = self.items[entry].size;
        self.read(entry, 0, size, |chunk| hasher.update(chunk)).await?;
        let crc = hasher.finalize();
        self.remember(entry, crc).await;
        Ok(crc)
    }

    async fn remember(&mut self, entry: usize, crc: u32) {
        self.crcs[entry] = Some(crc);
        if let Err(e) = self.state.repo.remember_crc32(self.items[entry].id, crc).await {
            tracing::warn!(error = %e, "could not remember a CRC-32");
        }
    }

    /// Reads `len` bytes of the entry's object from `offset`, handing each chunk to `each`.
    async fn read(&self, entry: usize, offset: u64, len: u64, mut each: impl FnMut(&[u8])) -> Result<(), String> {
        self.read_async(entry, offset, len, |chunk| {
            each(&chunk);
            async { Ok(()) }
        })
        .await
    }

    async fn read_async<F, Fut>(&self, entry: usize, offset: u64, len: u64, mut each: F) -> Result<(), String>
    where
        F: FnMut(Bytes) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        if len == 0 {
            return Ok(());
        }
        let media = &self.items[entry];
        let range = format!("bytes={offset}-{}", offset + len - 1);
        let object = self
            .state
            .storage
            .get_stream(&media.object_key, Some(&range))
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} is missing from the store", media.object_key))?;
        let mut stream = object.body.into_data_stream();
        let mut read = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| e.to_string())?;
            read += chunk.len() as u64;
            if read > len {
                return Err(format!("{} is longer than its recorded size", media.object_key));
            }
            each(chunk).await?;
        }
        if read != len {
            return Err(format!("{} is shorter than its recorded size", media.object_key));
        }
        Ok(())
    }
}
