//! The local image origin: `/cdn/<key>?width=…` answered the way the resizing CDN answers it,
//! for the embedded setup (and as an origin any pull CDN can sit in front of).
//!
//! Originals stream from the store with Range support (videos seek); image variants are made
//! once on the blocking pool, kept on disk under `<data>/cache/<key>/`, and sent with an ETag
//! and a year-long immutable Cache-Control: a key never changes content.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
mod cache;
pub mod decode;
mod render;
pub mod small;

use cache::{cache_path, write_atomically, Variant, VariantId};
pub use cache::{variant_dir, Variants};
pub use render::{dimensions_from_prefix, encode_heif, render_variant, AutoFormat, AVIF_MAX_PIXELS};
use render::{render, OutputFormat};

use image::ImageFormat;

use crate::cdn::Transform;
use crate::model::{ContentType, ObjectKey};
use crate::server::state::AppState;

/// Originals larger than this are served but not transformed.
pub const MAX_SOURCE_BYTES: u64 = 100 * 1024 * 1024;
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("{0}")]
    BadRequest(String),
    /// Unsigned, tampered with or expired, with token authentication on (as Bunny answers).
    #[error("this URL is not signed, or its signature does not match or has expired")]
    Forbidden,
    #[error("no such object")]
    NotFound,
    #[error("{0}")]
    Unprocessable(String),
    #[error("store unavailable: {0}")]
    Store(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl IntoResponse for OriginError {
    fn into_response(self) -> Response {
        let status = match &self {
            OriginError::BadRequest(_) => StatusCode::BAD_REQUEST,
            OriginError::Forbidden => StatusCode::FORBIDDEN,
            OriginError::NotFound => StatusCode::NOT_FOUND,
            OriginError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            OriginError::Store(_) => StatusCode::BAD_GATEWAY,
            OriginError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = match &self {
            OriginError::Store(e) | OriginError::Internal(e) => {
                tracing::error!(error = %e, "image origin failed");
                "the image could not be served".to_string()
            }
            other => other.to_string(),
        };
        (status, [(header::CACHE_CONTROL, "no-store")], message).into_response()
    }
}

/// Where the origin is mounted: the root of the "zone" its tokens are signed below.
pub const MOUNT: &str = "/cdn";

/// `GET /cdn/{*key}`
pub async fn serve(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Result<Response, OriginError> {
    // The raw path, not the router's decoded one: a token signs the path as it was sent, and a
    // directory token's path form carries `%2F`s that must not become separators.
    let below = uri.path().strip_prefix(MOUNT).unwrap_or(uri.path());
    let admitted = state.delivery.admit(below, uri.query().unwrap_or(""), state.clock.now()).map_err(|refusal| {
        tracing::debug!(?refusal, path = %uri.path(), "refused a delivery URL");
        OriginError::Forbidden
    })?;
    let raw_key = admitted.path.strip_prefix('/').unwrap_or(&admitted.path);
    let key = percent_encoding::percent_decode_str(raw_key)
        .decode_utf8()
        .ok()
        .and_then(|key| ObjectKey::parse(&key).ok())
        .ok_or_else(|| OriginError::BadRequest("not an object key".into()))?;
    let transform = Transform::parse_query(&admitted.query).map_err(OriginError::BadRequest)?;
    // A trashed item is gone for visitors at once, cached variants included.
    match state.trashed.hides(&state, &key).await {
        Ok(false) => {}
        Ok(true) => return Err(OriginError::NotFound),
        Err(e) => return Err(OriginError::Internal(e.to_string())),
    }
    if transform.is_identity() {
        return stream_original(&state, &key, &headers).await;
    }
    let auto = AutoFormat::negotiate(&transform, headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let id = VariantId::new(&key, &transform, auto);
    if if_none_match(&headers, id.etag.to_str().unwrap_or_default()) {
        return Ok(not_modified(&id.etag));
    }
    if let Some(variant) = state.variants.get(&id) {
        return Ok(variant_response(&variant, &id.etag));
    }
    let cache_path = cache_path(&state.data_dir, &key, &transform, auto);
    if let Ok(bytes) = tokio::fs::read(&cache_path).await {
        // A cached file keeps its bytes' format; it is sniffed again when served.
        let variant = Arc::new(variant_of(bytes, OutputFormat::Unknown));
        state.variants.keep(&id, variant.clone());
        return Ok(variant_response(&variant, &id.etag));
    }

    let head =
        state.storage.head(&key).await.map_err(|e| OriginError::Store(e.to_string()))?.ok_or(OriginError::NotFound)?;
    if !head.content_type.as_ref().is_some_and(ContentType::is_raster_image) {
        // Parameters only mean something for images; anything else is served as it is.
        return stream_original(&state, &key, &headers).await;
    }
    if head.size > MAX_SOURCE_BYTES {
        return Err(OriginError::Unprocessable(format!(
            "the original is {} bytes; images over {MAX_SOURCE_BYTES} bytes are served only as they are",
            head.size
        )));
    }
    let original = state
        .storage
        .get_bytes(&key)
        .await
        .map_err(|e| OriginError::Store(e.to_string()))?
        .ok_or(OriginError::NotFound)?;
    let (bytes, format) = tokio::task::spawn_blocking(move || render(&original, &transform, auto))
        .await
        .map_err(|e| OriginError::Internal(e.to_string()))??;
    let path = cache_path;
    if let Err(e) = write_atomically(&path, &bytes).await {
        tracing::warn!(error = %e, path = %path.display(), "could not cache a variant");
    }
    let variant = Arc::new(variant_of(bytes, format));
    state.variants.keep(&id, variant.clone());
    Ok(variant_response(&variant, &id.etag))
}

async fn stream_original(state: &AppState, key: &ObjectKey, headers: &HeaderMap) -> Result<Response, OriginError> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let object = state
        .storage
        .get_stream(key, range)
        .await
        .map_err(|e| OriginError::Store(e.to_string()))?
        .ok_or(OriginError::NotFound)?;
    if let Some(etag) = object.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
        if if_none_match(headers, etag.to_str().unwrap_or_default()) {
            return Ok(not_modified(&etag));
        }
    }
    let status = if object.content_range.is_some() { StatusCode::PARTIAL_CONTENT } else { StatusCode::OK };
    let mut response = Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, CACHE_CONTROL)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if let Some(t) = &object.content_type {
        response = response.header(header::CONTENT_TYPE, t);
    }
    if let Some(len) = object.content_length {
        response = response.header(header::CONTENT_LENGTH, len);
    }
    if let Some(r) = &object.content_range {
        response = response.header(header::CONTENT_RANGE, r);
    }
    if let Some(e) = &object.etag {
        response = response.header(header::ETAG, e);
    }
    response.body(object.body).map_err(|e| OriginError::Internal(e.to_string()))
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|candidate| candidate.trim() == etag || candidate.trim() == "*"))
}

fn not_modified(etag: &HeaderValue) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    response.headers_mut().insert(header::ETAG, etag.clone());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}

/// A variant's bytes with their type (a cached file's is sniffed from its bytes).
fn variant_of(bytes: Vec<u8>, format: OutputFormat) -> Variant {
    let format = match format {
        OutputFormat::Unknown => match image::guess_format(&bytes) {
            Ok(ImageFormat::Jpeg) => OutputFormat::Jpeg,
            Ok(ImageFormat::WebP) => OutputFormat::Webp,
            Ok(ImageFormat::Avif) => OutputFormat::Avif,
            _ => OutputFormat::Png,
        },
        known => known,
    };
    Variant { bytes: bytes.into(), content_type: HeaderValue::from_static(format.mime()) }
}

fn variant_response(variant: &Variant, etag: &HeaderValue) -> Response {
    let mut response = Response::new(Body::from(variant.bytes.clone()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, variant.content_type.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::ETAG, etag.clone());
    response
}
