//! Collections: named, ordered groups of media, with their slugs and publication.

use async_trait::async_trait;
use uuid::Uuid;

use super::DbError;
use crate::model::collection::{Collection, CollectionSummary, MembershipChange};
use crate::model::media::Media;
use crate::model::text::{Description, Title};

/// Why a reorder was refused: the order sent is not the collection's items rearranged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReorderRefusal {
    NoCollection,
    /// Counts of what was sent vs what the collection holds, and whether ids repeat.
    NotAPermutation {
        sent: usize,
        held: usize,
        duplicates: bool,
    },
}

/// Which part of a membership request points at nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Collection,
    Media(Uuid),
}

/// A published collection with the items its cover is chosen from (`model::media::cover`):
/// the chosen cover, if any, and its first image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverCandidates {
    pub summary: CollectionSummary,
    pub candidates: Vec<Media>,
}

#[async_trait]
pub trait CollectionRepo {
    async fn collection_exists(&self, id: Uuid) -> Result<bool, DbError>;

    /// Inserts with exactly this slug; a taken slug is `UniqueViolation` (the caller picks the next).
    async fn create_collection(
        &self,
        id: Uuid,
        title: &Title,
        slug: &str,
        description: &Description,
        created_by: Option<Uuid>,
    ) -> Result<Collection, DbError>;

    /// Slugs equal to `base` or starting `root-` that are taken, to choose the next candidate
    /// from (see `naming::suffix_root`): every current slug, and the old slugs that redirect,
    /// except `owner`'s own (a collection may take its old slug back).
    async fn slugs_like(&self, base: &str, root: &str, owner: Option<Uuid>) -> Result<Vec<String>, DbError>;

    /// Newest first, each with its item count.
    async fn list_collections(&self) -> Result<Vec<CollectionSummary>, DbError>;

    async fn find_collection(&self, id: Uuid) -> Result<Option<Collection>, DbError>;

    async fn find_collection_by_slug(&self, slug: &str) -> Result<Option<Collection>, DbError>;

    /// The current slug of the collection that used to be at `old_slug`.
    async fn slug_redirect(&self, old_slug: &str) -> Result<Option<String>, DbError>;

    /// New title and description; with `new_slug`, the old slug is kept in the history so it
    /// redirects. A taken slug is `UniqueViolation`.
    async fn update_collection(
        &self,
        id: Uuid,
        title: &Title,
        description: &Description,
        new_slug: Option<&str>,
    ) -> Result<Option<Collection>, DbError>;

    /// Appends the media (in the order given) after the collection's last item, each at most
    /// once, in one transaction; nothing is added if the collection or any media id is missing.
    async fn add_to_collection(
        &self,
        id: Uuid,
        media_ids: &[Uuid],
    ) -> Result<Result<MembershipChange, Missing>, DbError>;

    /// `None` if the collection does not exist. A cover that leaves goes back to the default.
    async fn remove_from_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Option<MembershipChange>, DbError>;

    /// The items in their order. One query.
    async fn collection_items(&self, id: Uuid) -> Result<Vec<Media>, DbError>;

    /// Writes every item's position in one transaction, if `media_ids` is exactly the
    /// collection's items in a new order.
    async fn reorder_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Result<(), ReorderRefusal>, DbError>;

    async fn set_published(&self, id: Uuid, published: bool) -> Result<Option<Collection>, DbError>;

    /// Whether a public gallery's visitors may download the collection as one ZIP.
    async fn set_allow_download(&self, id: Uuid, allowed: bool) -> Result<Option<Collection>, DbError>;

    /// Chooses the cover (`None`: the default). The cover must be one of the items.
    async fn set_cover(&self, id: Uuid, media_id: Option<Uuid>) -> Result<Result<Collection, Missing>, DbError>;

    /// The `content_version` of the published collection at `slug`, if there is one: what a
    /// cached rendering of its public page is checked against. One indexed lookup.
    async fn published_version(&self, slug: &str) -> Result<Option<i64>, DbError>;

    /// Published collections, newest first, with item counts and cover candidates. Three
    /// queries in all.
    async fn list_published_collections(&self) -> Result<Vec<CoverCandidates>, DbError>;
}
