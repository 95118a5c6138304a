//! Content the library already holds is not stored twice. A file that goes up in one PUT is
//! hashed in the browser first (SubtleCrypto) and started with its SHA-256: the server answers a
//! copy with the item holding it, before any byte is sent, and the row offers "Upload anyway".
//! A file that goes up in parts is hashed while it is sent (streaming, in Wasm); its hash goes
//! with the completion, and a copy found then is deleted by the server and shown the same way.

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::super::probes::{sha256_of, sha256_streaming};
use super::super::{Phase, UploadItem, UploaderState};
use super::Queue;
use crate::model::upload::UploadLimits;

/// A streaming hash under way, shared by the completion that waits for it and a retry that
/// reuses it.
pub(super) type HashInFlight = Shared<LocalBoxFuture<'static, Option<String>>>;

/// Per file hashed before sending, its SHA-256: sent at the start, so a copy the library holds
/// is answered before any byte goes, and kept with the new item, so a later copy of it is
/// caught too. `None` for the files hashed while they are sent.
pub(super) async fn content_hashes(
    files: &[File],
    limits: &UploadLimits,
    state: &UploaderState,
) -> Vec<Option<String>> {
    let hashable = |f: &File| limits.hashed_before_sending(f.size() as u64);
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
    pub(super) fn held_already(&self, key: u64, file: File, sha256: Option<String>, held_as: Uuid) {
        let item = UploadItem::new(key, file.name(), file.size() as u64, None, Phase::Duplicate);
        item.held_as.set(Some(held_as));
        self.state.items.update(|items| items.push(item));
        self.inner.borrow_mut().held.insert(key, (file, sha256));
    }

    /// A file sent and completed whose content the server found in the library: its copy is
    /// deleted there, and the row says where the content is.
    pub(super) fn found_held(&self, item: UploadItem, file: File, sha256: Option<String>, held_as: Uuid) {
        item.held_as.set(Some(held_as));
        item.phase.set(Phase::Duplicate);
        let mut inner = self.inner.borrow_mut();
        inner.entries.remove(&item.key);
        inner.held.insert(item.key, (file, sha256));
    }

    /// "Upload anyway": the file goes up as a second copy, in a batch of its own, with its hash
    /// if it is known (so the new item has it, and the server does not look for a copy again).
    pub fn upload_anyway(&self, key: u64) {
        let Some((file, sha256)) = self.inner.borrow_mut().held.remove(&key) else { return };
        self.state.items.update(|items| items.retain(|i| i.key != key));
        let queue = self.clone();
        leptos::task::spawn_local(async move { queue.start_batch(vec![file], vec![sha256], true).await });
    }

    /// The hash to send with the completion of entry `key`: `None` when the start carried it
    /// (the server has it), else the streaming hash, started once per file (a retry reuses it)
    /// and driven beside the upload.
    pub(super) fn hash_while_sending(&self, key: u64, item: UploadItem, file: &File) -> Option<HashInFlight> {
        let mut inner = self.inner.borrow_mut();
        let entry = inner.entries.get_mut(&key)?;
        if entry.sha256.is_some() {
            return None;
        }
        if let Some(hashing) = &entry.hashing {
            return Some(hashing.clone());
        }
        let file = file.clone();
        item.hashed.set(Some(0));
        let hashing = async move { sha256_streaming(&file, |n| item.hashed.set(Some(n))).await }.boxed_local().shared();
        leptos::task::spawn_local(hashing.clone().map(|_| ()));
        entry.hashing = Some(hashing.clone());
        Some(hashing)
    }
}
