//! The local image origin: `/cdn/<key>?width=…` answered the way the resizing CDN answers it,
//! for the embedded setup (and as an origin any pull CDN can sit in front of).
//!
//! Originals stream from the store with Range support (videos seek); image variants are made
//! once on the blocking pool, kept on disk under `<data>/cache/<key>/`, and sent with an ETag
//! and a year-long immutable Cache-Control: a key never changes content.

use std::hash::{Hash, Hasher};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fast_image_resize as fr;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::cdn::{FocusCoordinate, Format, Gravity, Transform};
use crate::server::state::AppState;

/// Originals larger than this are served but not transformed.
const MAX_SOURCE_BYTES: u64 = 100 * 1024 * 1024;
/// A decompression bomb is a small file that claims enormous dimensions; refuse before decoding.
const MAX_SOURCE_PIXELS: u64 = 120_000_000;
const MAX_DECODE_BYTES: u64 = 1024 * 1024 * 1024;
const DEFAULT_QUALITY: u8 = 80;
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("{0}")]
    BadRequest(String),
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

/// `GET /cdn/{*key}`
pub async fn serve(
    State(state): State<AppState>,
    UrlPath(key): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, OriginError> {
    validate_key(&key)?;
    let transform = Transform::parse_query(query.as_deref().unwrap_or("")).map_err(OriginError::BadRequest)?;
    if transform.is_identity() {
        return stream_original(&state, &key, &headers).await;
    }
    let accepts_webp = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("image/webp"));
    let etag = variant_etag(&key, &transform, accepts_webp);
    if if_none_match(&headers, &etag) {
        return Ok(not_modified(&etag));
    }
    let cache_path = cache_path(&state.data_dir, &key, &transform, accepts_webp);
    if let Ok(bytes) = tokio::fs::read(&cache_path).await {
        // A cached file keeps its bytes' format; it is sniffed again when served.
        return Ok(variant_response(bytes, OutputFormat::Unknown, &etag));
    }

    let head = state.storage.head(&key).await.map_err(|e| OriginError::Store(e.to_string()))?.ok_or(OriginError::NotFound)?;
    let is_image = head.content_type.as_deref().is_some_and(|t| t.starts_with("image/") && t != "image/svg+xml");
    if !is_image {
        // Parameters only mean something for images; anything else is served as it is.
        return stream_original(&state, &key, &headers).await;
    }
    if head.size > MAX_SOURCE_BYTES {
        return Err(OriginError::Unprocessable(format!(
            "the original is {} bytes; images over {MAX_SOURCE_BYTES} bytes are served only as they are",
            head.size
        )));
    }
    let original = state.storage.get_bytes(&key).await.map_err(|e| OriginError::Store(e.to_string()))?.ok_or(OriginError::NotFound)?;
    let (bytes, format) = tokio::task::spawn_blocking(move || render(&original, &transform, accepts_webp))
        .await
        .map_err(|e| OriginError::Internal(e.to_string()))??;
    let path = cache_path;
    if let Err(e) = write_atomically(&path, &bytes).await {
        tracing::warn!(error = %e, path = %path.display(), "could not cache a variant");
    }
    Ok(variant_response(bytes, format, &etag))
}

fn validate_key(key: &str) -> Result<(), OriginError> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.split('/').any(|s| s.is_empty() || s == "." || s == "..")
        || key.chars().any(|c| c.is_control());
    if bad {
        Err(OriginError::BadRequest("not an object key".into()))
    } else {
        Ok(())
    }
}

