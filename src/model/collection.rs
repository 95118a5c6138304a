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
