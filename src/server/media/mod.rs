//! The library's server side: how items are shown (URLs from the one builder in `cdn`,
//! placeholders from thumbhashes) and edited; the trash they go to when deleted; and their
//! optional HLS renditions.

pub mod duplicates;
pub mod exif;
pub mod rendition;
pub mod tags;
pub mod tags_form;
pub mod transcode;
pub mod trash;
pub mod trash_form;

use base64::Engine;
use uuid::Uuid;

use crate::cdn::Transform;
use crate::error::AppError;
use crate::model::focus::FocalPoint;
use crate::model::media::{Media, MediaDetail, MediaItem};
use crate::model::photo::PhotoFacts;
use crate::model::text::{AltText, Title};
use crate::server::delivery::Audience;
use crate::server::state::AppState;

/// The width of `src` for browsers that ignore `srcset`.
const FALLBACK_WIDTH: u32 = 640;
/// Width of the poster frame a video shows before it plays.
const POSTER_WIDTH: u32 = 960;

/// An item as a signed-in person's pages show it.
pub fn media_item(state: &AppState, media: Media) -> MediaItem {
    item_for(state, media, Audience::Library)
}

/// An item as a public page (a published gallery, the front page) shows it: without where
/// the photo was taken and the camera's serial number.
pub fn public_media_item(state: &AppState, media: Media) -> MediaItem {
    item_for(state, media, Audience::Public)
}

/// An item with its URLs for `audience`; anyone but the team sees it without where the photo
/// was taken and the camera's serial number.
pub fn item_for(state: &AppState, mut media: Media, audience: Audience) -> MediaItem {
    if audience != Audience::Library {
        media.photo = media.photo.as_ref().map(PhotoFacts::public);
    }
    let urls = state.delivery.for_page(audience, state.clock.now());
    let placeholder = media.thumbhash.as_deref().and_then(placeholder_data_url);
    if media.is_image() {
        let fallback = media.width.map_or(FALLBACK_WIDTH, |w| w.min(FALLBACK_WIDTH));
        let url = urls.image(media.display_source(), &Transform::width(fallback));
        let srcset = urls.srcset(media.display_source(), &state.image_widths, media.width);
        MediaItem { media, url, srcset, placeholder, poster: None, hls: None, tags: Vec::new() }
    } else {
        let url = urls.original(&media.object_key);
        let poster = media.poster_key.as_ref().map(|key| urls.image(key, &Transform::width(POSTER_WIDTH)));
        let hls = media.hls_key.as_ref().map(|key| urls.hls(key));
        MediaItem { media, url, srcset: String::new(), placeholder, poster, hls, tags: Vec::new() }
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
    let item = tags::with_tags(state, vec![media_item(state, media)]).await?.remove(0);
    Ok(MediaDetail { item, collections })
}

/// Gives every item named the same alt text, keeping each title; how many items changed.
pub async fn set_alt_text(state: &AppState, ids: &[Uuid], alt_text: &str) -> Result<u32, AppError> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(AppError::invalid("Name 1 to 500 items."));
    }
    let alt_text = AltText::parse(alt_text).map_err(AppError::Invalid)?;
    let mut changed = 0;
    for id in ids {
        let Some(media) = state.repo.find_media(*id).await? else { continue };
        let title = Title::parse(&media.title).map_err(AppError::Invalid)?;
        if state.repo.update_media(*id, &title, &alt_text).await?.is_some() {
            changed += 1;
        }
    }
    Ok(changed)
}

/// Sets an image's focal point (`None`: back to the centre).
pub async fn set_focal_point(state: &AppState, id: Uuid, focus: Option<FocalPoint>) -> Result<MediaItem, AppError> {
    let media = state.repo.find_media(id).await?.ok_or_else(|| AppError::NotFound("The media item".into()))?;
    if !media.is_image() {
        return Err(AppError::invalid("Only a photo has a focal point."));
    }
    let media =
        state.repo.set_focal_point(id, focus).await?.ok_or_else(|| AppError::NotFound("The media item".into()))?;
    Ok(media_item(state, media))
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