async fn stream_original(state: &AppState, key: &str, headers: &HeaderMap) -> Result<Response, OriginError> {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let object = state
        .storage
        .get_stream(key, range)
        .await
        .map_err(|e| OriginError::Store(e.to_string()))?
        .ok_or(OriginError::NotFound)?;
    if let Some(etag) = &object.etag {
        if if_none_match(headers, etag) {
            return Ok(not_modified(etag));
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

fn not_modified(etag: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    response
}

fn variant_response(bytes: Vec<u8>, format: OutputFormat, etag: &str) -> Response {
    let format = match format {
        OutputFormat::Unknown => match image::guess_format(&bytes) {
            Ok(ImageFormat::Jpeg) => OutputFormat::Jpeg,
            Ok(ImageFormat::WebP) => OutputFormat::Webp,
            _ => OutputFormat::Png,
        },
        known => known,
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.mime()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// A key's content never changes, so the variant's identity is the key, the canonical
/// parameters and the format chosen for this browser.
fn variant_etag(key: &str, transform: &Transform, accepts_webp: bool) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    transform.query().hash(&mut hasher);
    (transform.format == Some(Format::Auto) && accepts_webp).hash(&mut hasher);
    format!("\"v{:016x}\"", hasher.finish())
}

/// `<data>/cache/<key>/<query>[.webp]`: all of an item's variants in one directory, so a delete
/// removes them together.
fn cache_path(data_dir: &Path, key: &str, transform: &Transform, accepts_webp: bool) -> PathBuf {
    let auto_webp = transform.format == Some(Format::Auto) && accepts_webp;
    let mut name = transform.query().replace(['/', '\\'], "_");
    if auto_webp {
        name.push_str(".webp");
    }
    variant_dir(data_dir, key).join(name)
}

pub fn variant_dir(data_dir: &Path, key: &str) -> PathBuf {
    data_dir.join("cache").join(key)
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutputFormat {
    Jpeg,
    Png,
    Webp,
    /// A cached file: sniff it.
    Unknown,
}

impl OutputFormat {
    fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Unknown => "application/octet-stream",
        }
    }
}

/// The variant's bytes, exactly as `/cdn` makes them (for benchmarks and tools).
pub fn render_variant(original: &[u8], transform: &Transform, accepts_webp: bool) -> Result<Vec<u8>, OriginError> {
    render(original, transform, accepts_webp).map(|(bytes, _)| bytes)
}

/// Decode (with limits), crop, resize, encode. Runs on the blocking pool.
fn render(original: &[u8], transform: &Transform, accepts_webp: bool) -> Result<(Vec<u8>, OutputFormat), OriginError> {
    let reader = ImageReader::new(Cursor::new(original))
        .with_guessed_format()
        .map_err(|e| OriginError::Unprocessable(format!("unreadable image: {e}")))?;
    let source_format = reader.format();
    let (width, height) = ImageReader::new(Cursor::new(original))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| OriginError::Unprocessable("not an image format the origin can read".into()))?;
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(OriginError::Unprocessable(format!(
            "the image claims {width}×{height} pixels; at most {MAX_SOURCE_PIXELS} are transformed"
        )));
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| OriginError::Unprocessable(format!("cannot decode the image: {e}")))?;

    let cropped = crop(decoded, transform);
    let resized = resize(cropped, transform)?;

    let output = match transform.format {
        Some(Format::Jpeg) => OutputFormat::Jpeg,
        Some(Format::Png) => OutputFormat::Png,
        Some(Format::Webp) => OutputFormat::Webp,
        Some(Format::Auto) if accepts_webp => OutputFormat::Webp,
        _ => match source_format {
            Some(ImageFormat::Png) | Some(ImageFormat::Gif) => OutputFormat::Png,
            Some(ImageFormat::WebP) if resized.color().has_alpha() => OutputFormat::Png,
            _ => OutputFormat::Jpeg,
        },
    };
    let quality = transform.quality.unwrap_or(DEFAULT_QUALITY);
    encode(&resized, output, quality).map(|bytes| (bytes, output))
}

fn encode(image: &DynamicImage, format: OutputFormat, quality: u8) -> Result<Vec<u8>, OriginError> {
    let mut out = Vec::new();
    match format {
        OutputFormat::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .map_err(|e| OriginError::Internal(e.to_string()))?;
        }
        OutputFormat::Png | OutputFormat::Unknown => {
            image.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).map_err(|e| OriginError::Internal(e.to_string()))?;
        }
        OutputFormat::Webp => {
            let rgba = image.to_rgba8();
            let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
            out = encoder.encode(f32::from(quality)).to_vec();
        }
    }
    Ok(out)
}

/// The crop window Bunny would take: `focus_crop`, else `aspect_ratio` (anchored by
/// `crop_gravity`), else `width`+`height` with a gravity means "fill that box".
fn crop(image: DynamicImage, t: &Transform) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    if let Some(focus) = t.focus_crop {
        let cw = focus.width.min(w);
        let ch = focus.height.min(h);
        let fx = match focus.x {
            FocusCoordinate::Pixels(p) => f64::from(p.min(w)),
            FocusCoordinate::Relative(r) => r * f64::from(w),
        };
        let fy = match focus.y {
            FocusCoordinate::Pixels(p) => f64::from(p.min(h)),
            FocusCoordinate::Relative(r) => r * f64::from(h),
        };
        let x = (fx - f64::from(cw) / 2.0).clamp(0.0, f64::from(w - cw)) as u32;
        let y = (fy - f64::from(ch) / 2.0).clamp(0.0, f64::from(h - ch)) as u32;
        return image.crop_imm(x, y, cw, ch);
    }
    let ratio = match (t.aspect_ratio, t.crop_gravity, t.width, t.height) {
        (Some((rw, rh)), _, _, _) => Some(f64::from(rw) / f64::from(rh)),
        (None, Some(_), Some(tw), Some(th)) => Some(f64::from(tw) / f64::from(th)),
        _ => None,
    };
    let Some(ratio) = ratio else { return image };
    let (cw, ch) = if f64::from(w) / f64::from(h) > ratio {
        ((f64::from(h) * ratio).round().max(1.0) as u32, h)
    } else {
        (w, (f64::from(w) / ratio).round().max(1.0) as u32)
    };
    let (ax, ay) = t.crop_gravity.unwrap_or(Gravity::Center).anchor();
    let x = (f64::from(w - cw) * ax).round() as u32;
    let y = (f64::from(h - ch) * ay).round() as u32;
    image.crop_imm(x, y, cw, ch)
}

