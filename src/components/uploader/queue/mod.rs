//! The browser side of a batch: ask the server for a job and URLs, then send the files at most
//! `MAX_IN_FLIGHT` at a time (`single`: one PUT; `parts`: a multipart upload), reporting each
//! file's start, completion or failure. This file is the scheduler.

mod duplicates;
mod parts;
mod single;

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::{File, XmlHttpRequest};

use self::duplicates::HashInFlight;
use super::probes::{fingerprint, is_kind, thumbhash_of};
use super::{Phase, UploadItem, UploaderState, MAX_IN_FLIGHT};
use crate::api::uploads::{complete_upload, fail_upload, retry_upload, start_upload, upload_limits};
use crate::error::AppError;
use crate::model::upload::{
    FileOutcome, PresignedRequest, StartedEntry, UploadFile, UploadFileSpec, UploadLimits, VideoDetails, MIN_PART_SIZE,
};
use crate::model::MediaKind;

struct Entry {
    item: UploadItem,
    file: File,
    /// The one PUT of a single-request upload (used once; a retry asks for a fresh one).
    upload: Option<PresignedRequest>,
    /// Sent in parts, each signed just before it goes.
    multipart: bool,
    /// The requests in flight, for cancelling.
    xhrs: Vec<XmlHttpRequest>,
    /// The user pressed Cancel: an aborted request means "cancelled", not "the page is going away".
    cancel_requested: bool,
    /// The content's SHA-256 as given at the start, if it was hashed before sending.
    sha256: Option<String>,
    /// Else its hash, computed while it is sent.
    hashing: Option<HashInFlight>,
}

#[derive(Default)]
struct Inner {
    waiting: VecDeque<u64>,
    in_flight: usize,
    entries: HashMap<u64, Entry>,
    /// Files whose content the library holds (with their hash), kept for "Upload anyway".
    held: HashMap<u64, (File, Option<String>)>,
    next_key: u64,
    /// The server's upload limits, asked once.
    limits: Option<UploadLimits>,
}

