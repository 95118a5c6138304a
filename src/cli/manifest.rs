//! `collection.json`: what `vitrine export` writes beside the originals and `vitrine import`
//! reads back, so an exported collection re-imported into an empty Vitrine is the same
//! collection (title, description, order, each item's title and alt text).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::client::{Api, ApiError};
use super::walk::{Candidate, MANIFEST};
use crate::model::collection::{Collection, CollectionSummary};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub items: Vec<ManifestItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestItem {
    /// The file's name in the exported folder.
    pub file: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub alt_text: String,
}

/// The manifest of a folder, if it has a readable one.
pub fn read(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(MANIFEST)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(manifest) => Some(manifest),
        Err(e) => {
            eprintln!("{}: not read ({e}); importing without it", dir.join(MANIFEST).display());
            None
        }
    }
}

impl Manifest {
    fn position(&self, name: &str) -> Option<usize> {
        self.items.iter().position(|item| item.file == name)
    }

    /// The manifest's order first; files it does not list after, by path.
    pub fn order(&self, candidates: &mut [Candidate]) {
        candidates.sort_by_key(|c| (self.position(&c.name).unwrap_or(usize::MAX), c.path.clone()));
    }

    /// Gives each imported item its title and alt text from the manifest.
    pub async fn apply_texts(
        &self,
        api: &Api,
        candidates: &[Candidate],
        media: &[(usize, Uuid)],
    ) -> Result<(), ApiError> {
        for (index, id) in media {
            let Some(item) = candidates.get(*index).and_then(|c| self.position(&c.name)).map(|p| &self.items[p]) else {
                continue;
            };
            if item.title.is_empty() && item.alt_text.is_empty() {
                continue;
            }
            let _: serde_json::Value =
                api.call("media/update", &json!({"id": id, "title": item.title, "alt_text": item.alt_text})).await?;
        }
        Ok(())
    }
}

/// Finds the collection titled `title` (or creates it) and appends `ids` in order; its slug.
pub async fn fill_collection(api: &Api, title: &str, description: &str, ids: &[Uuid]) -> Result<String, ApiError> {
    let all: Vec<CollectionSummary> = api.call("collections/list", &json!({})).await?;
    let collection = match all.into_iter().find(|s| s.collection.title == title) {
        Some(summary) => summary.collection,
        None => {
            api.call::<Collection>("collections/create", &json!({"title": title, "description": description})).await?
        }
    };
    if !ids.is_empty() {
        let _: serde_json::Value = api.call("collections/add", &json!({"id": collection.id, "media_ids": ids})).await?;
    }
    Ok(collection.slug)
}
