//! The trash that forgives: deleting moves items and collections here, hidden at once from the
//! library, collections, public galleries and the image origin; a restore gives them back with
//! their collections, places and cover; after the retention (or on "delete forever") the
//! objects, cached variants and renditions are deleted and then the rows.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::media::Media;
use crate::model::trash::{TrashContents, TrashSelection, Trashed};
use crate::model::ObjectKey;
use crate::server::db::TrashScope;
use crate::server::state::AppState;

/// The most the trash page lists of each kind; the rest shows after those are dealt with.
const LIST_LIMIT: u32 = 500;
/// How many items one sweep purges; the next sweep takes the rest.
const SWEEP_BATCH: u32 = 100;

fn check(selection: &TrashSelection) -> Result<(), AppError> {
    if selection.is_empty() {
        return Err(AppError::invalid("Nothing chosen: no ids given."));
    }
    if selection.len() > TrashSelection::MAX_IDS {
        return Err(AppError::invalid(format!("At most {} ids at once.", TrashSelection::MAX_IDS)));
    }
    Ok(())
}

/// Moves items to the trash; the ids moved (ids already there or unknown are left out).
pub async fn trash_media(state: &AppState, ids: &[Uuid], by: Uuid) -> Result<Vec<Uuid>, AppError> {
    check(&TrashSelection { media: ids.to_vec(), collections: Vec::new() })?;
    Ok(state.repo.trash_media(ids, Some(by)).await?)
}

pub async fn list(state: &AppState) -> Result<TrashContents, AppError> {
    let media = state.repo.trashed_media(TrashScope::All, LIST_LIMIT).await?;
    let collections = state.repo.trashed_collections(TrashScope::All, LIST_LIMIT).await?;
    let media = media
        .into_iter()
        .map(|t| Trashed { item: super::media_item(state, t.item), deleted_at: t.deleted_at, deleted_by: t.deleted_by })
        .collect();
    let retention_days = u32::try_from(state.trash_retention.num_days()).unwrap_or(u32::MAX);
    Ok(TrashContents { media, collections, retention_days })
}

/// Takes what is chosen out of the trash; what it restored.
pub async fn restore(state: &AppState, selection: &TrashSelection) -> Result<TrashSelection, AppError> {
    check(selection)?;
    let media = state.repo.restore_media(&selection.media).await?;
    let mut collections = Vec::with_capacity(selection.collections.len());
    for id in &selection.collections {
        if state.repo.restore_collection(*id).await? {
            collections.push(*id);
        }
    }
    Ok(TrashSelection { media, collections })
}

/// Deletes what is chosen (`None`: the whole trash) for good; what it deleted. Only what is in
/// the trash can be purged: a live item named here is left alone.
pub async fn purge(state: &AppState, selection: Option<&TrashSelection>) -> Result<TrashSelection, AppError> {
    let (media_scope, collection_scope) = match selection {
        Some(selection) => {
            check(selection)?;
            (TrashScope::Ids(&selection.media), TrashScope::Ids(&selection.collections))
        }
        None => (TrashScope::All, TrashScope::All),
    };
    let mut purged = TrashSelection::default();
    if !matches!(media_scope, TrashScope::Ids([])) {
        let media = state.repo.trashed_media(media_scope, LIST_LIMIT).await?;
        purged.media = purge_media(state, media.into_iter().map(|t| t.item)).await?;
    }
    if !matches!(collection_scope, TrashScope::Ids([])) {
        for trashed in state.repo.trashed_collections(collection_scope, LIST_LIMIT).await? {
            if state.repo.purge_collection(trashed.item.collection.id).await? {
                purged.collections.push(trashed.item.collection.id);
            }
        }
    }
    Ok(purged)
}

/// What the sweeper found past the retention and deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TrashSweep {
    pub media: usize,
    pub collections: usize,
}

