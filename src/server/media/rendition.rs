//! Display renditions: a photo a resizing CDN may not read (HEIC, AVIF, TIFF — see
//! `ContentType::needs_display_rendition`) gets the same pixels, upright, as a high-quality JPEG
//! (a WebP when transparent) beside its original, made at completion before the item is
//! recorded. Every size of it is then made from the rendition (`Media::display_source`), by the
//! CDN or the local origin alike; "download original" still gives the original. A completion
//! that dies halfway is repeated by its uploader, and the rendition is simply made again.
//! Items stored before renditions existed get theirs after start (`backfill`).

use image::DynamicImage;

use crate::model::ObjectKey;
use crate::server::images::decode::decode;
use crate::server::images::small::{thumbhash_of, whole_decode_turn};
use crate::server::images::MAX_SOURCE_BYTES;
use crate::server::state::AppState;

/// JPEG/WebP quality of a rendition: every variant is made from it, so it is kept high.
const QUALITY: u8 = 90;

/// A stored rendition and what was learnt from the pixels.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub key: ObjectKey,
    /// Upright, as shown.
    pub width: u32,
    pub height: u32,
    /// The placeholder: the browser cannot decode HEIC to make one.
    pub thumbhash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RenditionError {
    /// The file is not a picture this server can read: it cannot be shown.
    #[error("{0}")]
    Unreadable(String),
    #[error("store: {0}")]
    Store(String),
}

/// Reads the original at `key` (of `size` bytes), makes its rendition and stores it.
pub async fn make(state: &AppState, key: &ObjectKey, size: u64) -> Result<Rendition, RenditionError> {
    if size > MAX_SOURCE_BYTES {
        return Err(RenditionError::Unreadable(format!(
            "it is {size} bytes; photos of this type are shown up to {MAX_SOURCE_BYTES} bytes"
        )));
    }
    let bytes = state
        .storage
        .get_bytes(key)
        .await
        .map_err(|e| RenditionError::Store(e.to_string()))?
        .ok_or_else(|| RenditionError::Store("the original vanished".into()))?;
    let (encoded, transparent, width, height, thumbhash) = tokio::task::spawn_blocking(move || render(&bytes))
        .await
        .map_err(|e| RenditionError::Store(e.to_string()))??;
    let rendition_key = key.display_rendition(transparent);
    let content_type = if transparent { "image/webp" } else { "image/jpeg" };
    state
        .storage
        .put_bytes(&rendition_key, content_type, encoded)
        .await
        .map_err(|e| RenditionError::Store(e.to_string()))?;
    Ok(Rendition { key: rendition_key, width, height, thumbhash })
}

/// Items read per round of the backfill.
const BACKFILL_BATCH: u32 = 50;

/// Makes the renditions items stored before they existed lack, one at a time, after start.
/// Instances that run it at once make the same rendition twice, harmlessly (same key, same
/// bytes). One that cannot be read is left as it is, and logged. The number made.
pub async fn backfill(state: &AppState) -> Result<usize, crate::error::AppError> {
    let mut after = None;
    let mut made = 0;
    loop {
        let batch = state.repo.media_without_rendition(after, BACKFILL_BATCH).await?;
        let Some(last) = batch.last() else { return Ok(made) };
        after = Some(last.id);
        for media in batch {
            match make(state, &media.object_key, media.size).await {
                Ok(r) => {
                    state.repo.set_display_rendition(media.id, &r.key, (r.width, r.height), &r.thumbhash).await?;
                    made += 1;
                }
                Err(e) => tracing::warn!(key = %media.object_key, error = %e, "no display rendition for an item"),
            }
        }
    }
}

type Rendered = (Vec<u8>, bool, u32, u32, String);

fn render(bytes: &[u8]) -> Result<Rendered, RenditionError> {
    let _one_at_a_time = whole_decode_turn();
    let decoded = decode(bytes, |_, _| 1.0).map_err(|e| RenditionError::Unreadable(e.to_string()))?;
    let image = decoded.image;
    let transparent = image.color().has_alpha();
    let encoded = encode(&image, transparent)?;
    Ok((encoded, transparent, image.width(), image.height(), thumbhash_of(&image)))
}

fn encode(image: &DynamicImage, transparent: bool) -> Result<Vec<u8>, RenditionError> {
    if transparent {
        let rgba = image.to_rgba8();
        return Ok(webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height())
            .encode(f32::from(QUALITY))
            .to_vec());
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&image.to_rgb8())
        .map_err(|e| RenditionError::Unreadable(e.to_string()))?;
    Ok(out)
}
