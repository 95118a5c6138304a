//! What a file says it is: its MIME type, parsed once where it enters (a batch, the store's
//! answer, a browser's `File.type`), and the kind of media that type makes it.

use serde::{Deserialize, Serialize};

/// The kinds the library tells apart (filters, players, what may be resized).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
}

impl MediaKind {
    /// The top-level type every MIME type of this kind starts with.
    pub fn mime_prefix(self) -> &'static str {
        match self {
            MediaKind::Image => "image/",
            MediaKind::Video => "video/",
        }
    }
}

/// A MIME type, lower case, `type/subtype` of token characters, no parameters. Untrusted text
/// becomes one through [`ContentType::parse`]; nothing downstream checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentType(String);

impl ContentType {
    /// Longest type accepted (RFC 6838 allows 127 characters on each side).
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<ContentType, String> {
        // Parameters (`; charset=…`) say nothing about what the bytes are.
        let value = raw.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        let token =
            |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
        match value.split_once('/') {
            Some((top, sub)) if value.len() <= Self::MAX_LEN && token(top) && token(sub) => Ok(ContentType(value)),
            _ => Err(format!("\"{}\" is not a MIME type", raw.chars().take(100).collect::<String>())),
        }
    }

    /// `image/jpeg`: what the browser draws poster frames as.
    pub fn jpeg() -> ContentType {
        ContentType("image/jpeg".to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> Option<MediaKind> {
        [MediaKind::Image, MediaKind::Video].into_iter().find(|kind| self.0.starts_with(kind.mime_prefix()))
    }

    pub fn is_image(&self) -> bool {
        self.kind() == Some(MediaKind::Image)
    }

    pub fn is_video(&self) -> bool {
        self.kind() == Some(MediaKind::Video)
    }

    /// Photos a resizing CDN may not read (Bunny's optimizer reads JPEG, PNG, GIF and WebP):
    /// shown through a display rendition (`ObjectKey::display_rendition`).
    pub const SHOWN_THROUGH_RENDITIONS: [&'static str; 4] = ["image/heic", "image/heif", "image/avif", "image/tiff"];

    /// One of `SHOWN_THROUGH_RENDITIONS`: its rendition is made at completion.
    pub fn needs_display_rendition(&self) -> bool {
        Self::SHOWN_THROUGH_RENDITIONS.contains(&self.0.as_str())
    }

    /// A raster image the image origin may decode and resize (SVG is markup: never).
    pub fn is_raster_image(&self) -> bool {
        self.is_image() && self.0 != "image/svg+xml"
    }
}

impl std::fmt::Display for ContentType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ContentType {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ContentType::parse(&value)
    }
}

impl From<ContentType> for String {
    fn from(value: ContentType) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_lower_cased_and_stripped_of_parameters() {
        assert_eq!(ContentType::parse(" Image/PNG ").unwrap().as_str(), "image/png");
        assert_eq!(ContentType::parse("video/mp4; codecs=avc1").unwrap().as_str(), "video/mp4");
        assert_eq!(ContentType::parse("image/svg+xml").unwrap().as_str(), "image/svg+xml");
    }

    #[test]
    fn what_is_not_a_type_is_refused() {
        for bad in ["", "image", "/png", "image/", "image/p ng", "a/b/c", "image/png\0", &"x/".repeat(200)] {
            assert!(ContentType::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_kind_follows_the_top_level_type() {
        let kind = |t: &str| ContentType::parse(t).unwrap().kind();
        assert_eq!(kind("image/heic"), Some(MediaKind::Image));
        assert_eq!(kind("video/quicktime"), Some(MediaKind::Video));
        assert_eq!(kind("audio/ogg"), None);
        assert!(!ContentType::parse("image/svg+xml").unwrap().is_raster_image());
        assert!(ContentType::parse("image/avif").unwrap().is_raster_image());
        for shown_through_a_rendition in ["image/heic", "image/heif", "image/avif", "image/tiff"] {
            assert!(ContentType::parse(shown_through_a_rendition).unwrap().needs_display_rendition());
        }
        for read_by_the_cdn in ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"] {
            assert!(!ContentType::parse(read_by_the_cdn).unwrap().needs_display_rendition());
        }
    }
}
