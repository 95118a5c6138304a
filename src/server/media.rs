//! How media are shown: URLs from the one builder in `cdn`.

use crate::cdn::{self, Transform};
use crate::model::media::{Media, MediaItem};
use crate::server::state::AppState;

/// The width of `src` for browsers that ignore `srcset`.
const FALLBACK_WIDTH: u32 = 640;

pub fn media_item(state: &AppState, media: Media) -> MediaItem {
    let base = state.image_base();
    if media.is_image() {
        let fallback = media.width.map_or(FALLBACK_WIDTH, |w| w.min(FALLBACK_WIDTH));
        let url = cdn::image_url(&base, &media.object_key, &Transform::width(fallback));
        let srcset = cdn::srcset(&base, &media.object_key, &state.image_widths, media.width);
        MediaItem { media, url, srcset }
    } else {
        let url = cdn::image_url(&base, &media.object_key, &Transform::default());
        MediaItem { media, url, srcset: String::new() }
    }
}
