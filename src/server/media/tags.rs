//! Tags: added and removed on many items at once, renamed and merged by editors, shown with
//! every item the library lists.

use std::collections::HashMap;

use uuid::Uuid;

use crate::error::AppError;
use crate::model::media::MediaItem;
use crate::model::tag::{Tag, TagName, Tagging};
use crate::server::db::RenameRefusal;
use crate::server::state::AppState;

/// Most items one tagging request may name.
const MAX_ITEMS: usize = 500;
/// Most tags one library filter may combine.
pub const MAX_FILTER_TAGS: usize = 10;

fn names(raw: &[String]) -> Result<Vec<TagName>, AppError> {
    if raw.len() > TagName::MAX_PER_REQUEST {
        return Err(AppError::invalid(format!("At most {} tags at once.", TagName::MAX_PER_REQUEST)));
    }
    let mut names: Vec<TagName> = Vec::with_capacity(raw.len());
    for name in raw {
        let name = TagName::parse(name).map_err(AppError::Invalid)?;
        if !names.iter().any(|n| n.key() == name.key()) {
            names.push(name);
        }
    }
    Ok(names)
}

/// The filter's tag names, cleaned as tags are.
pub fn filter_names(raw: &[String]) -> Result<Vec<String>, AppError> {
    if raw.len() > MAX_FILTER_TAGS {
        return Err(AppError::invalid(format!("Filter by at most {MAX_FILTER_TAGS} tags.")));
    }
    Ok(names(raw)?.into_iter().map(|n| n.as_str().to_string()).collect())
}

pub async fn tag(state: &AppState, ids: &[Uuid], add: &[String], remove: &[String]) -> Result<Tagging, AppError> {
    if ids.is_empty() || ids.len() > MAX_ITEMS {
        return Err(AppError::invalid(format!("Name 1 to {MAX_ITEMS} items to tag.")));
    }
    let (add, remove) = (names(add)?, names(remove)?);
    if add.is_empty() && remove.is_empty() {
        return Err(AppError::invalid("No tag to add or remove."));
    }
    if add.iter().any(|a| remove.iter().any(|r| r.key() == a.key())) {
        return Err(AppError::invalid("A tag cannot be added and removed at once."));
    }
    Ok(state.repo.tag_media(ids, &add, &remove).await?)
}

pub async fn list(state: &AppState) -> Result<Vec<Tag>, AppError> {
    Ok(state.repo.list_tags().await?)
}

pub async fn rename(state: &AppState, id: Uuid, name: &str) -> Result<Tag, AppError> {
    let name = TagName::parse(name).map_err(AppError::Invalid)?;
    match state.repo.rename_tag(id, &name).await? {
        Ok(tag) => Ok(tag),
        Err(RenameRefusal::NoTag) => Err(AppError::NotFound("The tag".into())),
        Err(RenameRefusal::Taken(_)) => Err(AppError::Conflict(format!(
            "A tag named \u{201c}{}\u{201d} already exists: merge the two instead.",
            name.as_str()
        ))),
    }
}

pub async fn merge(state: &AppState, from: &[Uuid], into: Uuid) -> Result<Tag, AppError> {
    if from.is_empty() || from.len() > TagName::MAX_PER_REQUEST {
        return Err(AppError::invalid(format!("Name 1 to {} tags to merge.", TagName::MAX_PER_REQUEST)));
    }
    state.repo.merge_tags(from, into).await?.ok_or_else(|| AppError::NotFound("The tag to merge into".into()))
}

/// Fills in each item's tags (one query for the whole page).
pub async fn with_tags(state: &AppState, mut items: Vec<MediaItem>) -> Result<Vec<MediaItem>, AppError> {
    let ids: Vec<Uuid> = items.iter().map(|i| i.media.id).collect();
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (media, name) in state.repo.tags_of(&ids).await? {
        tags.entry(media).or_default().push(name);
    }
    for item in &mut items {
        item.tags = tags.remove(&item.media.id).unwrap_or_default();
    }
    Ok(items)
}
