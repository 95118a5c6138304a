//! Collections: the one slug function, creation that survives concurrent titles, membership.

use uuid::Uuid;

use crate::error::AppError;
use crate::model::collection::{Collection, CollectionSummary, MembershipChange};
use crate::server::db::DbError;
use crate::server::naming::{next_candidate, slugify, suffix_root};
use crate::server::state::AppState;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
const SLUG_CONSTRAINT: &str = "collections_slug_key";

fn clean(what: &str, value: &str, max: usize, multiline: bool) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::invalid(format!("The {what} is longer than {max} characters.")));
    }
    if value.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t'))) {
        return Err(AppError::invalid(format!("The {what} contains control characters.")));
    }
    Ok(value.to_string())
}

/// Creates a collection with a unique slug. Concurrent creators of one title (on any number of
/// instances) each get their own slug: an insert that loses the race on the unique index tries
/// the next candidate, never check-then-insert.
pub async fn create(state: &AppState, title: &str, description: &str) -> Result<Collection, AppError> {
    let title = clean("title", title, MAX_TITLE_CHARS, false)?;
    if title.is_empty() {
        return Err(AppError::invalid("A collection needs a title."));
    }
    let description = clean("description", description, MAX_DESCRIPTION_CHARS, true)?;
    let base = slugify(&title);
    let id = Uuid::new_v4();
    for _ in 0..100 {
        let taken = state.repo.slugs_like(&base, suffix_root(&base)).await?;
        let candidate = next_candidate(&base, &taken);
        match state.repo.create_collection(id, &title, &candidate, &description).await {
            Ok(collection) => return Ok(collection),
            Err(DbError::UniqueViolation { constraint }) if constraint.contains(SLUG_CONSTRAINT) || constraint == "unknown" => continue,
            Err(e) => return Err(e.into()),
        }
    }
    tracing::error!(%base, "no free slug after 100 attempts");
    Err(AppError::Conflict("Too many collections are being created with this title; try again.".into()))
}

pub async fn list(state: &AppState) -> Result<Vec<CollectionSummary>, AppError> {
    Ok(state.repo.list_collections().await?)
}

fn check_ids(ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid("No media ids given."));
    }
    if ids.len() > 1000 {
        return Err(AppError::invalid("At most 1000 items at once."));
    }
    Ok(())
}

/// Appends media at the end, each at most once; unknown media ids refuse the whole request.
pub async fn add(state: &AppState, collection_id: Uuid, media_ids: &[Uuid]) -> Result<MembershipChange, AppError> {
    check_ids(media_ids)?;
    state.repo.add_to_collection(collection_id, media_ids).await?.map_err(|missing| match missing {
        Missing::Collection => AppError::NotFound("The collection".into()),
        Missing::Media(id) => AppError::invalid(format!("No media item has the id {id}.")),
    })
}

pub async fn remove(state: &AppState, collection_id: Uuid, media_ids: &[Uuid]) -> Result<MembershipChange, AppError> {
    check_ids(media_ids)?;
    state
        .repo
        .remove_from_collection(collection_id, media_ids)
        .await?
        .ok_or_else(|| AppError::NotFound("The collection".into()))
}

pub async fn delete(state: &AppState, id: Uuid) -> Result<(), AppError> {
    if state.repo.delete_collection(id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound("The collection".into()))
    }
}

/// Why a reorder was refused: the order sent is not the collection's items rearranged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReorderRefusal {
    NoCollection,
    /// Counts of what was sent vs what the collection holds, and whether ids repeat.
    NotAPermutation { sent: usize, held: usize, duplicates: bool },
}

/// Which part of a membership request points at nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Collection,
    Media(Uuid),
}

/// The collection and its items in order, as the editor shows them.
pub async fn get(state: &AppState, id: Uuid) -> Result<crate::model::collection::CollectionWithItems, AppError> {
    let collection = state.repo.find_collection(id).await?.ok_or_else(|| AppError::NotFound("The collection".into()))?;
    let items = state.repo.collection_items(id).await?;
    let items = items.into_iter().map(|m| crate::server::media::media_item(state, m)).collect();
    Ok(crate::model::collection::CollectionWithItems { collection, items })
}

