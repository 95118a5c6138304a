//! Collections: creation with a unique slug that survives concurrent titles, membership, order,
//! publication; and their public pages (`public_pages`).

pub mod download;
pub mod public_pages;

use std::future::Future;

use uuid::Uuid;

use crate::error::AppError;
use crate::model::collection::{
    Collection, CollectionSummary, CollectionWithItems, GalleryLookup, MembershipChange, PublishedCollection,
};
use crate::model::media::cover;
use crate::model::media::SHARE_CARD;
use crate::model::text::{Description, Title};
use crate::server::db::{DbError, Missing, ReorderRefusal};
use crate::server::media::{media_item, public_media_item};
use crate::server::naming::{next_candidate, slugify, suffix_root};
use crate::server::state::AppState;

const SLUG_CONSTRAINT: &str = "collections_slug_key";
/// Most items one membership request may name.
const MAX_IDS: usize = 1000;
/// Most items one reorder may order.
const MAX_ORDER: usize = 10_000;

fn not_found() -> AppError {
    AppError::NotFound("The collection".into())
}

fn parse_texts(title: &str, description: &str) -> Result<(Title, Description), AppError> {
    let title = Title::parse_required(title, "A collection needs a title.").map_err(AppError::Invalid)?;
    let description = Description::parse(description).map_err(AppError::Invalid)?;
    Ok((title, description))
}

/// Tries `write` with the first free slug for `title`, then the next one while the unique
/// index says another writer (on any instance) took it first: never check-then-insert.
async fn with_free_slug<T, F, Fut>(
    state: &AppState,
    title: &Title,
    owner: Option<Uuid>,
    mut write: F,
) -> Result<T, AppError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    let base = slugify(title.as_str());
    for _ in 0..100 {
        let taken = state.repo.slugs_like(&base, suffix_root(&base), owner).await?;
        match write(next_candidate(&base, &taken)).await {
            Err(e) if e.violates(SLUG_CONSTRAINT) => continue,
            other => return Ok(other?),
        }
    }
    tracing::error!(%base, "no free slug after 100 attempts");
    Err(AppError::Conflict("Too many collections are being given this title at once; try again.".into()))
}

/// Creates a collection with a unique slug; concurrent creators of one title each get their own.
pub async fn create(
    state: &AppState,
    title: &str,
    description: &str,
    created_by: Uuid,
) -> Result<Collection, AppError> {
    let (title, description) = parse_texts(title, description)?;
    let id = Uuid::new_v4();
    with_free_slug(state, &title, None, |slug| {
        let (repo, title, description) = (&state.repo, &title, &description);
        async move { repo.create_collection(id, title, &slug, description, Some(created_by)).await }
    })
    .await
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
    let (title, description) = parse_texts(title, description)?;
    let current = state.repo.find_collection(id).await?.ok_or_else(not_found)?;
    let base = slugify(title.as_str());
    // Same title, same slug (or its numbered variant): nothing to move.
    let unchanged = current.slug == base
        || current
            .slug
            .strip_prefix(&base)
            .is_some_and(|rest| rest.starts_with('-') && rest[1..].parse::<u32>().is_ok());
    let updated = if keep_slug || unchanged {
        state.repo.update_collection(id, &title, &description, None).await?
    } else {
        // Its own old slugs are free to take back.
        with_free_slug(state, &title, Some(id), |slug| {
            let (repo, title, description) = (&state.repo, &title, &description);
            async move { repo.update_collection(id, title, description, Some(&slug)).await }
        })
        .await?
    };
    updated.ok_or_else(not_found)
}

pub async fn list(state: &AppState) -> Result<Vec<CollectionSummary>, AppError> {
    Ok(state.repo.list_collections().await?)
}

fn check_ids(ids: &[Uuid]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::invalid("No media ids given."));
    }
    if ids.len() > MAX_IDS {
        return Err(AppError::invalid(format!("At most {MAX_IDS} items at once.")));
    }
    Ok(())
}

