//! The browser side of a batch: ask the server for a job and URLs, then PUT the files at most
//! `MAX_IN_FLIGHT` at a time, reporting each file's start, completion or failure.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::{File, XmlHttpRequest};

use super::xhr::{put_file, PutError};
use super::{Phase, UploadItem, UploaderState, MAX_IN_FLIGHT};
use crate::api::uploads::{begin_upload, complete_upload, fail_upload, retry_upload, start_upload};
use crate::model::upload::{PresignedRequest, UploadFileSpec};

struct Entry {
    item: UploadItem,
    file: File,
    upload: Option<PresignedRequest>,
    xhr: Option<XmlHttpRequest>,
}

#[derive(Default)]
struct Inner {
    waiting: VecDeque<u64>,
    in_flight: usize,
    entries: HashMap<u64, Entry>,
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
        let queue = self.clone();
        spawn_local(async move {
            let specs: Vec<UploadFileSpec> = files
                .iter()
                .map(|f| UploadFileSpec { name: f.name(), size: f.size() as u64, content_type: f.type_() })
                .collect();
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
            for (file, started_file) in files.into_iter().zip(started.files) {
                let key = {
                    let mut inner = queue.inner.borrow_mut();
                    inner.next_key += 1;
                    inner.next_key
                };
                let item = UploadItem {
                    key,
                    name: StoredValue::new(started_file.file.original_filename.clone()),
                    size: started_file.file.size,
                    file_id: RwSignal::new(Some(started_file.file.id)),
                    loaded: RwSignal::new(0),
                    phase: RwSignal::new(Phase::Queued),
                    error: RwSignal::new(None),
                };
                queue.state.items.update(|items| items.push(item));
                let mut inner = queue.inner.borrow_mut();
                inner.entries.insert(key, Entry { item, file, upload: Some(started_file.upload), xhr: None });
                inner.waiting.push_back(key);
            }
            queue.pump();
        });
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
        let Some((item, upload, file)) = ({
            let inner = self.inner.borrow();
            inner.entries.get(&key).and_then(|e| Some((e.item, e.upload.clone()?, e.file.clone())))
        }) else {
            return;
        };
        // Cancelled while it waited.
        if item.phase.get_untracked() != Phase::Queued {
            return;
        }
        let Some(file_id) = item.file_id.get_untracked() else { return };
        item.phase.set(Phase::Uploading);
        item.loaded.set(0);
        item.error.set(None);
        // Telling the server first is only bookkeeping: a failure here must not stop the bytes.
        let _ = begin_upload(file_id).await;
        // Cancelled while the server was being told.
        if item.phase.get_untracked() != Phase::Uploading {
            return;
        }

        let state = self.state;
        let put = put_file(&upload, &file, move |sent| {
            item.loaded.set(sent);
            state.now.set(now_ms());
        });
        let put = match put {
            Ok(put) => put,
            Err(e) => return self.failed(item, file_id, format!("the browser could not start the upload ({e:?})")).await,
        };
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.xhr = Some(put.abort_handle());
            entry.upload = None; // one URL, one attempt: a retry asks for a fresh one
        }
        let result = put.wait().await;
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.xhr = None;
        }
        self.state.now.set(now_ms());
        match result {
            Ok(response) if (200..300).contains(&response.status) => {
                item.loaded.set(item.size);
                item.phase.set(Phase::Verifying);
                let thumbhash = if file.type_().starts_with("image/") { thumbhash_of(&file).await } else { None };
                match complete_with_retries(file_id, response.etag, thumbhash).await {
                    Ok(()) => item.phase.set(Phase::Done),
                    Err(e) => {
                        item.error.set(Some(e.to_string()));
                        item.phase.set(Phase::Failed);
                    }
                }
            }
            Ok(response) => {
                let reason = match response.status {
                    403 => "storage refused the upload (HTTP 403: the link expired or did not match the file)".to_string(),
                    status => format!("storage answered HTTP {status}"),
                };
                self.failed(item, file_id, reason).await
            }
            Err(PutError::Aborted) => {
                let _ = fail_upload(file_id, "cancelled".into()).await;
                item.phase.set(Phase::Cancelled);
            }
            Err(PutError::Network) => {
                self.failed(item, file_id, "network error: the connection to storage was lost".into()).await
            }
            Err(PutError::Refused(detail)) => self.failed(item, file_id, format!("the browser refused the upload ({detail})")).await,
        }
    }

    async fn failed(&self, item: UploadItem, file_id: Uuid, reason: String) {
        item.error.set(Some(reason.clone()));
        item.phase.set(Phase::Failed);
        // Best effort: when offline this fails too, and the sweeper settles the file later.
        let _ = fail_upload(file_id, reason).await;
    }

    pub fn cancel(&self, key: u64) {
        let inner = self.inner.borrow();
        let Some(entry) = inner.entries.get(&key) else { return };
        match &entry.xhr {
            // The abort handler reports the cancel.
            Some(xhr) => {
                let _ = xhr.abort();
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
                        entry.upload = Some(started.upload);
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
) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    let mut delay_ms = 500;
    let mut attempts = 0;
    loop {
        match complete_upload(file_id, None, etag.clone(), thumbhash.clone()).await {
            Ok(_) => return Ok(()),
            Err(AppError::Network(_) | AppError::Unavailable | AppError::Internal) if attempts < 10 => {
                attempts += 1;
                sleep_ms(delay_ms).await;
                delay_ms = (delay_ms * 2).min(8000);
            }
            Err(e) => return Err(e),
        }
    }
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A ThumbHash of the image (base64): decoded by the browser, drawn at most 100 px on a side,
/// hashed in Wasm. `None` when the browser cannot decode it (HEIC in most browsers, say).
async fn thumbhash_of(file: &File) -> Option<String> {
    use base64::Engine;
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let promise = window.create_image_bitmap_with_blob(file).ok()?;
    let bitmap: web_sys::ImageBitmap = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let (w, h) = (bitmap.width().max(1), bitmap.height().max(1));
    let scale = 100.0 / f64::from(w.max(h));
    let (tw, th) = (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1));
    let canvas: web_sys::HtmlCanvasElement = window.document()?.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(tw);
    canvas.set_height(th);
    let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(tw), f64::from(th)).ok()?;
    bitmap.close();
    let pixels = context.get_image_data(0.0, 0.0, f64::from(tw), f64::from(th)).ok()?.data();
    let hash = thumbhash::rgba_to_thumb_hash(tw as usize, th as usize, &pixels);
    Some(base64::engine::general_purpose::STANDARD.encode(hash))
}