/// Fits within `width`/`height` keeping the aspect ratio; never enlarges.
fn resize(image: DynamicImage, t: &Transform) -> Result<DynamicImage, OriginError> {
    let (w, h) = (image.width(), image.height());
    let scale_w = t.width.map(|tw| f64::from(tw) / f64::from(w));
    let scale_h = t.height.map(|th| f64::from(th) / f64::from(h));
    let scale = match (scale_w, scale_h) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 1.0,
    }
    .min(1.0);
    if scale >= 1.0 {
        return Ok(image);
    }
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    let source = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut target = DynamicImage::new(nw, nh, source.color());
    let mut resizer = fr::Resizer::new();
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    resizer.resize(&source, &mut target, &options).map_err(|e| OriginError::Internal(e.to_string()))?;
    Ok(target)
}

/// Width and height from the first bytes of an image (a Range GET's worth), if its header
/// says them there.
pub fn dimensions_from_prefix(prefix: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(prefix).ok()?;
    let (w, h) = (u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?);
    // A damaged header can claim anything; no real image is this large on a side (and the
    // columns hold 32-bit signed values).
    const MAX_SIDE: u32 = 1 << 20;
    (w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_dimensions_from_a_damaged_header_are_ignored() {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend(0xF000_0000u32.to_be_bytes());
        png.extend(100u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        assert_eq!(dimensions_from_prefix(&png), None);
    }

    fn image(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])))
    }

    #[test]
    fn width_keeps_the_aspect_and_never_upscales() {
        let out = resize(image(2000, 1000), &Transform::width(640)).unwrap();
        assert_eq!((out.width(), out.height()), (640, 320));
        let same = resize(image(300, 200), &Transform::width(640)).unwrap();
        assert_eq!((same.width(), same.height()), (300, 200));
        let both = Transform { width: Some(400), height: Some(100), ..Transform::default() };
        let out = resize(image(2000, 1000), &both).unwrap();
        assert_eq!((out.width(), out.height()), (200, 100), "the smaller of the two fits");
    }

    #[test]
    fn aspect_ratio_crops_around_the_gravity() {
        let t = Transform { aspect_ratio: Some((1, 1)), crop_gravity: Some(Gravity::West), ..Transform::default() };
        let out = crop(image(400, 200), &t);
        assert_eq!((out.width(), out.height()), (200, 200));
        // West: the left edge is kept, so the first pixel is still x = 0.
        assert_eq!(out.to_rgb8().get_pixel(0, 0).0[0], 0);
        let east = Transform { crop_gravity: Some(Gravity::East), ..t };
        assert_eq!(crop(image(400, 200), &east).to_rgb8().get_pixel(0, 0).0[0], 200);
    }

    #[test]
    fn focus_crop_centres_on_the_point_but_stays_inside() {
        let t = Transform {
            focus_crop: Some(crate::cdn::FocusCrop {
                width: 100,
                height: 100,
                x: FocusCoordinate::Relative(0.99),
                y: FocusCoordinate::Pixels(50),
            }),
            ..Transform::default()
        };
        let out = crop(image(400, 200), &t);
        assert_eq!((out.width(), out.height()), (100, 100));
        assert_eq!(out.to_rgb8().get_pixel(0, 0).0[0], 44, "clamped to the right edge: x starts at 300");
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid PNG header claiming 100000×100000 pixels, with almost no data behind it.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
        use image::ImageEncoder;
        // IHDR width/height live at bytes 16..24; the CRC no longer matches, which a reader that
        // trusts the header before decoding still reads past.
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let err = render(&png, &Transform::width(100), false).unwrap_err();
        assert!(matches!(err, OriginError::Unprocessable(_)), "{err:?}");
    }

    #[test]
    fn dimensions_come_from_the_header_alone() {
        let mut png = Vec::new();
        image(640, 480).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(dimensions_from_prefix(&png[..64]), Some((640, 480)));
        assert_eq!(dimensions_from_prefix(b"not an image"), None);
    }
}
