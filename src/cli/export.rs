//! `vitrine export SLUG DIR`: a collection's originals, in order, and a `collection.json`
//! manifest that `vitrine import DIR` reads back.

use std::path::Path;

use futures_util::StreamExt;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::client::{Api, ApiError};
use super::manifest::{Manifest, ManifestItem};
use super::progress::Progress;
use super::walk::MANIFEST;
use crate::model::collection::{CollectionSummary, CollectionWithItems};
use crate::model::media::Download;

pub async fn run(api: &Api, slug: &str, dir: &Path) -> Result<bool, ApiError> {
    let all: Vec<CollectionSummary> = api.call("collections/list", &json!({})).await?;
    let Some(summary) = all.into_iter().find(|s| s.collection.slug == slug) else {
        return Err(ApiError(format!("No collection has the slug \"{slug}\" (see /collections).")));
    };
    let whole: CollectionWithItems = api.call("collections/get", &json!({"id": summary.collection.id})).await?;
    tokio::fs::create_dir_all(dir).await.map_err(|e| ApiError(format!("{}: {e}", dir.display())))?;
    let total: u64 = whole.items.iter().map(|i| i.media.size).sum();
    let progress = Progress::new("export", whole.items.len(), total, total);
    let mut items = Vec::new();
    let mut used = std::collections::HashSet::new();
    for (n, item) in whole.items.iter().enumerate() {
        let download: Download = api.call("media/download", &json!({"id": item.media.id})).await?;
        // Original names where they do not collide; a number in front where they do.
        let file = if used.insert(download.file_name.clone()) {
            download.file_name.clone()
        } else {
            format!("{:03}-{}", n + 1, download.file_name)
        };
        let bar = progress.file(&file, download.size);
        fetch(api, &download.url, &dir.join(&file), |n| {
            progress.advance(n);
            if let Some(bar) = &bar {
                bar.inc(n);
            }
        })
        .await?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        progress.line(&format!("exported       {file}"));
        items.push(ManifestItem { file, title: item.media.title.clone(), alt_text: item.media.alt_text.clone() });
    }
    progress.finish();
    let manifest =
        Manifest { title: whole.collection.title.clone(), description: whole.collection.description.clone(), items };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| ApiError(e.to_string()))?;
    tokio::fs::write(dir.join(MANIFEST), json).await.map_err(|e| ApiError(format!("{MANIFEST}: {e}")))?;
    println!("summary: {} item(s) of \"{}\" in {}", manifest.items.len(), manifest.title, dir.display());
    Ok(true)
}

/// Streams one original to `to` (never whole in memory).
async fn fetch(api: &Api, url: &str, to: &Path, advance: impl Fn(u64)) -> Result<(), ApiError> {
    let response = api.http.get(url).send().await.map_err(|e| ApiError(format!("cannot fetch {url}: {e}")))?;
    if !response.status().is_success() {
        return Err(ApiError(format!("the store answered {} for {}", response.status(), to.display())));
    }
    let mut file = tokio::fs::File::create(to).await.map_err(|e| ApiError(format!("{}: {e}", to.display())))?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ApiError(format!("download cut off: {e}")))?;
        file.write_all(&chunk).await.map_err(|e| ApiError(format!("{}: {e}", to.display())))?;
        advance(chunk.len() as u64);
    }
    file.flush().await.map_err(|e| ApiError(e.to_string()))
}