/// One pass, as of `now`: what has been in the trash longer than the retention is deleted for
/// good, oldest first, a batch at a time.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<TrashSweep, AppError> {
    let cutoff = now - state.trash_retention;
    let media = state.repo.trashed_media(TrashScope::DeletedBefore(cutoff), SWEEP_BATCH).await?;
    let media = purge_media(state, media.into_iter().map(|t| t.item)).await?.len();
    let mut collections = 0;
    for trashed in state.repo.trashed_collections(TrashScope::DeletedBefore(cutoff), SWEEP_BATCH).await? {
        collections += usize::from(state.repo.purge_collection(trashed.item.collection.id).await?);
    }
    Ok(TrashSweep { media, collections })
}

/// Deletes trashed items one by one: the poster and renditions, then the original, then the
/// cached variants and the row. If the store refuses an original, that item and the ones after
/// it stay in the trash, and the error says how far it got.
async fn purge_media(state: &AppState, items: impl IntoIterator<Item = Media>) -> Result<Vec<Uuid>, AppError> {
    delete_for_good(state, items).await
}

/// Deletes items outside the library (trashed, or rejected from an inbox) as the trash's purge
/// does; the ids deleted.
pub async fn delete_for_good(state: &AppState, items: impl IntoIterator<Item = Media>) -> Result<Vec<Uuid>, AppError> {
    let items: Vec<Media> = items.into_iter().collect();
    let mut purged = Vec::with_capacity(items.len());
    for media in &items {
        // The poster first: if the original then fails, a retry finds the item still whole
        // enough to delete (a missing poster is only a missing picture).
        for made_from_it in media.poster_key.iter().chain(&media.display_key) {
            if let Err(e) = state.storage.delete(made_from_it).await {
                tracing::warn!(error = %e, key = %made_from_it, "store refused to delete a poster or display rendition");
            }
        }
        if media.hls_key.is_some() {
            let dir = media.object_key.hls_dir();
            if let Err(e) = state.storage.delete_prefix(&dir).await {
                tracing::warn!(error = %e, %dir, "store refused to delete HLS renditions");
            }
        }
        if let Err(e) = state.storage.delete(&media.object_key).await {
            tracing::error!(error = %e, key = %media.object_key, "store refused a delete");
            return Err(AppError::Conflict(format!(
                "Deleted {} of {} items for good; the store refused to delete \"{}\", so it and the rest stay in the trash. Try again later.",
                purged.len(),
                items.len(),
                media.display_name()
            )));
        }
        for source in std::iter::once(&media.object_key).chain(&media.display_key) {
            state.variants.forget(source);
            let cache = crate::server::images::variant_dir(&state.data_dir, source);
            match tokio::fs::remove_dir_all(&cache).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, path = %cache.display(), "could not remove cached variants"),
            }
        }
        if state.repo.purge_media(media.id).await? {
            purged.push(media.id);
        }
    }
    Ok(purged)
}

/// The item folders (`ObjectKey::item_folder`) of trashed items, as of a generation of
/// content changes: the image origin asks on every request, so the answer comes from memory
/// and is read again from the database only after content changed (here or, on PostgreSQL, on
/// another instance).
#[derive(Default)]
pub struct TrashedOriginals {
    /// The generation `folders` was read at, plus one (0: never read).
    read_at: AtomicU64,
    folders: RwLock<Arc<HashSet<String>>>,
    reading: tokio::sync::Mutex<()>,
}

impl TrashedOriginals {
    /// Whether `key` is a trashed item's original or something made from it.
    pub async fn hides(&self, state: &AppState, key: &ObjectKey) -> Result<bool, AppError> {
        let generation = state.changes.current() + 1;
        if self.read_at.load(Ordering::Acquire) != generation {
            let _one_reader = self.reading.lock().await;
            if self.read_at.load(Ordering::Acquire) != generation {
                let keys = state.repo.trashed_originals().await?;
                let folders: HashSet<String> = keys.iter().map(|k| k.item_folder().to_string()).collect();
                *self.folders.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(folders);
                self.read_at.store(generation, Ordering::Release);
            }
        }
        let folders = self.folders.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        Ok(!folders.is_empty() && folders.contains(key.item_folder()))
    }
}