#[derive(Clone)]
pub struct Queue {
    state: UploaderState,
    collection_id: Signal<Option<Uuid>>,
    inner: Rc<RefCell<Inner>>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Queue {
    pub fn new(state: UploaderState, collection_id: Signal<Option<Uuid>>) -> Queue {
        Queue { state, collection_id, inner: Rc::new(RefCell::new(Inner::default())) }
    }

    /// One batch: one job on the server, one row per file here. Files that go up in one PUT
    /// are hashed first and started with their hash: those the library holds come back as
    /// duplicates and are not sent.
    pub fn add_files(&self, files: Vec<File>) {
        let queue = self.clone();
        spawn_local(async move {
            let hashes = match queue.limits().await {
                Some(limits) => duplicates::content_hashes(&files, &limits, &queue.state).await,
                None => vec![None; files.len()],
            };
            queue.start_batch(files, hashes, false).await;
        });
    }

    /// The server's limits (which files go in parts), asked once; `None` while it cannot be
    /// reached (the start then says why).
    async fn limits(&self) -> Option<UploadLimits> {
        if let Some(limits) = self.inner.borrow().limits.clone() {
            return Some(limits);
        }
        let limits = upload_limits().await.ok()?;
        self.inner.borrow_mut().limits = Some(limits.clone());
        Some(limits)
    }

    /// Starts a batch with the hashes known per file; with `allow_duplicate` ("Upload anyway")
    /// the server sends every file even if the library holds its content.
    async fn start_batch(&self, files: Vec<File>, hashes: Vec<Option<String>>, allow_duplicate: bool) {
        let mut specs = Vec::with_capacity(files.len());
        for (f, sha256) in files.iter().zip(hashes) {
            // Big files may go in parts and be resumed: remember how to recognise them.
            let fingerprint = if f.size() as u64 >= MIN_PART_SIZE { fingerprint(f).await } else { None };
            specs.push(UploadFileSpec {
                name: f.name(),
                size: f.size() as u64,
                content_type: f.type_(),
                last_modified: Some(f.last_modified() as i64),
                fingerprint,
                sha256,
                allow_duplicate,
            });
        }
        let hashes: Vec<Option<String>> = specs.iter().map(|s| s.sha256.clone()).collect();
        self.state.banner.set(None);
        let started = match start_upload(specs, self.collection_id.get_untracked()).await {
            Ok(started) => started,
            Err(e) => {
                self.state.banner.set(Some(e.to_string()));
                return;
            }
        };
        if self.state.started_at.get_untracked().is_none() || !self.any_active() {
            self.state.started_at.set(Some(now_ms()));
        }
        // The server answers the files in the order they were sent.
        for ((file, sha256), started) in files.into_iter().zip(hashes).zip(started.files) {
            let key = self.next_key();
            match started {
                StartedEntry::Upload(started_file) => {
                    let multipart = started_file.file.part_size.is_some();
                    self.enqueue(key, &started_file.file, file, started_file.upload, multipart, sha256);
                }
                StartedEntry::Duplicate { duplicate_of, .. } => self.held_already(key, file, sha256, duplicate_of),
            }
        }
        self.pump();
    }

    fn enqueue(
        &self,
        key: u64,
        upload_file: &UploadFile,
        file: File,
        upload: Option<PresignedRequest>,
        multipart: bool,
        sha256: Option<String>,
    ) {
        let name = upload_file.original_filename.clone();
        let item = UploadItem::new(key, name, upload_file.size, Some(upload_file.id), Phase::Queued);
        self.state.items.update(|items| items.push(item));
        let mut inner = self.inner.borrow_mut();
        let entry =
            Entry { item, file, upload, multipart, xhrs: Vec::new(), cancel_requested: false, sha256, hashing: None };
        inner.entries.insert(key, entry);
        inner.waiting.push_back(key);
    }

    /// Continues an unfinished multipart upload with the file the user picked again: only the
    /// parts the store does not have are sent. The caller has matched the file.
    pub fn resume(&self, upload_file: UploadFile, file: File) {
        let key = self.next_key();
        if !self.any_active() {
            self.state.started_at.set(Some(now_ms()));
        }
        self.enqueue(key, &upload_file, file, None, true, None);
        self.pump();
    }

    fn next_key(&self) -> u64 {
        let mut inner = self.inner.borrow_mut();
        inner.next_key += 1;
        inner.next_key
    }

    fn any_active(&self) -> bool {
        self.state.items.with_untracked(|items| items.iter().any(|i| i.phase.get_untracked().is_active()))
    }

    /// Starts waiting files while fewer than `MAX_IN_FLIGHT` are sending.
    fn pump(&self) {
        loop {
            let key = {
                let mut inner = self.inner.borrow_mut();
                if inner.in_flight >= MAX_IN_FLIGHT {
                    return;
                }
                let Some(key) = inner.waiting.pop_front() else { return };
                inner.in_flight += 1;
                key
            };
            let queue = self.clone();
            spawn_local(async move {
                queue.send(key).await;
                queue.inner.borrow_mut().in_flight -= 1;
                queue.state.settled.update(|n| *n += 1);
                queue.pump();
            });
        }
    }

    async fn send(&self, key: u64) {
        let Some((item, upload, file, multipart)) = ({
            let inner = self.inner.borrow();
            inner.entries.get(&key).map(|e| (e.item, e.upload.clone(), e.file.clone(), e.multipart))
        }) else {
            return;
        };
        // Cancelled while it waited.
        if item.phase.get_untracked() != Phase::Queued {
            return;
        }
        let Some(file_id) = item.file_id.get_untracked() else { return };
        let hashing = self.hash_while_sending(key, item, &file);
        match (multipart, upload) {
            (true, _) => self.send_parts(key, item, file_id, file, hashing).await,
            (false, Some(upload)) => self.send_single(key, item, file_id, file, upload, hashing).await,
            (false, None) => {}
        }
    }

    /// The bytes are all in the store: have the server check and record them.
    async fn finish(
        &self,
        item: UploadItem,
        file_id: Uuid,
        file: &File,
        etag: Option<String>,
        video: Option<VideoDetails>,
        hashing: Option<HashInFlight>,
    ) {
        item.loaded.set(item.size);
        item.phase.set(Phase::Verifying);
        let thumbhash = if is_kind(file, MediaKind::Image) { thumbhash_of(file).await } else { None };
        let sha256 = match hashing {
            Some(hashing) => hashing.await,
            None => None,
        };
        match complete_with_retries(file_id, etag, thumbhash, video, sha256.clone()).await {
            Ok(FileOutcome { file: done, .. }) => match done.duplicate_of {
                Some(held_as) => self.found_held(item, file.clone(), sha256, held_as),
                None => item.phase.set(Phase::Done),
            },
            Err(e) => {
                item.error.set(Some(e.to_string()));
                item.phase.set(Phase::Failed);
            }
        }
    }

    async fn failed(&self, item: UploadItem, file_id: Uuid, reason: String) {
        item.error.set(Some(reason.clone()));
        item.phase.set(Phase::Failed);
        // Best effort: when offline this fails too, and the sweeper settles the file later.
        let _ = fail_upload(file_id, reason).await;
    }

    pub fn cancel(&self, key: u64) {
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.cancel_requested = true;
        }
        let inner = self.inner.borrow();
        let Some(entry) = inner.entries.get(&key) else { return };
        match entry.xhrs.first() {
            // The abort handler reports the cancel.
            Some(_) => {
                for xhr in &entry.xhrs {
                    let _ = xhr.abort();
                }
            }
            // Waiting in the queue, or telling the server it starts: stop it here, and offer a
            // retry only once the server has recorded the cancel (else the two could cross).
            None => {
                let item = entry.item;
                if item.phase.get_untracked().can_cancel() {
                    item.phase.set(Phase::Cancelling);
                    if let Some(file_id) = item.file_id.get_untracked() {
                        spawn_local(async move {
                            let _ = fail_upload(file_id, "cancelled".into()).await;
                            item.phase.set(Phase::Cancelled);
                        });
                    }
                }
            }
        }
    }

