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

use super::probes::{fingerprint, is_kind, thumbhash_of};
use super::{Phase, UploadItem, UploaderState, MAX_IN_FLIGHT};
use crate::api::uploads::{complete_upload, fail_upload, retry_upload, start_upload};
use crate::error::AppError;
use crate::model::upload::{PresignedRequest, StartedEntry, UploadFile, UploadFileSpec, VideoDetails, MIN_PART_SIZE};
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
}

#[derive(Default)]
struct Inner {
    waiting: VecDeque<u64>,
    in_flight: usize,
    entries: HashMap<u64, Entry>,
    /// Files not sent because the library holds their content, kept for "Upload anyway".
    held: HashMap<u64, File>,
    next_key: u64,
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

    /// One batch: one job on the server, one row per file here.
    pub fn add_files(&self, files: Vec<File>) {
        self.start_batch(files, false);
    }

    /// Files whose content the library may already hold (same size) are hashed first and sent
    /// with their hash: those it holds come back as duplicates and are not sent, unless
    /// `allow_duplicate` ("Upload anyway").
    fn start_batch(&self, files: Vec<File>, allow_duplicate: bool) {
        let queue = self.clone();
        spawn_local(async move {
            let hashes = if allow_duplicate {
                vec![None; files.len()]
            } else {
                duplicates::content_hashes(&files, &queue.state).await
            };
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
            queue.state.banner.set(None);
            let started = match start_upload(specs, queue.collection_id.get_untracked()).await {
                Ok(started) => started,
                Err(e) => {
                    queue.state.banner.set(Some(e.to_string()));
                    return;
                }
            };
            if queue.state.started_at.get_untracked().is_none() || !queue.any_active() {
                queue.state.started_at.set(Some(now_ms()));
            }
            // The server answers the files in the order they were sent.
            for (file, started) in files.into_iter().zip(started.files) {
                let key = queue.next_key();
                match started {
                    StartedEntry::Upload(started_file) => {
                        let multipart = started_file.file.part_size.is_some();
                        queue.enqueue(key, &started_file.file, file, started_file.upload, multipart);
                    }
                    StartedEntry::Duplicate { duplicate_of, .. } => queue.held_already(key, file, duplicate_of),
                }
            }
            queue.pump();
        });
    }

    fn enqueue(
        &self,
        key: u64,
        upload_file: &UploadFile,
        file: File,
        upload: Option<PresignedRequest>,
        multipart: bool,
    ) {
        let item = UploadItem {
            key,
            name: StoredValue::new(upload_file.original_filename.clone()),
            size: upload_file.size,
            file_id: RwSignal::new(Some(upload_file.id)),
            loaded: RwSignal::new(0),
            phase: RwSignal::new(Phase::Queued),
            error: RwSignal::new(None),
            held_as: RwSignal::new(None),
        };
        self.state.items.update(|items| items.push(item));
        let mut inner = self.inner.borrow_mut();
        inner.entries.insert(key, Entry { item, file, upload, multipart, xhrs: Vec::new(), cancel_requested: false });
        inner.waiting.push_back(key);
    }

    /// Continues an unfinished multipart upload with the file the user picked again: only the
    /// parts the store does not have are sent. The caller has matched the file.
    pub fn resume(&self, upload_file: UploadFile, file: File) {
        let key = self.next_key();
        if !self.any_active() {
            self.state.started_at.set(Some(now_ms()));
        }
        self.enqueue(key, &upload_file, file, None, true);
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
        match (multipart, upload) {
            (true, _) => self.send_parts(key, item, file_id, file).await,
            (false, Some(upload)) => self.send_single(key, item, file_id, file, upload).await,
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
    ) {
        item.loaded.set(item.size);
        item.phase.set(Phase::Verifying);
        let thumbhash = if is_kind(file, MediaKind::Image) { thumbhash_of(file).await } else { None };
        match complete_with_retries(file_id, etag, thumbhash, video).await {
            Ok(()) => item.phase.set(Phase::Done),
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
) -> Result<(), crate::error::AppError> {
    let mut delay_ms: u32 = 500;
    let mut attempts = 0;
    loop {
        match complete_upload(file_id, None, etag.clone(), thumbhash.clone(), video, None).await {
            Ok(_) => return Ok(()),
            Err(AppError::Network(_) | AppError::Unavailable | AppError::Internal) if attempts < 10 => {
                attempts += 1;
                gloo_timers::future::TimeoutFuture::new(delay_ms).await;
                delay_ms = (delay_ms * 2).min(8000);
            }
            Err(e) => return Err(e),
        }
    }
}
