//! The browser side of a batch: ask the server for a job and URLs, then PUT the files at most
//! `MAX_IN_FLIGHT` at a time, reporting each file's start, completion or failure.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use web_sys::{File, XmlHttpRequest};

use super::xhr::{put_file, PutError};
use super::{Phase, UploadItem, UploaderState, MAX_IN_FLIGHT};
use crate::api::uploads::{
    begin_upload, complete_upload, fail_upload, record_upload_part, retry_upload, sign_poster_upload, sign_upload_part,
    start_upload, upload_parts,
};
use crate::model::upload::{PresignedRequest, UploadFile, UploadFileSpec, VideoDetails, MIN_PART_SIZE};

/// Parts of one multipart upload sent at once.
const PARTS_IN_FLIGHT: usize = 4;

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

/// Why the parts of an upload stopped.
enum PartsStopped {
    Cancelled,
    Failed(String),
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
            let mut specs = Vec::with_capacity(files.len());
            for f in &files {
                // Big files may go in parts and be resumed: remember how to recognise them.
                let fingerprint = if f.size() as u64 >= MIN_PART_SIZE { fingerprint(f).await } else { None };
                specs.push(UploadFileSpec {
                    name: f.name(),
                    size: f.size() as u64,
                    content_type: f.type_(),
                    last_modified: Some(f.last_modified() as i64),
                    fingerprint,
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
            for (file, started_file) in files.into_iter().zip(started.files) {
                let key = {
                    let mut inner = queue.inner.borrow_mut();
                    inner.next_key += 1;
                    inner.next_key
                };
                let multipart = started_file.file.part_size.is_some();
                queue.enqueue(key, &started_file.file, file, started_file.upload, multipart);
            }
            queue.pump();
        });
    }

    fn enqueue(&self, key: u64, upload_file: &UploadFile, file: File, upload: Option<PresignedRequest>, multipart: bool) {
        let item = UploadItem {
            key,
            name: StoredValue::new(upload_file.original_filename.clone()),
            size: upload_file.size,
            file_id: RwSignal::new(Some(upload_file.id)),
            loaded: RwSignal::new(0),
            phase: RwSignal::new(Phase::Queued),
            error: RwSignal::new(None),
        };
        self.state.items.update(|items| items.push(item));
        let mut inner = self.inner.borrow_mut();
        inner.entries.insert(key, Entry { item, file, upload, multipart, xhrs: Vec::new(), cancel_requested: false });
        inner.waiting.push_back(key);
    }

