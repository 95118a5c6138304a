//! Content the library already holds is not sent again: each file is hashed in the browser
//! first (SubtleCrypto) and started with its SHA-256; the server answers a copy with the item
//! holding it, and the row offers "Upload anyway".

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::super::probes::sha256_of;
use super::super::{Phase, UploadItem, UploaderState};
use super::Queue;

/// Largest file hashed before it is sent: SubtleCrypto digests one buffer, so the file is read
/// into memory once. Bigger files go up without a hash (the command line hashes any size).
const HASH_BEFORE_SENDING_MAX: u64 = 128 * 1024 * 1024;

/// Per file up to `HASH_BEFORE_SENDING_MAX`, its SHA-256: sent at the start, so a copy the
/// library holds is answered before any byte goes, and kept with the new item, so a later copy
/// of it is caught too.
pub(super) async fn content_hashes(files: &[File], state: &UploaderState) -> Vec<Option<String>> {
    let hashable = |f: &File| f.size() as u64 <= HASH_BEFORE_SENDING_MAX;
    let total = files.iter().filter(|f| hashable(f)).count();
    let mut hashes = Vec::with_capacity(files.len());
    let mut checked = 0;
    for file in files {
        if hashable(file) {
            checked += 1;
            state.checking.set(Some(format!("Checking {checked} of {total} against the library…")));
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