/// New title and description. A new title makes a new slug unless `keep_slug`; the old slug
/// then redirects (301) to the new one.
pub async fn update(
    state: &AppState,
    id: Uuid,
    title: &str,
    description: &str,
    keep_slug: bool,
) -> Result<Collection, AppError> {
    let title = clean("title", title, MAX_TITLE_CHARS, false)?;
    if title.is_empty() {
        return Err(AppError::invalid("A collection needs a title."));
    }
    let description = clean("description", description, MAX_DESCRIPTION_CHARS, true)?;
    let current = state.repo.find_collection(id).await?.ok_or_else(|| AppError::NotFound("The collection".into()))?;
    let base = slugify(&title);
    // Same title, same slug (or its numbered variant): nothing to move.
    let unchanged = current.slug == base || current.slug.strip_prefix(&base).is_some_and(|rest| rest.starts_with('-') && rest[1..].parse::<u32>().is_ok());
    if keep_slug || unchanged {
        return state
            .repo
            .update_collection(id, &title, &description, None)
            .await?
            .ok_or_else(|| AppError::NotFound("The collection".into()));
    }
    for _ in 0..100 {
        let taken = state.repo.slugs_like(&base, suffix_root(&base)).await?;
        // Its own old slugs are free to take back.
        let candidate = next_candidate(&base, &taken);
        match state.repo.update_collection(id, &title, &description, Some(&candidate)).await {
            Ok(Some(collection)) => return Ok(collection),
            Ok(None) => return Err(AppError::NotFound("The collection".into())),
            Err(DbError::UniqueViolation { constraint }) if constraint.contains(SLUG_CONSTRAINT) || constraint == "unknown" => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::Conflict("Too many collections are being renamed to this title; try again.".into()))
}

/// The full new order, once: written in one transaction, or refused whole if it is not exactly
/// the collection's items (someone else added or removed one meanwhile).
pub async fn reorder(state: &AppState, id: Uuid, media_ids: &[Uuid]) -> Result<(), AppError> {
    if media_ids.len() > 10_000 {
        return Err(AppError::invalid("At most 10,000 items can be ordered at once."));
    }
    match state.repo.reorder_collection(id, media_ids).await? {
        Ok(()) => Ok(()),
        Err(ReorderRefusal::NoCollection) => Err(AppError::NotFound("The collection".into())),
        Err(ReorderRefusal::NotAPermutation { sent, held, duplicates }) => Err(AppError::Conflict(if duplicates {
            "The new order lists an item twice. Nothing was changed; reload to see the current order.".to_string()
        } else {
            format!(
                "The new order has {sent} items but the collection has {held}, or lists items that are not in it. \
                 Nothing was changed; reload to see the current order."
            )
        })),
    }
}

pub async fn publish(state: &AppState, id: Uuid, published: bool) -> Result<Collection, AppError> {
    state.repo.set_published(id, published).await?.ok_or_else(|| AppError::NotFound("The collection".into()))
}

/// Chooses the cover of the collection's public page and cards; `None` goes back to the first
/// item. The cover must be one of the collection's items.
pub async fn set_cover(state: &AppState, id: Uuid, media_id: Option<Uuid>) -> Result<Collection, AppError> {
    // Covers are shown as images (cards, link previews): a video cannot be one.
    if let Some(media_id) = media_id {
        if state.repo.find_media(media_id).await?.is_some_and(|m| !m.is_image()) {
            return Err(AppError::invalid("A cover must be an image."));
        }
    }
    state.repo.set_cover(id, media_id).await?.map_err(|missing| match missing {
        Missing::Collection => AppError::NotFound("The collection".into()),
        Missing::Media(id) => AppError::invalid(format!("The item {id} is not in this collection.")),
    })
}

/// The public front page: published collections, newest first, each with its cover.
pub async fn published(state: &AppState) -> Result<Vec<crate::model::collection::PublishedCollection>, AppError> {
    Ok(state
        .repo
        .list_published_collections()
        .await?
        .into_iter()
        .map(|(summary, cover)| crate::model::collection::PublishedCollection {
            collection: summary.collection,
            item_count: summary.item_count,
            cover: cover.map(|m| crate::server::media::media_item(state, m)),
        })
        .collect())
}

/// What `/c/<slug>` shows: a published collection, a redirect for a renamed one, or nothing
/// (unknown and unpublished look the same from outside).
pub async fn gallery(state: &AppState, slug: &str) -> Result<crate::model::collection::GalleryLookup, AppError> {
    use crate::model::collection::GalleryLookup;
    if slug.len() > 200 {
        return Ok(GalleryLookup::NotFound);
    }
    let Some(collection) = state.repo.find_collection_by_slug(slug).await? else {
        return Ok(match state.repo.slug_redirect(slug).await? {
            Some(slug) => GalleryLookup::Moved { slug },
            None => GalleryLookup::NotFound,
        });
    };
    if !collection.published {
        return Ok(GalleryLookup::NotFound);
    }
    let canonical_url = format!("{}c/{}", state.public_base_url.as_str(), collection.slug);
    let items = state.repo.collection_items(collection.id).await?;
    let items = items.into_iter().map(|m| crate::server::media::media_item(state, m)).collect();
    let gallery = crate::model::collection::CollectionWithItems { collection, items };
    let cover = gallery
        .collection
        .cover_media_id
        .and_then(|id| gallery.items.iter().find(|i| i.media.id == id))
        .or_else(|| gallery.items.iter().find(|i| i.media.is_image()));
    let share_image = cover.map(|item| {
        crate::cdn::image_url(&state.image_base(), &item.media.object_key, &crate::cdn::Transform::width(1200))
    });
    Ok(GalleryLookup::Found { gallery, share_image, canonical_url })
}