    /// Continues an unfinished multipart upload with the file the user picked again: only the
    /// parts the store does not have are sent. The caller has matched the file.
    pub fn resume(&self, upload_file: UploadFile, file: File) {
        let key = {
            let mut inner = self.inner.borrow_mut();
            inner.next_key += 1;
            inner.next_key
        };
        if !self.any_active() {
            self.state.started_at.set(Some(now_ms()));
        }
        self.enqueue(key, &upload_file, file, None, true);
        self.pump();
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
        if multipart {
            return self.send_parts(key, item, file).await;
        }
        let Some(upload) = upload else { return };
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

        let video = if file.type_().starts_with("video/") { send_poster(file_id, &file).await } else { None };
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
            entry.xhrs = vec![put.abort_handle()];
            entry.upload = None; // one URL, one attempt: a retry asks for a fresh one
        }
        let result = put.wait().await;
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.xhrs.clear();
        }
        self.state.now.set(now_ms());
        match result {
            Ok(response) if (200..300).contains(&response.status) => {
                item.loaded.set(item.size);
                item.phase.set(Phase::Verifying);
                let thumbhash = if file.type_().starts_with("image/") { thumbhash_of(&file).await } else { None };
                match complete_with_retries(file_id, response.etag, thumbhash, video).await {
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

    /// A multipart upload: ask the store (through the server) which parts it has, send the
    /// others `PARTS_IN_FLIGHT` at a time, each on a URL signed just before, record each part as
    /// it lands, then complete.
    async fn send_parts(&self, key: u64, item: UploadItem, file: File) {
        if item.phase.get_untracked() != Phase::Queued {
            return;
        }
        let Some(file_id) = item.file_id.get_untracked() else { return };
        item.phase.set(Phase::Uploading);
        item.error.set(None);
        let progress = match upload_parts(file_id).await {
            Ok(progress) => progress,
            Err(e) => return self.failed(item, file_id, format!("could not look up the parts already sent: {e}")).await,
        };
        let video = if file.type_().starts_with("video/") { send_poster(file_id, &file).await } else { None };
        let have: HashSet<u32> = progress.parts.iter().map(|p| p.number).collect();
        let missing: Rc<RefCell<VecDeque<u32>>> =
            Rc::new(RefCell::new((1..=progress.part_count).filter(|n| !have.contains(n)).collect()));
        let finished = Rc::new(Cell::new(progress.parts.iter().map(|p| p.size).sum::<u64>()));
        let sending: Rc<RefCell<HashMap<u32, u64>>> = Rc::default();
        let stopped: Rc<RefCell<Option<PartsStopped>>> = Rc::default();
        item.loaded.set(finished.get());
        let part_size = progress.part_size;
        let worker = || {
            let (queue, file, missing, finished, sending, stopped) =
                (self.clone(), file.clone(), missing.clone(), finished.clone(), sending.clone(), stopped.clone());
            async move {
                loop {
                    if stopped.borrow().is_some() || item.phase.get_untracked() != Phase::Uploading {
                        return;
                    }
                    let Some(number) = missing.borrow_mut().pop_front() else { return };
                    let start = u64::from(number - 1) * part_size;
                    let end = (start + part_size).min(item.size);
                    let result = queue.send_part(key, item, file_id, &file, number, start, end, &finished, &sending).await;
                    match result {
                        Ok(()) => finished.set(finished.get() + (end - start)),
                        Err(why) => {
                            stopped.borrow_mut().get_or_insert(why);
                            return;
                        }
                    }
                }
            }
        };
        futures::future::join_all((0..PARTS_IN_FLIGHT).map(|_| worker())).await;
        let stopped = stopped.borrow_mut().take();
        self.state.now.set(now_ms());
        match stopped {
            None if item.phase.get_untracked() == Phase::Uploading => {
                item.loaded.set(item.size);
                item.phase.set(Phase::Verifying);
                match complete_with_retries(file_id, None, None, video).await {
                    Ok(()) => item.phase.set(Phase::Done),
                    Err(e) => {
                        item.error.set(Some(e.to_string()));
                        item.phase.set(Phase::Failed);
                    }
                }
            }
            None => {}
            Some(PartsStopped::Cancelled) => {
                let _ = fail_upload(file_id, "cancelled".into()).await;
                item.phase.set(Phase::Cancelled);
            }
            Some(PartsStopped::Failed(reason)) => {
                // The parts sent so far stay in the store: a retry of the page resumes from them.
                item.error.set(Some(reason));
                item.phase.set(Phase::Failed);
            }
        }
    }

    /// One part, bytes `start..end`. A URL that expired (403) is signed again once.
    #[allow(clippy::too_many_arguments)]
    async fn send_part(
        &self,
        key: u64,
        item: UploadItem,
        file_id: Uuid,
        file: &File,
        number: u32,
        start: u64,
        end: u64,
        finished: &Rc<Cell<u64>>,
        sending: &Rc<RefCell<HashMap<u32, u64>>>,
    ) -> Result<(), PartsStopped> {
        let body = file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| PartsStopped::Failed(format!("the browser could not read the file ({e:?})")))?;
        for attempt in 0..2 {
            let request = sign_upload_part(file_id, number)
                .await
                .map_err(|e| PartsStopped::Failed(format!("could not get a link for part {number}: {e}")))?;
            let state = self.state;
            let (finished_now, sending_now) = (finished.clone(), sending.clone());
            let put = put_file(&request, &body, move |sent| {
                sending_now.borrow_mut().insert(number, sent);
                item.loaded.set(finished_now.get() + sending_now.borrow().values().sum::<u64>());
                state.now.set(now_ms());
            })
            .map_err(|e| PartsStopped::Failed(format!("the browser could not start part {number} ({e:?})")))?;
            let handle = put.abort_handle();
            if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
                entry.xhrs.push(handle.clone());
            }
            let result = put.wait().await;
            if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
                entry.xhrs.retain(|x| x != &handle);
            }
            sending.borrow_mut().remove(&number);
            match result {
                Ok(response) if (200..300).contains(&response.status) => {
                    let Some(etag) = response.etag else {
                        return Err(PartsStopped::Failed(
                            "storage did not show the part's ETag (its CORS rules must expose ETag)".into(),
                        ));
                    };
                    // Bookkeeping only (the store's list of parts is the truth when completing), so
                    // the next part does not wait for it.
                    leptos::task::spawn_local(async move {
                        let _ = record_upload_part(file_id, number, etag).await;
                    });
                    return Ok(());
                }
                Ok(response) if response.status == 403 && attempt == 0 => continue,
                Ok(response) => {
                    return Err(PartsStopped::Failed(format!("storage answered HTTP {} for part {number}", response.status)))
                }
                Err(PutError::Aborted) => {
                    // Not by the user (the page is unloading): leave the upload resumable.
                    let by_user = self.inner.borrow().entries.get(&key).is_some_and(|e| e.cancel_requested);
                    return Err(if by_user {
                        PartsStopped::Cancelled
                    } else {
                        PartsStopped::Failed("the upload was interrupted".into())
                    });
                }
                Err(PutError::Network) => {
                    return Err(PartsStopped::Failed("network error: the connection to storage was lost".into()))
                }
                Err(PutError::Refused(detail)) => {
                    return Err(PartsStopped::Failed(format!("the browser refused part {number} ({detail})")))
                }
            }
        }
        Err(PartsStopped::Failed(format!("storage refused part {number} twice (HTTP 403)")))
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
    use crate::error::AppError;
    let mut delay_ms = 500;
    let mut attempts = 0;
    loop {
        match complete_upload(file_id, None, etag.clone(), thumbhash.clone(), video).await {
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

/// SHA-256 of a file's first and last MiB, hex: with name, size and date, how a re-selected file
/// is recognised as the one an unfinished upload was of, without reading all of it.
pub async fn fingerprint(file: &File) -> Option<String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    const MIB: f64 = 1024.0 * 1024.0;
    let size = file.size();
    let head = file.slice_with_f64_and_f64(0.0, MIB.min(size)).ok()?;
    let tail = file.slice_with_f64_and_f64((size - MIB).max(0.0), size).ok()?;
    let parts = js_sys::Array::of2(&head, &tail);
    let both = web_sys::Blob::new_with_blob_sequence(&parts).ok()?;
    let buffer = JsFuture::from(both.array_buffer()).await.ok()?;
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &buffer.unchecked_into()).ok()?).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&digest).to_vec();
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Widest poster frame drawn.
const POSTER_MAX_WIDTH: u32 = 1280;

