//! What `vitrine check` compares the bucket against: which objects the books know.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;

#[async_trait]
pub trait BooksRepo {
    /// Of these originals' keys, those a media item or an upload still in flight accounts for.
    async fn known_originals(&self, keys: &[String]) -> Result<HashSet<String>, DbError>;

    /// Media not yet marked missing, after `after` (by id): id, original key, created.
    async fn media_keys_after(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<(Uuid, String, DateTime<Utc>)>, DbError>;

    /// Of these multipart upload ids, those an open upload file tracks.
    async fn tracked_multiparts(&self, upload_ids: &[String]) -> Result<HashSet<String>, DbError>;

    /// Notes that an item's original is gone from the bucket.
    async fn mark_missing(&self, media_id: Uuid) -> Result<(), DbError>;
}