/// Appends media at the end, each at most once; unknown media ids refuse the whole request.
pub async fn add(state: &AppState, collection_id: Uuid, media_ids: &[Uuid]) -> Result<MembershipChange, AppError> {
    check_ids(media_ids)?;
    state.repo.add_to_collection(collection_id, media_ids).await?.map_err(|missing| match missing {
        Missing::Collection => not_found(),
        Missing::Media(id) => AppError::invalid(format!("No media item has the id {id}.")),
    })
}

pub async fn remove(state: &AppState, collection_id: Uuid, media_ids: &[Uuid]) -> Result<MembershipChange, AppError> {
    check_ids(media_ids)?;
    state.repo.remove_from_collection(collection_id, media_ids).await?.ok_or_else(not_found)
}

/// Moves the collection to the trash, from where it can be restored whole.
pub async fn delete(state: &AppState, id: Uuid, by: Uuid) -> Result<(), AppError> {
    if state.repo.trash_collection(id, Some(by)).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// The collection and its items in order, as the editor shows them.
pub async fn get(state: &AppState, id: Uuid) -> Result<CollectionWithItems, AppError> {
    let collection = state.repo.find_collection(id).await?.ok_or_else(not_found)?;
    let items = state.repo.collection_items(id).await?;
    let items = items.into_iter().map(|m| media_item(state, m)).collect();
    Ok(CollectionWithItems { collection, items })
}

/// The full new order, once: written in one transaction, or refused whole if it is not exactly
/// the collection's items (someone else added or removed one meanwhile).
pub async fn reorder(state: &AppState, id: Uuid, media_ids: &[Uuid]) -> Result<(), AppError> {
    if media_ids.len() > MAX_ORDER {
        return Err(AppError::invalid(format!("At most {MAX_ORDER} items can be ordered at once.")));
    }
    match state.repo.reorder_collection(id, media_ids).await? {
        Ok(()) => Ok(()),
        Err(ReorderRefusal::NoCollection) => Err(not_found()),
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
    state.repo.set_published(id, published).await?.ok_or_else(not_found)
}

/// Chooses the cover of the collection's public page and cards; `None` goes back to the
/// default. The cover must be one of the collection's items, and an image.
pub async fn set_cover(state: &AppState, id: Uuid, media_id: Option<Uuid>) -> Result<Collection, AppError> {
    if let Some(media_id) = media_id {
        if state.repo.find_media(media_id).await?.is_some_and(|m| !m.is_image()) {
            return Err(AppError::invalid("A cover must be an image."));
        }
    }
    state.repo.set_cover(id, media_id).await?.map_err(|missing| match missing {
        Missing::Collection => not_found(),
        Missing::Media(id) => AppError::invalid(format!("The item {id} is not in this collection.")),
    })
}

/// The public front page: published collections, newest first, each with its cover.
pub async fn published(state: &AppState) -> Result<Vec<PublishedCollection>, AppError> {
    Ok(state
        .repo
        .list_published_collections()
        .await?
        .into_iter()
        .map(|c| {
            let cover = cover(c.summary.collection.cover_media_id, &c.candidates).cloned();
            PublishedCollection {
                collection: c.summary.collection,
                item_count: c.summary.item_count,
                cover: cover.map(|m| public_media_item(state, m)),
            }
        })
        .collect())
}

/// What `/c/<slug>` shows: a published collection, a redirect for a renamed one, or nothing
/// (unknown and unpublished look the same from outside).
pub async fn gallery(state: &AppState, slug: &str) -> Result<GalleryLookup, AppError> {
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
    let items: Vec<_> =
        state.repo.collection_items(collection.id).await?.into_iter().map(|m| public_media_item(state, m)).collect();
    let share_image = cover(collection.cover_media_id, &items).map(|item| {
        state
            .delivery
            .for_page(crate::server::delivery::Audience::Public, state.clock.now())
            .image(item.media.display_source(), &item.media.crop(SHARE_CARD))
    });
    let gallery = CollectionWithItems { collection, items };
    Ok(GalleryLookup::Found { gallery, share_image, canonical_url })
}
