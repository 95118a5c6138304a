//! `vitrine import PATH…`: every accepted file under the paths, sent to a running Vitrine the
//! way the browser sends them (start a job, PUT straight to the store, complete), never
//! through the app server. Content the library already holds (by SHA-256) is not sent again,
//! and an interrupted multipart upload goes on from the parts the store has, so running it
//! again after Ctrl-C or a crash sends only what is missing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::client::{Api, ApiError};
use super::progress::Progress;
use super::send::{send, Sent};
use super::walk::{self, Candidate, Skipped};
use crate::model::upload::{KnownContent, StartedJob, UploadFile, UploadLimits};

pub struct ImportArgs {
    pub paths: Vec<PathBuf>,
    pub collection: Option<String>,
    pub jobs: usize,
    pub dry_run: bool,
}

/// A file with its content hash, ready to be asked about and sent.
#[derive(Clone)]
pub struct Hashed {
    pub candidate: Candidate,
    pub sha256: String,
}

#[derive(Default)]
struct Report {
    imported: Vec<String>,
    already: Vec<String>,
    skipped: Vec<Skipped>,
    failed: Vec<Skipped>,
    /// Media ids in the order files were given, for the collection.
    media: Vec<(usize, Uuid)>,
}

pub async fn run(api: &Api, args: ImportArgs) -> Result<bool, ApiError> {
    let limits: UploadLimits = api.call("uploads/limits", &json!({})).await?;
    // Walking a camera card or a NAS share is slow disk work: off the async threads.
    let (mut candidates, skipped) = {
        let (paths, allowed, max_bytes) = (args.paths.clone(), limits.allowed_types.clone(), limits.max_bytes);
        tokio::task::spawn_blocking(move || walk::find(&paths, &allowed, max_bytes))
            .await
            .map_err(|e| ApiError(e.to_string()))?
    };
    let manifest = args.paths.iter().find_map(|p| super::manifest::read(p));
    if let Some(manifest) = &manifest {
        manifest.order(&mut candidates);
    }
    let mut report = Report { skipped, ..Report::default() };
    let total: u64 = candidates.iter().map(|c| c.size).sum();
    let progress = Progress::new("import", candidates.len(), total * 2);

    // 1. Hash every file once (streaming), a few at a time.
    let hashed = hash_all(&candidates, args.jobs, &progress, &mut report).await;
    // 2. Ask which contents the library already has.
    let mut known = HashMap::new();
    for chunk in hashed.chunks(10_000) {
        let hashes: Vec<&str> = chunk.iter().map(|(_, h)| h.sha256.as_str()).collect();
        let found: Vec<KnownContent> = api.call("uploads/known", &json!({ "sha256": hashes })).await?;
        known.extend(found.into_iter().map(|k| (k.sha256, k.media_id)));
    }
    let mut to_send = Vec::new();
    // The same content twice in one run is sent once; the copies become that item.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut copies: Vec<(usize, Hashed)> = Vec::new();
    for (index, file) in hashed {
        if !known.contains_key(&file.sha256) {
            if first_of.contains_key(&file.sha256) {
                copies.push((index, file));
                continue;
            }
            first_of.insert(file.sha256.clone(), index);
        }
        match known.get(&file.sha256) {
            Some(media_id) => {
                progress.advance(file.candidate.size);
                progress.line(&format!("already there  {}", walk::shown(&file.candidate.path)));
                report.already.push(walk::shown(&file.candidate.path));
                report.media.push((index, *media_id));
            }
            None => to_send.push((index, file)),
        }
    }
    if args.dry_run {
        progress.finish();
        for (_, file) in &to_send {
            println!(
                "would send     {} ({} bytes, {})",
                walk::shown(&file.candidate.path),
                file.candidate.size,
                file.candidate.content_type
            );
        }
        print_summary(&report, to_send.len());
        return Ok(report.failed.is_empty());
    }

    // 3. Resume what an earlier run left half sent, start the rest in batches, send.
    let unfinished: Vec<UploadFile> = api.call("uploads/unfinished", &json!({})).await?;
    let mut resumable: HashMap<String, UploadFile> =
        unfinished.into_iter().filter_map(|f| f.fingerprint.clone().map(|fp| (fp, f))).collect();
    let mut work = Vec::new();
    let mut fresh = Vec::new();
    for (index, file) in to_send {
        match resumable.remove(&file.sha256) {
            Some(open) => work.push((index, file, open, None)),
            None => fresh.push((index, file)),
        }
    }
    for batch in fresh.chunks(limits.max_files.clamp(1, 500) as usize) {
        let specs: Vec<_> = batch
            .iter()
            .map(|(_, f)| {
                json!({"name": f.candidate.name, "size": f.candidate.size, "content_type": f.candidate.content_type,
                       "last_modified": f.candidate.modified_ms, "fingerprint": f.sha256, "sha256": f.sha256})
            })
            .collect();
        let started: StartedJob = api.call("uploads/start", &json!({ "files": specs })).await?;
        for ((index, file), started) in batch.iter().cloned().zip(started.files) {
            work.push((index, file, started.file, started.upload));
        }
    }
    let gate = Arc::new(tokio::sync::Semaphore::new(args.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, file, upload_file, upload) in work {
        let (api, progress, gate) = (api.clone(), progress.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            (index, file.clone(), send(&api, &progress, &file, &upload_file, upload).await)
        });
    }
    let of = tasks.len();
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        let Ok((index, file, sent)) = joined else { continue };
        done += 1;
        progress.files_done(done, of);
        let path = walk::shown(&file.candidate.path);
        match sent {
            Ok(Sent { media_id }) => {
                progress.line(&format!("imported       {path}"));
                report.imported.push(path);
                report.media.push((index, media_id));
            }
            Err(reason) => {
                progress.line(&format!("FAILED         {path}: {reason}"));
                report.failed.push(Skipped { path, reason });
            }
        }
    }
    progress.finish();
    for (index, file) in copies {
        let sent =
            report.media.iter().find(|(i, _)| Some(*i) == first_of.get(&file.sha256).copied()).map(|(_, id)| *id);
        let path = walk::shown(&file.candidate.path);
        match sent {
            Some(media_id) => {
                println!("already there  {path} (same content as another file of this run)");
                report.already.push(path);
                report.media.push((index, media_id));
            }
            None => report.failed.push(Skipped { path, reason: "its content's first copy failed".into() }),
        }
    }

    // 4. The collection, in the order the files were given.
    if let Some(title) = args.collection.as_deref().or(manifest.as_ref().map(|m| m.title.as_str())) {
        report.media.sort_by_key(|(index, _)| *index);
        let ids: Vec<Uuid> = report.media.iter().map(|(_, id)| *id).collect();
        let description = manifest.as_ref().map(|m| m.description.clone()).unwrap_or_default();
        let slug = super::manifest::fill_collection(api, title, &description, &ids).await?;
        if let Some(manifest) = &manifest {
            manifest.apply_texts(api, &candidates, &report.media).await?;
        }
        println!("collection     {title} (/c/{slug}): {} item(s)", ids.len());
    }
    print_summary(&report, 0);
    Ok(report.failed.is_empty())
}

