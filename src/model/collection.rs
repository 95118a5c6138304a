//! Collections as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub published: bool,
    pub cover_media_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Visitors of its public gallery may download it as one ZIP (the team always may).
    #[serde(default)]
    pub allow_download: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionSummary {
    pub collection: Collection,
    pub item_count: u32,
}

/// What adding or removing did: how many items changed, and how many the collection now has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipChange {
    pub changed: u32,
    pub item_count: u32,
}

/// A collection with its items in their order (the editor, the public gallery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionWithItems {
    pub collection: Collection,
    pub items: Vec<crate::model::media::MediaItem>,
}

/// A published collection on the front page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedCollection {
    pub collection: Collection,
    pub item_count: u32,
    pub cover: Option<crate::model::media::MediaItem>,
}

/// What `/c/<slug>` finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GalleryLookup {
    Found {
        gallery: CollectionWithItems,
        /// The cover at 1200 px wide, for OpenGraph and Twitter cards.
        share_image: Option<String>,
        canonical_url: String,
    },
    /// The slug was renamed: answer 301 to this one.
    Moved { slug: String },
    /// Unknown or unpublished: the same answer for both.
    NotFound,
}
