//! `vitrine check` (without `--config`): the books against the bucket. Objects no row accounts
//! for (a PUT that landed after its file was swept, renditions of deleted media), rows whose
//! original is gone, multipart uploads nobody tracks, and local image variants of deleted
//! media, each with its size. `repair` deletes the true orphans, aborts the stray uploads,
//! removes stale variants and marks the missing originals; nothing younger than the upload
//! grace period (a URL's lifetime plus the sweeper's grace) is ever touched, since an upload may
//! still be landing. The bucket is listed a page (1,000 objects) at a time.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::ObjectKey;
use crate::server::state::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// An object no media item or upload in flight accounts for.
    Orphan { key: String, size: u64 },
    /// A media item whose original is not in the bucket.
    MissingOriginal { media_id: Uuid, key: String },
    /// A multipart upload no open upload file tracks.
    StrayMultipart { key: String, upload_id: String },
    /// Resized variants on this server's disk for an item that is gone.
    StaleVariants { dir: PathBuf, size: u64 },
}

impl Finding {
    pub fn bytes(&self) -> u64 {
        match self {
            Finding::Orphan { size, .. } | Finding::StaleVariants { size, .. } => *size,
            _ => 0,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Finding::Orphan { key, size } => format!("orphan object     {key} ({size} bytes)"),
            Finding::MissingOriginal { media_id, key } => format!("missing original  {key} (media {media_id})"),
            Finding::StrayMultipart { key, upload_id } => format!("stray multipart   {key} (upload {upload_id})"),
            Finding::StaleVariants { dir, size } => format!("stale variants    {} ({size} bytes)", dir.display()),
        }
    }
}

#[derive(Debug, Default)]
pub struct Audit {
    pub findings: Vec<Finding>,
    pub objects: u64,
    pub bytes: u64,
    /// Objects and uploads left alone because they are younger than the grace period.
    pub too_young: u64,
}

/// Compares the bucket with the books as of `now`; `on_page(objects so far)` as it lists.
pub async fn audit(state: &AppState, now: DateTime<Utc>, on_page: impl Fn(u64)) -> Result<Audit, String> {
    let grace = chrono::Duration::from_std(state.uploads.url_ttl + state.uploads.sweep_grace).unwrap_or_default();
    let settled = |at: Option<DateTime<Utc>>| at.is_some_and(|at| now - at >= grace);
    let mut audit = Audit::default();
    let mut listed = HashSet::new();
    let mut after = None;
    loop {
        let (page, next) = state.storage.list_page(after).await.map_err(|e| format!("listing the bucket: {e}"))?;
        let roots: Vec<String> =
            page.iter().map(|o| crate::model::ObjectKey::original_of(&o.key).to_string()).collect();
        let known = state.repo.known_originals(&roots).await.map_err(|e| e.to_string())?;
        for (object, root) in page.into_iter().zip(roots) {
            audit.objects += 1;
            audit.bytes += object.size;
            listed.insert(object.key.clone());
            if known.contains(&root) {
                continue;
            }
            if !settled(object.last_modified) {
                audit.too_young += 1;
                continue;
            }
            audit.findings.push(Finding::Orphan { key: object.key, size: object.size });
        }
        on_page(audit.objects);
        match next {
            Some(token) => after = Some(token),
            None => break,
        }
    }
    let mut after = None;
    loop {
        let media = state.repo.media_keys_after(after, 1000).await.map_err(|e| e.to_string())?;
        let Some((last, _, _)) = media.last() else { break };
        after = Some(*last);
        for (media_id, key, created_at) in media {
            if !listed.contains(&key) && settled(Some(created_at)) {
                audit.findings.push(Finding::MissingOriginal { media_id, key });
            }
        }
    }
    let open = state.storage.open_multiparts().await.map_err(|e| format!("listing multipart uploads: {e}"))?;
    let ids: Vec<String> = open.iter().map(|u| u.upload_id.clone()).collect();
    let tracked = state.repo.tracked_multiparts(&ids).await.map_err(|e| e.to_string())?;
    for upload in open.into_iter().filter(|u| !tracked.contains(&u.upload_id)) {
        if settled(upload.initiated) {
            audit.findings.push(Finding::StrayMultipart { key: upload.key, upload_id: upload.upload_id });
        } else {
            audit.too_young += 1;
        }
    }
    audit.findings.extend(stale_variants(state).await?);
    Ok(audit)
}

/// Variant folders (`<data>/cache/media/<id>/<name>/`) of originals no item has any more.
async fn stale_variants(state: &AppState) -> Result<Vec<Finding>, String> {
    let root = state.data_dir.join("cache");
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("media")).min_depth(2).max_depth(2) {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_dir() {
            if let Ok(relative) = entry.path().strip_prefix(&root) {
                dirs.push((relative.to_string_lossy().into_owned(), entry.path().to_path_buf()));
            }
        }
    }
    let keys: Vec<String> = dirs.iter().map(|(key, _)| key.clone()).collect();
    let known = state.repo.known_originals(&keys).await.map_err(|e| e.to_string())?;
    Ok(dirs
        .into_iter()
        .filter(|(key, _)| !known.contains(key))
        .map(|(_, dir)| {
            let size = walkdir::WalkDir::new(&dir)
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum();
            Finding::StaleVariants { dir, size }
        })
        .collect())
}

/// Acts on what `audit` found; how many findings were dealt with.
pub async fn repair(state: &AppState, findings: &[Finding]) -> Result<usize, String> {
    let mut done = 0;
    for finding in findings {
        match finding {
            Finding::Orphan { key, .. } => {
                let key = ObjectKey::parse(key).map_err(|e| format!("{key}: {e}"))?;
                state.storage.delete(&key).await.map_err(|e| e.to_string())?;
            }
            Finding::MissingOriginal { media_id, .. } => {
                state.repo.mark_missing(*media_id).await.map_err(|e| e.to_string())?;
            }
            Finding::StrayMultipart { key, upload_id } => {
                let key = ObjectKey::parse(key).map_err(|e| format!("{key}: {e}"))?;
                state.storage.abort_multipart(&key, upload_id).await.map_err(|e| e.to_string())?;
            }
            Finding::StaleVariants { dir, .. } => {
                tokio::fs::remove_dir_all(dir).await.map_err(|e| format!("{}: {e}", dir.display()))?;
            }
        }
        done += 1;
    }
    Ok(done)
}
