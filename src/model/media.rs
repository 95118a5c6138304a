//! Stored media as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::content_type::ContentType;
pub use crate::model::content_type::MediaKind;
use crate::model::focus::FocalPoint;
use crate::model::key::ObjectKey;
use crate::model::photo::PhotoFacts;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: Uuid,
    pub object_key: ObjectKey,
    pub original_filename: String,
    pub content_type: ContentType,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub title: String,
    pub alt_text: String,
    /// A ~25-byte ThumbHash (base64) of the image, made in the browser at upload.
    pub thumbhash: Option<String>,
    pub created_at: DateTime<Utc>,
    /// A video's poster frame (a JPEG next to it in the store), made in the browser at upload.
    #[serde(default)]
    pub poster_key: Option<ObjectKey>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// HLS renditions' master playlist, when transcoding made them.
    #[serde(default)]
    pub hls_key: Option<ObjectKey>,
    /// Who uploaded it; `None` once their account was deleted (a former member).
    #[serde(default)]
    pub created_by: Option<Uuid>,
    /// When the photo was taken, from its EXIF block (see `photo`).
    #[serde(default)]
    pub taken_at: Option<DateTime<Utc>>,
    /// What a photo's EXIF block says, checked. Private parts included: the server gives
    /// public pages `PhotoFacts::public` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<PhotoFacts>,
    /// The display rendition of a photo a CDN may not read (HEIC, AVIF, TIFF): what every
    /// size of it is made from (`Media::display_source`); the original stays the download.
    #[serde(default)]
    pub display_key: Option<ObjectKey>,
    /// Where the eye goes; `None`: the centre. Every crop keeps it in frame.
    #[serde(default)]
    pub focus: Option<FocalPoint>,
}

/// The share card (OpenGraph and Twitter) a gallery's cover becomes: width and height.
pub const SHARE_CARD: (u32, u32) = (1200, 630);

impl Media {
    /// A crop of this picture to `size` (width, height) that keeps its focal point in frame.
    pub fn crop(&self, size: (u32, u32)) -> crate::cdn::Transform {
        crate::cdn::Transform::crop_around(self.focus, self.width.zip(self.height), size, size.0)
    }

    pub fn is_image(&self) -> bool {
        self.content_type.is_image()
    }

    pub fn is_video(&self) -> bool {
        self.content_type.is_video()
    }

    /// What every size of an image is made from: its display rendition if it has one (a HEIC,
    /// AVIF or TIFF), else the original.
    pub fn display_source(&self) -> &ObjectKey {
        self.display_key.as_ref().unwrap_or(&self.object_key)
    }

    /// The moment the "taken" sort orders by: when the photo was taken, else when it was
    /// uploaded. The databases order by the same `COALESCE(taken_at, created_at)`.
    pub fn taken_or_uploaded(&self) -> DateTime<Utc> {
        self.taken_at.unwrap_or(self.created_at)
    }

    /// What to call it in the UI: its title, else its file name.
    pub fn display_name(&self) -> &str {
        if self.title.trim().is_empty() {
            &self.original_filename
        } else {
            &self.title
        }
    }
}

/// The order the library shows items in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSort {
    /// Newest first.
    #[default]
    Newest,
    /// By name, A to Z (title when set, else file name; case-insensitive, byte order).
    Name,
    /// Largest first.
    Largest,
    /// Most recently taken first (photos without a date by upload time).
    Taken,
    /// Best match first: items whose name holds every searched word, then the others, each
    /// newest first. Without a search, the same as `Newest`.
    Relevance,
}

impl MediaSort {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaSort::Newest => "newest",
            MediaSort::Name => "name",
            MediaSort::Largest => "largest",
            MediaSort::Taken => "taken",
            MediaSort::Relevance => "relevance",
        }
    }
}

/// Where the next page starts: the sort keys of the last item shown. Value-based, so items
/// added or deleted meanwhile neither repeat nor skip anything. Clients pass it back as is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaCursor {
    pub created_at: DateTime<Utc>,
    pub sort_name: String,
    pub size: u64,
    pub id: Uuid,
    /// `Relevance`: 0 for a match in the name, 1 for a match elsewhere.
    #[serde(default)]
    pub rank: u8,
    /// `Taken`: `Media::taken_or_uploaded`.
    #[serde(default)]
    pub taken: Option<DateTime<Utc>>,
}

