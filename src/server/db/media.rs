//! The library's items.

use async_trait::async_trait;
use uuid::Uuid;

use super::DbError;
use crate::model::focus::FocalPoint;
use crate::model::media::{CollectionRef, Media, MediaQuery};
use crate::model::text::{AltText, Title};
use crate::model::ObjectKey;

#[async_trait]
pub trait MediaRepo {
    /// One page of the library: filtered, searched, sorted, and keyset-paginated from the
    /// query's cursor, each item with its search rank (see `MediaCursor::rank`). One query,
    /// on the search index.
    async fn list_media_ranked(&self, query: &MediaQuery, limit: u32) -> Result<Vec<(Media, u8)>, DbError>;

    /// The same page without the ranks.
    async fn list_media(&self, query: &MediaQuery, limit: u32) -> Result<Vec<Media>, DbError> {
        Ok(self.list_media_ranked(query, limit).await?.into_iter().map(|(media, _)| media).collect())
    }

    /// Which of these SHA-256 hashes the library already holds, and as which item.
    async fn known_content(&self, sha256: &[String]) -> Result<Vec<(String, Uuid)>, DbError>;

    /// Items whose content another item of the library has too: at most `limit` contents, the
    /// most recently duplicated first, each content's items oldest first. Trashed items are
    /// not counted.
    async fn duplicate_media(&self, limit: u32) -> Result<Vec<(String, Media)>, DbError>;

    /// The other items (outside the trash) with the same content as item `id`.
    async fn copies_of(&self, id: Uuid) -> Result<Vec<Uuid>, DbError>;

    /// Which of these sizes (bytes) some item of the library has: a file of any other size
    /// cannot already be held, so it need not be hashed before it is sent.
    async fn sizes_held(&self, sizes: &[u64]) -> Result<Vec<u64>, DbError>;

    async fn find_media(&self, id: Uuid) -> Result<Option<Media>, DbError>;

    /// Sets title and alt text (and the name and search keys that follow from them); every
    /// gallery showing the item changes version in the same transaction.
    async fn update_media(&self, id: Uuid, title: &Title, alt_text: &AltText) -> Result<Option<Media>, DbError>;

    /// Sets (or, with `None`, clears) an image's focal point; every gallery showing the item
    /// changes version in the same transaction (its crops move).
    async fn set_focal_point(&self, id: Uuid, focus: Option<FocalPoint>) -> Result<Option<Media>, DbError>;

    /// Up to `limit` items of a type shown through a display rendition that have none (stored
    /// before renditions existed), after item `after` in id order.
    async fn media_without_rendition(&self, after: Option<Uuid>, limit: u32) -> Result<Vec<Media>, DbError>;

    /// Records an item's display rendition, its upright size and (if it had none) placeholder.
    async fn set_display_rendition(
        &self,
        id: Uuid,
        key: &ObjectKey,
        size: (u32, u32),
        thumbhash: &str,
    ) -> Result<(), DbError>;

    /// The CRC-32s remembered for these items (those known).
    async fn crc32s(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, u32)>, DbError>;

    /// Remembers an item's CRC-32, learnt by reading it whole into an archive.
    async fn remember_crc32(&self, id: Uuid, crc32: u32) -> Result<(), DbError>;

    /// The collections an item is in, by title.
    async fn media_collections(&self, id: Uuid) -> Result<Vec<CollectionRef>, DbError>;
}