/// Reads a video in the browser (a `<video>` element on an object URL, no server decoding),
/// draws the frame at about one second as a JPEG, PUTs it to its own presigned URL, and says
/// what it found. Best effort: a video the browser cannot decode still uploads, without a poster.
async fn send_poster(file_id: Uuid, file: &File) -> Option<VideoDetails> {
    let (jpeg, width, height, duration_ms) = poster_frame(file).await?;
    let mut details = VideoDetails { width: Some(width), height: Some(height), duration_ms, poster: false };
    if let Ok(request) = sign_poster_upload(file_id, jpeg.size() as u64).await {
        if let Ok(put) = put_file(&request, &jpeg, |_| {}) {
            details.poster = matches!(put.wait().await, Ok(r) if (200..300).contains(&r.status));
        }
    }
    Some(details)
}

async fn poster_frame(file: &File) -> Option<(web_sys::Blob, u32, u32, Option<u64>)> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    let video: web_sys::HtmlVideoElement = document.create_element("video").ok()?.dyn_into().ok()?;
    let url = web_sys::Url::create_object_url_with_blob(file).ok()?;
    video.set_muted(true);
    video.set_preload("auto");
    video.set_src(&url);
    let frame = async {
        if !wait_for_event(&video, "loadeddata", 10_000).await {
            return None;
        }
        let duration = video.duration();
        let (w, h) = (video.video_width(), video.video_height());
        if w == 0 || h == 0 {
            return None;
        }
        let at = if duration.is_finite() && duration > 0.0 { (duration / 2.0).min(1.0) } else { 0.0 };
        if at > 0.0 {
            video.set_current_time(at);
            wait_for_event(&video, "seeked", 10_000).await;
        }
        let scale = (f64::from(POSTER_MAX_WIDTH) / f64::from(w)).min(1.0);
        let (cw, ch) = (((f64::from(w) * scale).round() as u32).max(1), ((f64::from(h) * scale).round() as u32).max(1));
        let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        canvas.set_width(cw);
        canvas.set_height(ch);
        let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        context.draw_image_with_html_video_element_and_dw_and_dh(&video, 0.0, 0.0, f64::from(cw), f64::from(ch)).ok()?;
        let jpeg = canvas_jpeg(&canvas).await?;
        let duration_ms = (duration.is_finite() && duration > 0.0).then(|| (duration * 1000.0).round() as u64);
        Some((jpeg, w, h, duration_ms))
    }
    .await;
    let _ = web_sys::Url::revoke_object_url(&url);
    let _ = video.remove_attribute("src");
    frame
}

/// The canvas as a JPEG blob (quality 0.82).
async fn canvas_jpeg(canvas: &web_sys::HtmlCanvasElement) -> Option<web_sys::Blob> {
    use wasm_bindgen::JsCast;
    let (tx, rx) = futures::channel::oneshot::channel::<Option<web_sys::Blob>>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let callback = wasm_bindgen::closure::Closure::once(move |blob: wasm_bindgen::JsValue| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(blob.dyn_into::<web_sys::Blob>().ok());
        }
    });
    canvas
        .to_blob_with_type_and_encoder_options(callback.as_ref().unchecked_ref(), "image/jpeg", &wasm_bindgen::JsValue::from_f64(0.82))
        .ok()?;
    let blob = rx.await.ok().flatten();
    drop(callback);
    blob
}

/// Waits for `event` on `target`, at most `timeout_ms`; whether it came.
async fn wait_for_event(target: &web_sys::EventTarget, event: &str, timeout_ms: i32) -> bool {
    use wasm_bindgen::JsCast;
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(());
        }
    });
    if target.add_event_listener_with_callback(event, callback.as_ref().unchecked_ref()).is_err() {
        return false;
    }
    let came = match futures::future::select(rx, Box::pin(sleep_ms(timeout_ms))).await {
        futures::future::Either::Left((got, _)) => got.is_ok(),
        futures::future::Either::Right(_) => false,
    };
    let _ = target.remove_event_listener_with_callback(event, callback.as_ref().unchecked_ref());
    came
}