async fn hash_all(
    candidates: &[Candidate],
    jobs: usize,
    progress: &Progress,
    report: &mut Report,
) -> Vec<(usize, Hashed)> {
    let gate = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, candidate) in candidates.iter().cloned().enumerate() {
        let (gate, progress) = (gate.clone(), progress.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let hashed = tokio::task::spawn_blocking({
                let candidate = candidate.clone();
                move || walk::hash(&candidate, &|n| progress.advance(n))
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            (index, candidate, hashed)
        });
    }
    let mut hashed = Vec::new();
    while let Some(Ok((index, candidate, result))) = tasks.join_next().await {
        match result {
            Ok(sha256) => hashed.push((index, Hashed { candidate, sha256 })),
            Err(reason) => {
                progress.advance(candidate.size);
                progress.line(&format!("FAILED         {}: {reason}", walk::shown(&candidate.path)));
                report.failed.push(Skipped { path: walk::shown(&candidate.path), reason });
            }
        }
    }
    hashed.sort_by_key(|(index, _)| *index);
    hashed
}

fn print_summary(report: &Report, would_send: usize) {
    for s in &report.skipped {
        println!("skipped        {}: {}", s.path, s.reason);
    }
    for f in &report.failed {
        println!("failed         {}: {}", f.path, f.reason);
    }
    let sent = if would_send > 0 {
        format!("{would_send} to send (dry run)")
    } else {
        format!("{} imported", report.imported.len())
    };
    println!(
        "summary: {sent}, {} already there, {} skipped, {} failed",
        report.already.len(),
        report.skipped.len(),
        report.failed.len()
    );
}
