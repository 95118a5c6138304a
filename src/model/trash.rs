//! The trash: what was deleted, when, by whom, and until when it can be restored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::collection::CollectionSummary;
use crate::model::media::MediaItem;

/// Something in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trashed<T> {
    pub item: T,
    pub deleted_at: DateTime<Utc>,
    /// Who deleted it; `None` once their account is gone.
    pub deleted_by: Option<Uuid>,
}

/// `/api/trash/list`: the trash, most recently deleted first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashContents {
    pub media: Vec<Trashed<MediaItem>>,
    pub collections: Vec<Trashed<CollectionSummary>>,
    /// How long something stays in the trash before it is deleted for good.
    pub retention_days: u32,
}

impl TrashContents {
    /// When something deleted at `deleted_at` is deleted for good.
    pub fn purged_after(&self, deleted_at: DateTime<Utc>) -> DateTime<Utc> {
        deleted_at + chrono::Duration::days(i64::from(self.retention_days))
    }

    pub fn is_empty(&self) -> bool {
        self.media.is_empty() && self.collections.is_empty()
    }
}

/// Which items and collections a restore or a purge acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashSelection {
    #[serde(default)]
    pub media: Vec<Uuid>,
    #[serde(default)]
    pub collections: Vec<Uuid>,
}

impl TrashSelection {
    /// At most this many ids in one request.
    pub const MAX_IDS: usize = 500;

    pub fn len(&self) -> usize {
        self.media.len() + self.collections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
