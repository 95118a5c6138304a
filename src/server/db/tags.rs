//! Tags and which items carry them.

use async_trait::async_trait;
use uuid::Uuid;

use super::DbError;
use crate::model::tag::{Tag, TagName, Tagging};

/// Why a rename was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameRefusal {
    NoTag,
    /// Another tag already has the name (in any case): merge instead.
    Taken(Uuid),
}

#[async_trait]
pub trait TagRepo {
    /// Every tag by name, with how many items outside the trash carry it.
    async fn list_tags(&self) -> Result<Vec<Tag>, DbError>;

    /// Adds and removes tags on the items (outside the trash) in one transaction; a tag that
    /// does not exist yet is created with the name as written.
    async fn tag_media(&self, ids: &[Uuid], add: &[TagName], remove: &[TagName]) -> Result<Tagging, DbError>;

    /// The tag names of each of these items, by name: `(item, name)` pairs.
    async fn tags_of(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError>;

    async fn rename_tag(&self, id: Uuid, name: &TagName) -> Result<Result<Tag, RenameRefusal>, DbError>;

    /// Gives every item of the `from` tags the `into` tag, then deletes the `from` tags, in
    /// one transaction. `None` if `into` does not exist.
    async fn merge_tags(&self, from: &[Uuid], into: Uuid) -> Result<Option<Tag>, DbError>;
}
