//! The library's server side: how items are shown (URLs from the one builder in `cdn`,
//! placeholders from thumbhashes), edited and deleted; and their optional HLS renditions.

pub mod transcode;

use base64::Engine;
use uuid::Uuid;

use crate::cdn::{self, Transform};
use crate::error::AppError;
use crate::model::media::{Media, MediaDetail, MediaItem};
use crate::model::text::{AltText, Title};
use crate::server::state::AppState;

/// The width of `src` for browsers that ignore `srcset`.
const FALLBACK_WIDTH: u32 = 640;
/// Width of the poster frame a video shows before it plays.
const POSTER_WIDTH: u32 = 960;

pub fn media_item(state: &AppState, media: Media) -> MediaItem {
    let base = &state.image_base;
    let placeholder = media.thumbhash.as_deref().and_then(placeholder_data_url);
    if media.is_image() {
        let fallback = media.width.map_or(FALLBACK_WIDTH, |w| w.min(FALLBACK_WIDTH));
        let url = cdn::image_url(base, media.object_key.as_str(), &Transform::width(fallback));
        let srcset = cdn::srcset(base, media.object_key.as_str(), &state.image_widths, media.width);
        MediaItem { media, url, srcset, placeholder, poster: None, hls: None }
    } else {
        let url = cdn::image_url(base, media.object_key.as_str(), &Transform::default());
        let poster =
            media.poster_key.as_ref().map(|key| cdn::image_url(base, key.as_str(), &Transform::width(POSTER_WIDTH)));
        let hls = media.hls_key.as_ref().map(|key| cdn::image_url(base, key.as_str(), &Transform::default()));
        MediaItem { media, url, srcset: String::new(), placeholder, poster, hls }
    }
}

/// A thumbhash as the browser sent it: standard base64 of at most 64 bytes that decodes.
pub fn parse_thumbhash(value: &str) -> Result<String, AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|_| AppError::invalid("The thumbhash is not base64."))?;
    if bytes.len() > 64 || thumbhash::thumb_hash_to_rgba(&bytes).is_err() {
        return Err(AppError::invalid("The thumbhash is not a thumbhash."));
    }
    Ok(value.trim().to_string())
}

/// The thumbhash decoded to a tiny PNG, as a data URL the page can show at once.
pub fn placeholder_data_url(hash: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(hash).ok()?;
    let (w, h, rgba) = thumbhash::thumb_hash_to_rgba(&bytes).ok()?;
    let image = image::RgbaImage::from_raw(w as u32, h as u32, rgba)?;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png)))
}

pub async fn detail(state: &AppState, id: Uuid) -> Result<MediaDetail, AppError> {
    let media = state.repo.find_media(id).await?.ok_or_else(|| AppError::NotFound("The media item".into()))?;
    let collections = state.repo.media_collections(id).await?;
    Ok(MediaDetail { item: media_item(state, media), collections })
}

pub async fn update(state: &AppState, id: Uuid, title: &str, alt_text: &str) -> Result<MediaItem, AppError> {
    let title = Title::parse(title).map_err(AppError::Invalid)?;
    let alt_text = AltText::parse(alt_text).map_err(AppError::Invalid)?;
    let media = state
        .repo
        .update_media(id, &title, &alt_text)
        .await?
        .ok_or_else(|| AppError::NotFound("The media item".into()))?;
    Ok(media_item(state, media))
}

/// Deletes items one by one: the object in the store first, then its cached variants and
/// its row (with its collection memberships). If the store refuses an item, that item and the
/// ones after it are left exactly as they were, and the error says how far it got.
pub async fn delete(state: &AppState, ids: &[Uuid]) -> Result<Vec<Uuid>, AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid("Nothing to delete: no ids given."));
    }
    if ids.len() > 500 {
        return Err(AppError::invalid("At most 500 items can be deleted at once."));
    }
    let mut deleted = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(media) = state.repo.find_media(*id).await? else { continue };
        // The poster first: if the original then fails, a retry finds the item still whole
        // enough to delete (a missing poster is only a missing picture).
        if let Some(poster) = &media.poster_key {
            if let Err(e) = state.storage.delete(poster).await {
                tracing::warn!(error = %e, key = %poster, "store refused to delete a poster");
            }
        }
        if media.hls_key.is_some() {
            let dir = media.object_key.hls_dir();
            if let Err(e) = state.storage.delete_prefix(&dir).await {
                tracing::warn!(error = %e, %dir, "store refused to delete HLS renditions");
            }
        }
        if let Err(e) = state.storage.delete(&media.object_key).await {
            tracing::error!(error = %e, key = %media.object_key, "store refused a delete");
            return Err(AppError::Conflict(format!(
                "Deleted {} of {} items; the store refused to delete \"{}\", so it and the rest were kept. Try again later.",
                deleted.len(),
                ids.len(),
                media.display_name()
            )));
        }
        state.variants.forget(&media.object_key);
        let cache = crate::server::images::variant_dir(&state.data_dir, &media.object_key);
        match tokio::fs::remove_dir_all(&cache).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, path = %cache.display(), "could not remove cached variants"),
        }
        if state.repo.delete_media(*id).await? {
            deleted.push(*id);
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbhashes_decode_to_a_png_placeholder() {
        let rgba: Vec<u8> = (0..32 * 24).flat_map(|i| [(i % 255) as u8, 100, 200, 255]).collect();
        let hash = thumbhash::rgba_to_thumb_hash(32, 24, &rgba);
        let encoded = base64::engine::general_purpose::STANDARD.encode(&hash);
        assert_eq!(parse_thumbhash(&encoded).unwrap(), encoded);
        assert!(placeholder_data_url(&encoded).unwrap().starts_with("data:image/png;base64,"));
        assert!(parse_thumbhash("not base64!").is_err());
        assert!(parse_thumbhash(&base64::engine::general_purpose::STANDARD.encode([0u8; 200])).is_err());
    }
}