impl MediaCursor {
    /// The cursor of the page after `last`, ranked `rank` by the search.
    pub fn after(last: &Media, rank: u8) -> Self {
        MediaCursor {
            created_at: last.created_at,
            sort_name: sort_name(&last.title, &last.original_filename),
            size: last.size,
            id: last.id,
            rank,
            taken: Some(last.taken_or_uploaded()),
        }
    }
}

/// What the library shows: which kinds, matching what, in which order, from where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaQuery {
    #[serde(default)]
    pub kind: Option<MediaKind>,
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub sort: MediaSort,
    /// Only what this person uploaded (`uploaded_by`; `uploader` is still understood).
    #[serde(default, rename = "uploaded_by", alias = "uploader")]
    pub uploader: Option<Uuid>,
    /// Only items carrying every one of these tags (by name, in any case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub cursor: Option<MediaCursor>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Items of the library holding the same content (`/api/media/duplicates`), oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    pub sha256: String,
    pub items: Vec<MediaItem>,
}

/// The key media are ordered and searched by: what the UI calls the item, lower-cased.
pub fn sort_name(title: &str, original_filename: &str) -> String {
    let name = if title.trim().is_empty() { original_filename } else { title.trim() };
    name.to_lowercase()
}

/// A media item with the URLs it is shown from (built by `cdn`, on the configured CDN or the
/// local image origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    pub media: Media,
    /// The original (videos, downloads) or a mid-size variant (images).
    pub url: String,
    /// `url 320w, …` for images; empty for anything else.
    pub srcset: String,
    /// A tiny blurred PNG (data: URL) decoded from the thumbhash, shown until the image arrives.
    pub placeholder: Option<String>,
    /// A video's poster frame, from the CDN at a display size.
    #[serde(default)]
    pub poster: Option<String>,
    /// A video's HLS master playlist, when there is one.
    #[serde(default)]
    pub hls: Option<String>,
    /// Its tags, by name.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl AsRef<Media> for Media {
    fn as_ref(&self) -> &Media {
        self
    }
}

impl AsRef<Media> for MediaItem {
    fn as_ref(&self) -> &Media {
        &self.media
    }
}

/// The one cover rule, wherever a cover is shown (front page cards, share images, the
/// editor): the chosen item if it is among `items`, else the first image.
pub fn cover<T: AsRef<Media>>(chosen: Option<Uuid>, items: &[T]) -> Option<&T> {
    chosen
        .and_then(|id| items.iter().find(|item| item.as_ref().id == id))
        .or_else(|| items.iter().find(|item| item.as_ref().is_image()))
}

/// One item with what the detail panel adds: the collections it is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaDetail {
    pub item: MediaItem,
    pub collections: Vec<CollectionRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionRef {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPage {
    pub items: Vec<MediaItem>,
    /// Pass back as `cursor` for the next page; `None` at the end.
    pub next_cursor: Option<MediaCursor>,
}

/// Where to fetch an original (`/api/media/download`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    pub url: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(content_type: &str) -> Media {
        Media {
            id: Uuid::new_v4(),
            object_key: ObjectKey::parse("media/x/a").unwrap(),
            original_filename: "a".into(),
            content_type: ContentType::parse(content_type).unwrap(),
            size: 1,
            width: None,
            height: None,
            title: String::new(),
            alt_text: String::new(),
            thumbhash: None,
            created_at: Utc::now(),
            poster_key: None,
            duration_ms: None,
            hls_key: None,
            created_by: None,
            taken_at: None,
            photo: None,
            display_key: None,
            focus: None,
        }
    }

    #[test]
    fn the_cover_is_the_chosen_item_else_the_first_image() {
        let items = [media("video/mp4"), media("image/png"), media("image/jpeg")];
        assert_eq!(cover(None, &items).unwrap().id, items[1].id, "a video never stands in");
        assert_eq!(cover(Some(items[2].id), &items).unwrap().id, items[2].id);
        assert_eq!(cover(Some(Uuid::new_v4()), &items).unwrap().id, items[1].id, "a chosen item that left");
        assert!(cover(None, &items[..1]).is_none());
    }
}
