//! Content the library already holds is not sent again: a file whose exact size some item has
//! is hashed in the browser first (SubtleCrypto) and started with its SHA-256; the server
//! answers such a file with the item holding it, and the row offers "Upload anyway".

use std::collections::HashSet;

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::super::probes::sha256_of;
use super::super::{Phase, UploadItem, UploaderState};
use super::Queue;
use crate::api::uploads::known_sizes;

/// Largest file hashed before it is sent: SubtleCrypto digests one buffer, so the file is read
/// into memory once. Bigger files go up without a hash (the command line hashes any size).
const HASH_BEFORE_SENDING_MAX: u64 = 128 * 1024 * 1024;

/// Per file, its SHA-256 when the library could hold it already. Only files of a size some
/// item has are read: a file of any other size cannot be a copy.
pub(super) async fn content_hashes(files: &[File], state: &UploaderState) -> Vec<Option<String>> {
    let size = |f: &File| f.size() as u64;
    let sizes: Vec<u64> = files.iter().map(size).filter(|s| *s <= HASH_BEFORE_SENDING_MAX).collect();
    let held: HashSet<u64> = if sizes.is_empty() {
        HashSet::new()
    } else {
        known_sizes(sizes).await.unwrap_or_default().into_iter().collect()
    };
    let candidates = files.iter().filter(|f| held.contains(&size(f))).count();
    let mut hashes = Vec::with_capacity(files.len());
    let mut checked = 0;
    for file in files {
        if held.contains(&size(file)) {
            checked += 1;
            state.checking.set(Some(format!("Checking {checked} of {candidates} against the library…")));
            hashes.push(sha256_of(file).await);
        } else {
            hashes.push(None);
        }
    }
    state.checking.set(None);
    hashes
}

impl Queue {
    /// A row for a file not sent: the library holds its content as item `held_as`.
    pub(super) fn held_already(&self, key: u64, file: File, held_as: Uuid) {
        let item = UploadItem {
            key,
            name: StoredValue::new(file.name()),
            size: file.size() as u64,
            file_id: RwSignal::new(None),
            loaded: RwSignal::new(0),
            phase: RwSignal::new(Phase::Duplicate),
            error: RwSignal::new(None),
            held_as: RwSignal::new(Some(held_as)),
        };
        self.state.items.update(|items| items.push(item));
        self.inner.borrow_mut().held.insert(key, file);
    }

    /// "Upload anyway": the file goes up as a second copy, in a batch of its own.
    pub fn upload_anyway(&self, key: u64) {
        let Some(file) = self.inner.borrow_mut().held.remove(&key) else { return };
        self.state.items.update(|items| items.retain(|i| i.key != key));
        self.start_batch(vec![file], true);
    }
}
