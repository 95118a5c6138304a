//! Where things live in the bucket. One type knows the whole layout: an upload's original at
//! `media/<uuid>/<name>.<ext>`, a video's poster frame beside it, its HLS renditions under
//! `<key>.hls/`, a photo's display rendition beside it. Nothing else spells a key out.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectKey(String);

impl ObjectKey {
    pub const MAX_LEN: usize = 1024;
    /// The file name of a video's HLS master playlist among its renditions.
    pub const HLS_MASTER: &'static str = "master.m3u8";

    /// A key that came from outside (a URL path, a stored row): relative, no empty, `.` or `..`
    /// segment, no control characters, at most 1 KiB.
    pub fn parse(raw: &str) -> Result<ObjectKey, &'static str> {
        let bad = raw.is_empty()
            || raw.len() > Self::MAX_LEN
            || raw.starts_with('/')
            || raw.split('/').any(|s| s.is_empty() || s == "." || s == "..")
            || raw.chars().any(char::is_control);
        if bad {
            Err("not an object key")
        } else {
            Ok(ObjectKey(raw.to_string()))
        }
    }

    /// The key of a new upload: chosen by us, unique by construction, readable in a bucket
    /// listing, free of anything a path or a URL could trip on (see `naming::object_key`).
    #[cfg(feature = "ssr")]
    pub fn for_upload(id: uuid::Uuid, name: &crate::model::file_name::FileName) -> ObjectKey {
        ObjectKey(crate::server::naming::object_key(id, name.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folder an item's original and everything made from it (poster, renditions) share:
    /// `media/<uuid>/`. A key outside that layout is its own folder.
    pub fn item_folder(&self) -> &str {
        match self.0.match_indices('/').nth(1) {
            Some((at, _)) => &self.0[..=at],
            None => &self.0,
        }
    }

    /// A video's poster frame (a JPEG the browser drew), beside the video.
    pub fn poster(&self) -> ObjectKey {
        ObjectKey(format!("{}.poster.jpg", self.0))
    }

    /// The display rendition of a photo a CDN may not read (HEIC, AVIF, TIFF): the same pixels
    /// as a JPEG, or a WebP when they are transparent, beside the original.
    pub fn display_rendition(&self, transparent: bool) -> ObjectKey {
        ObjectKey(format!("{}.display.{}", self.0, if transparent { "webp" } else { "jpg" }))
    }

    /// The original an object of the bucket belongs to: itself, or the key its poster, display
    /// rendition or HLS renditions hang off.
    pub fn original_of(key: &str) -> &str {
        if let Some(at) = key.find(".hls/") {
            return &key[..at];
        }
        [".poster.jpg", ".display.jpg", ".display.webp"]
            .iter()
            .find_map(|suffix| key.strip_suffix(suffix))
            .unwrap_or(key)
    }

    /// The folder of a video's HLS renditions (with its trailing `/`).
    pub fn hls_dir(&self) -> String {
        format!("{}.hls/", self.0)
    }

    /// The master playlist of a video's HLS renditions.
    pub fn hls_master(&self) -> ObjectKey {
        self.hls_file(Self::HLS_MASTER)
    }

    /// A file of this video's renditions, by name.
    pub fn hls_file(&self, name: &str) -> ObjectKey {
        ObjectKey(format!("{}{name}", self.hls_dir()))
    }
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posters_and_renditions_belong_to_their_original() {
        let photo = ObjectKey::parse("media/x/a.heic").unwrap();
        assert_eq!(ObjectKey::original_of(photo.display_rendition(false).as_str()), "media/x/a.heic");
        assert_eq!(ObjectKey::original_of(photo.display_rendition(true).as_str()), "media/x/a.heic");
        assert_eq!(ObjectKey::original_of("media/x/a.mp4.poster.jpg"), "media/x/a.mp4");
        assert_eq!(ObjectKey::original_of("media/x/a.mp4.hls/720p/seg1.ts"), "media/x/a.mp4");
        assert_eq!(ObjectKey::original_of("media/x/a.png"), "media/x/a.png");
    }

    #[test]
    fn keys_from_outside_are_checked() {
        assert!(ObjectKey::parse("media/1/a.jpg").is_ok());
        for bad in ["", "/media/a", "media//a", "media/../a", "./a", "a/.", "a\u{0}b", &"k".repeat(1025)] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_layout_of_a_video_is_beside_it() {
        let key = ObjectKey::parse("media/1/clip.mp4").unwrap();
        assert_eq!(key.poster().as_str(), "media/1/clip.mp4.poster.jpg");
        assert_eq!(key.hls_dir(), "media/1/clip.mp4.hls/");
        assert_eq!(key.hls_master().as_str(), "media/1/clip.mp4.hls/master.m3u8");
        assert_eq!(key.hls_file("360p.m3u8").as_str(), "media/1/clip.mp4.hls/360p.m3u8");
        for made in [key.poster(), key.hls_master(), key.clone()] {
            assert_eq!(made.item_folder(), "media/1/");
        }
        assert_eq!(ObjectKey::parse("loose.png").unwrap().item_folder(), "loose.png");
    }
}
