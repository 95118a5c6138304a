//! The trash: rows marked deleted are hidden from every other query (each one says
//! `deleted_at IS NULL`), keep their memberships, places and tags, and come back whole on a
//! restore; a purge deletes the row for good.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::collection::CollectionSummary;
use crate::model::media::Media;
use crate::model::trash::Trashed;
use crate::model::ObjectKey;

/// Which part of the trash a listing covers.
#[derive(Debug, Clone, Copy)]
pub enum TrashScope<'a> {
    /// Everything, most recently deleted first.
    All,
    /// These, if they are in the trash.
    Ids(&'a [Uuid]),
    /// What was deleted before this moment (what the retention lets go), oldest first.
    DeletedBefore(DateTime<Utc>),
}

#[async_trait]
pub trait TrashRepo {
    /// Moves the items that are not in the trash yet into it, as deleted now by `by`, in one
    /// transaction; every gallery showing one changes version. The ids moved.
    async fn trash_media(&self, ids: &[Uuid], by: Option<Uuid>) -> Result<Vec<Uuid>, DbError>;

    /// Takes the items out of the trash, back in their collections at their places. The ids
    /// restored.
    async fn restore_media(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError>;

    /// Moves the collection into the trash (its items stay in the library); false if there is
    /// no such collection outside the trash.
    async fn trash_collection(&self, id: Uuid, by: Option<Uuid>) -> Result<bool, DbError>;

    /// Takes the collection out of the trash with its items, order, cover and slug.
    async fn restore_collection(&self, id: Uuid) -> Result<bool, DbError>;

    async fn trashed_media(&self, scope: TrashScope<'_>, limit: u32) -> Result<Vec<Trashed<Media>>, DbError>;

    /// Trashed collections, each with the number of its items outside the trash.
    async fn trashed_collections(
        &self,
        scope: TrashScope<'_>,
        limit: u32,
    ) -> Result<Vec<Trashed<CollectionSummary>>, DbError>;

    /// The original of every trashed item: the image origin answers 404 for them and for
    /// everything made from them.
    async fn trashed_originals(&self) -> Result<Vec<ObjectKey>, DbError>;

    /// Deletes a trashed item's row for good, with its memberships (upload files keep their
    /// history); false if it is not in the trash.
    async fn purge_media(&self, id: Uuid) -> Result<bool, DbError>;

    /// Deletes a trashed collection for good; its items stay. False if it is not in the trash.
    async fn purge_collection(&self, id: Uuid) -> Result<bool, DbError>;
}
