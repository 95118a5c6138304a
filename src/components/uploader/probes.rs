//! What the browser learns of a file before or while it uploads, without the server ever
//! reading it: an image's ThumbHash, a big file's fingerprint, a video's size, length and
//! poster frame.

use std::cell::RefCell;
use std::rc::Rc;

use uuid::Uuid;
use web_sys::File;

use super::xhr::put_file;
use crate::api::uploads::sign_poster_upload;
use crate::model::upload::{PosterFrame, VideoDetails};
use crate::model::{ContentType, MediaKind};

/// Whether the browser says the file is of this kind (the one content-type parser decides).
pub fn is_kind(file: &File, kind: MediaKind) -> bool {
    ContentType::parse(&file.type_()).ok().and_then(|t| t.kind()) == Some(kind)
}

/// A ThumbHash of the image (base64): decoded by the browser, drawn at most 100 px on a side,
/// hashed in Wasm. `None` when the browser cannot decode it (HEIC in most browsers, say).
pub async fn thumbhash_of(file: &File) -> Option<String> {
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
    use wasm_bindgen_futures::JsFuture;
    const MIB: f64 = 1024.0 * 1024.0;
    let size = file.size();
    let head = file.slice_with_f64_and_f64(0.0, MIB.min(size)).ok()?;
    let tail = file.slice_with_f64_and_f64((size - MIB).max(0.0), size).ok()?;
    let parts = js_sys::Array::of2(&head, &tail);
    let both = web_sys::Blob::new_with_blob_sequence(&parts).ok()?;
    let buffer = JsFuture::from(both.array_buffer()).await.ok()?;
    sha256_hex(buffer).await
}

/// SHA-256 of the whole file, hex, by the browser's native SubtleCrypto (hundreds of MB/s,
/// far beyond a Wasm hash). SubtleCrypto digests one buffer, so the file is read into memory
/// once: callers hash only files up to a bound.
pub async fn sha256_of(file: &File) -> Option<String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await.ok()?;
    sha256_hex(buffer).await
}

/// Bytes read per slice by the streaming hash: big enough that a read's overhead vanishes,
/// small enough that hashing one slice (without yielding) does not stall the page.
const HASH_SLICE_BYTES: u64 = 4 * 1024 * 1024;

/// SHA-256 of the whole file, hex, read slice by slice and hashed in Wasm (`sha2`): a file of
/// any size, never held whole, for files hashed while they are sent. `on_progress` gets the
/// bytes hashed so far. `None` when the file cannot be read (or changed while it was read).
pub async fn sha256_streaming(file: &File, on_progress: impl Fn(u64)) -> Option<String> {
    use sha2::{Digest, Sha256};
    let size = file.size() as u64;
    let mut hasher = Sha256::new();
    let mut slice_bytes = Vec::new();
    let mut offset = 0;
    while offset < size {
        let end = (offset + HASH_SLICE_BYTES).min(size);
        let slice = file.slice_with_f64_and_f64(offset as f64, end as f64).ok()?;
        let buffer = wasm_bindgen_futures::JsFuture::from(slice.array_buffer()).await.ok()?;
        let bytes = js_sys::Uint8Array::new(&buffer);
        if u64::from(bytes.length()) != end - offset {
            return None;
        }
        slice_bytes.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut slice_bytes);
        hasher.update(&slice_bytes);
        offset = end;
        on_progress(offset);
    }
    Some(hex(&hasher.finalize()))
}

async fn sha256_hex(buffer: wasm_bindgen::JsValue) -> Option<String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &buffer.unchecked_into()).ok()?)
        .await
        .ok()?;
    Some(hex(&js_sys::Uint8Array::new(&digest).to_vec()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a video in the browser (a `<video>` element on an object URL, no server decoding),
/// draws the frame at about one second as a JPEG, PUTs it to its own presigned URL, and says
/// what it found. Best effort: a video the browser cannot decode still uploads, without a poster.
pub async fn send_poster(file_id: Uuid, file: &File) -> Option<VideoDetails> {
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
        let at = PosterFrame::at_seconds(duration);
        if at > 0.0 {
            video.set_current_time(at);
            wait_for_event(&video, "seeked", 10_000).await;
        }
        let (cw, ch) = PosterFrame::size(w, h);
        let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
        canvas.set_width(cw);
        canvas.set_height(ch);
        let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        context
            .draw_image_with_html_video_element_and_dw_and_dh(&video, 0.0, 0.0, f64::from(cw), f64::from(ch))
            .ok()?;
        let jpeg = canvas_jpeg(&canvas).await?;
        let duration_ms = (duration.is_finite() && duration > 0.0).then(|| (duration * 1000.0).round() as u64);
        Some((jpeg, w, h, duration_ms))
    }
    .await;
    let _ = web_sys::Url::revoke_object_url(&url);
    let _ = video.remove_attribute("src");
    frame
}

/// The canvas as a JPEG blob (at the poster frame's quality).
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
        .to_blob_with_type_and_encoder_options(
            callback.as_ref().unchecked_ref(),
            "image/jpeg",
            &wasm_bindgen::JsValue::from_f64(f64::from(PosterFrame::QUALITY) / 100.0),
        )
        .ok()?;
    let blob = rx.await.ok().flatten();
    drop(callback);
    blob
}

/// Waits for `event` on `target`, at most `timeout_ms`; whether it came. The listener is
/// removed when this returns (gloo's `EventListener` does that on drop).
async fn wait_for_event(target: &web_sys::EventTarget, event: &'static str, timeout_ms: u32) -> bool {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let _listener = gloo_events::EventListener::once(target, event, move |_| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(());
        }
    });
    match futures::future::select(rx, gloo_timers::future::TimeoutFuture::new(timeout_ms)).await {
        futures::future::Either::Left((got, _)) => got.is_ok(),
        futures::future::Either::Right(_) => false,
    }
}
