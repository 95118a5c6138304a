//! Stored media as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: Uuid,
    pub object_key: String,
    pub original_filename: String,
    pub content_type: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub title: String,
    pub alt_text: String,
    pub created_at: DateTime<Utc>,
}

impl Media {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }

    pub fn is_video(&self) -> bool {
        self.content_type.starts_with("video/")
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

/// A media item with the URLs it is shown from (built by `cdn`, on the configured CDN or the
/// local image origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    pub media: Media,
    /// The original (videos, downloads) or a mid-size variant (images).
    pub url: String,
    /// `url 320w, …` for images; empty for anything else.
    pub srcset: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPage {
    pub items: Vec<MediaItem>,
    /// Pass back as `before` for the next page; `None` at the end.
    pub next_cursor: Option<Uuid>,
}