    /// A fresh URL from the server, then back in the queue.
    pub fn retry(&self, key: u64) {
        let Some(item) = self.inner.borrow().entries.get(&key).map(|e| e.item) else { return };
        let Some(file_id) = item.file_id.get_untracked() else { return };
        // One retry at a time: a second click finds the phase no longer retryable.
        if !item.phase.get_untracked().can_retry() {
            return;
        }
        let previous = item.phase.get_untracked();
        item.phase.set(Phase::Verifying);
        let queue = self.clone();
        spawn_local(async move {
            item.error.set(None);
            match retry_upload(file_id).await {
                Ok(started) => {
                    if let Some(entry) = queue.inner.borrow_mut().entries.get_mut(&key) {
                        entry.upload = started.upload;
                        entry.cancel_requested = false;
                    }
                    if !queue.any_active() {
                        queue.state.started_at.set(Some(now_ms()));
                    }
                    item.loaded.set(0);
                    item.phase.set(Phase::Queued);
                    queue.inner.borrow_mut().waiting.push_back(key);
                    queue.pump();
                }
                Err(e) => {
                    item.error.set(Some(e.to_string()));
                    item.phase.set(previous);
                }
            }
        });
    }
}

/// The bytes are in the store; only the bookkeeping call is left. It is retried with backoff
/// while the app is unreachable or overloaded (a restart, a deploy), so a finished upload is
/// not reported as failed for a passing outage.
async fn complete_with_retries(
    file_id: Uuid,
    etag: Option<String>,
    thumbhash: Option<String>,
    video: Option<VideoDetails>,
    sha256: Option<String>,
) -> Result<FileOutcome, crate::error::AppError> {
    let mut delay_ms: u32 = 500;
    let mut attempts = 0;
    loop {
        match complete_upload(file_id, None, etag.clone(), thumbhash.clone(), video, sha256.clone()).await {
            Ok(outcome) => return Ok(outcome),
            Err(AppError::Network(_) | AppError::Unavailable | AppError::Internal) if attempts < 10 => {
                attempts += 1;
                gloo_timers::future::TimeoutFuture::new(delay_ms).await;
                delay_ms = (delay_ms * 2).min(8000);
            }
            Err(e) => return Err(e),
        }
    }
}
