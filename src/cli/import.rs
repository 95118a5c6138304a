//! `vitrine import PATH…`: every accepted file under the paths, sent to a running Vitrine the
//! way the browser sends them (start a job, PUT straight to the store, complete), never
//! through the app server. Content the library already holds (by SHA-256) is not sent again,
//! and an interrupted multipart upload goes on from the parts the store has, so running it
//! again after Ctrl-C or a crash sends only what is missing.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::client::{Api, ApiError};
use super::progress::Progress;
use super::send::{send, Sent};
use super::walk::{self, Candidate, Skipped};
use crate::model::upload::{KnownContent, PresignedRequest, StartedEntry, StartedJob, UploadFile, UploadLimits};

pub struct ImportArgs {
    pub paths: Vec<PathBuf>,
    pub collection: Option<String>,
    pub jobs: usize,
    pub dry_run: bool,
}

/// A file to send, with its content hash when it was computed before sending (else it is
/// computed on the way).
#[derive(Clone)]
pub struct Outgoing {
    pub candidate: Candidate,
    pub sha256: Option<String>,
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

    // 1. A file's content can already be in the library only if some item has its size, and
    // two files of this run can be the same only if they share a size: those are hashed before
    // anything is sent. Every other file is sent at once and hashed on the way, in one read.
    let (hash_first, hash_on_the_way) = split_by_size(api, &candidates).await?;
    let bytes: u64 = candidates.iter().map(|c| c.size).sum();
    let work = bytes + hash_first.iter().map(|(_, c)| c.size).sum::<u64>();
    let progress = Progress::new("import", candidates.len(), bytes, work);
    let hashed = hash_all(&hash_first, args.jobs, &progress, &mut report).await;
    // 2. Ask which of the hashed contents the library already has.
    let mut known = HashMap::new();
    for chunk in hashed.chunks(10_000) {
        let hashes: Vec<&str> = chunk.iter().filter_map(|(_, h)| h.sha256.as_deref()).collect();
        let found: Vec<KnownContent> = api.call("uploads/known", &json!({ "sha256": hashes })).await?;
        known.extend(found.into_iter().map(|k| (k.sha256, k.media_id)));
    }
    let mut to_send = Vec::new();
    // The same content twice in one run is sent once; the copies become that item.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut copies: Vec<(usize, Outgoing)> = Vec::new();
    for (index, file) in hashed {
        let sha256 = file.sha256.clone().unwrap_or_default();
        if let Some(media_id) = known.get(&sha256) {
            progress.advance(file.candidate.size);
            progress.line(&format!("already there  {}", walk::shown(&file.candidate.path)));
            report.already.push(walk::shown(&file.candidate.path));
            report.media.push((index, *media_id));
        } else {
            match first_of.entry(sha256) {
                std::collections::hash_map::Entry::Occupied(_) => copies.push((index, file)),
                std::collections::hash_map::Entry::Vacant(first) => {
                    first.insert(index);
                    to_send.push((index, file));
                }
            }
        }
    }
    to_send.extend(hash_on_the_way.into_iter().map(|(index, candidate)| (index, Outgoing { candidate, sha256: None })));
    to_send.sort_by_key(|(index, _)| *index);
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

    // 3. Resume what an earlier run (or a browser) left half sent; start the rest batch by
    // batch, each just before its files are sent, so no presigned URL waits out its life.
    let (resumed, fresh) = match_unfinished(api, to_send, limits.multipart_threshold).await?;
    let sending =
        Sending { api: api.clone(), progress: progress.clone(), done: Arc::default(), of: resumed.len() + fresh.len() };
    let gate = Arc::new(tokio::sync::Semaphore::new(args.jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, file, open) in resumed {
        let permit = gate.clone().acquire_owned().await.map_err(|e| ApiError(e.to_string()))?;
        tasks.spawn(sending.clone().one(permit, index, file, open, None));
        report.take_finished(&mut tasks);
    }
    for batch in fresh.chunks(limits.max_files.clamp(1, 100) as usize) {
        let specs: Vec<_> = batch
            .iter()
            .map(|(_, f, fingerprint)| {
                json!({"name": f.candidate.name, "size": f.candidate.size, "content_type": f.candidate.content_type,
                       "last_modified": f.candidate.modified_ms, "fingerprint": fingerprint, "sha256": f.sha256})
            })
            .collect();
        let started: StartedJob = api.call("uploads/start", &json!({ "files": specs })).await?;
        for ((index, file, _), started) in batch.iter().cloned().zip(started.files) {
            let started = match started {
                StartedEntry::Upload(started) => started,
                // Someone else uploaded the same content since we asked.
                StartedEntry::Duplicate { duplicate_of, .. } => {
                    progress.advance(file.candidate.size);
                    progress.line(&format!("already there  {}", walk::shown(&file.candidate.path)));
                    report.already.push(walk::shown(&file.candidate.path));
                    report.media.push((index, duplicate_of));
                    continue;
                }
            };
            let permit = gate.clone().acquire_owned().await.map_err(|e| ApiError(e.to_string()))?;
            tasks.spawn(sending.clone().one(permit, index, file, started.file, started.upload));
            report.take_finished(&mut tasks);
        }
    }
    while let Some(joined) = tasks.join_next().await {
        report.take(joined);
    }
    progress.finish();
    for (index, file) in copies {
        let first = file.sha256.as_ref().and_then(|h| first_of.get(h)).copied();
        let sent = report.media.iter().find(|(i, _)| Some(*i) == first).map(|(_, id)| *id);
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
        // A copy is the item of its first file: once in the collection, where that file is.
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = report.media.iter().map(|(_, id)| *id).filter(|id| seen.insert(*id)).collect();
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

/// A file's sending task: its index, its path as shown, what came of it.
type SendTask = tokio::task::JoinSet<(usize, String, Result<Sent, String>)>;

impl Report {
    fn take(&mut self, joined: Result<(usize, String, Result<Sent, String>), tokio::task::JoinError>) {
        let Ok((index, path, sent)) = joined else { return };
        match sent {
            Ok(Sent { media_id, copy }) => {
                if copy {
                    println!("already there  {path} (found when it completed; the copy was deleted)");
                    self.already.push(path);
                } else {
                    self.imported.push(path);
                }
                self.media.push((index, media_id));
            }
            Err(reason) => self.failed.push(Skipped { path, reason }),
        }
    }

    /// Takes the outcomes of the tasks that have finished: a finished task keeps its whole
    /// future's memory until it is joined, so a run of 100,000 files must not wait for the end.
    fn take_finished(&mut self, tasks: &mut SendTask) {
        while let Some(joined) = tasks.try_join_next() {
            self.take(joined);
        }
    }
}

/// The files to hash before sending (their size is in the library, or repeats in this run)
/// and the rest, each with its index in the run.
async fn split_by_size(api: &Api, candidates: &[Candidate]) -> Result<Indexed, ApiError> {
    let mut repeats: HashMap<u64, usize> = HashMap::new();
    for candidate in candidates {
        *repeats.entry(candidate.size).or_default() += 1;
    }
    let sizes: Vec<u64> = repeats.keys().copied().collect();
    let mut held = HashSet::new();
    for chunk in sizes.chunks(10_000) {
        let found: Vec<u64> = api.call("uploads/known_sizes", &json!({ "sizes": chunk })).await?;
        held.extend(found);
    }
    Ok(candidates
        .iter()
        .cloned()
        .enumerate()
        .partition(|(_, c)| held.contains(&c.size) || repeats.get(&c.size).is_some_and(|n| *n > 1)))
}

type Indexed = (Vec<(usize, Candidate)>, Vec<(usize, Candidate)>);
/// A file to start, with its fingerprint when it goes up in parts.
type Fresh = (usize, Outgoing, Option<String>);

/// Files an earlier run left half sent in parts (recognised by name, size and fingerprint, as
/// the browser does), and the rest.
async fn match_unfinished(
    api: &Api,
    to_send: Vec<(usize, Outgoing)>,
    multipart_threshold: u64,
) -> Result<(Vec<(usize, Outgoing, UploadFile)>, Vec<Fresh>), ApiError> {
    let unfinished: Vec<UploadFile> = api.call("uploads/unfinished", &json!({})).await?;
    let mut open: HashMap<(String, u64, String), UploadFile> = unfinished
        .into_iter()
        .filter_map(|f| Some(((f.original_filename.clone(), f.size, f.fingerprint.clone()?), f)))
        .collect();
    let (mut resumed, mut fresh) = (Vec::new(), Vec::new());
    for (index, file) in to_send {
        if file.candidate.size < multipart_threshold {
            fresh.push((index, file, None));
            continue;
        }
        let candidate = file.candidate.clone();
        let fingerprint =
            tokio::task::spawn_blocking(move || walk::fingerprint(&candidate)).await.ok().and_then(Result::ok);
        let key = fingerprint.clone().map(|fp| (file.candidate.name.clone(), file.candidate.size, fp));
        match key.and_then(|key| open.remove(&key)) {
            Some(upload_file) => resumed.push((index, file, upload_file)),
            None => fresh.push((index, file, fingerprint)),
        }
    }
    Ok((resumed, fresh))
}

/// What every file's sending task shares: the API, the bars and the count of files done.
#[derive(Clone)]
struct Sending {
    api: Api,
    progress: Progress,
    done: Arc<AtomicUsize>,
    of: usize,
}

impl Sending {
    /// Sends one file while holding `permit` (one of `--jobs`), and logs the outcome.
    async fn one(
        self,
        permit: tokio::sync::OwnedSemaphorePermit,
        index: usize,
        file: Outgoing,
        upload_file: UploadFile,
        upload: Option<PresignedRequest>,
    ) -> (usize, String, Result<Sent, String>) {
        let (api, progress) = (&self.api, &self.progress);
        let sent = send(api, progress, &file, &upload_file, upload).await;
        drop(permit);
        let path = walk::shown(&file.candidate.path);
        match &sent {
            Ok(_) => progress.line(&format!("imported       {path}")),
            Err(reason) => progress.line(&format!("FAILED         {path}: {reason}")),
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.files_done(done, self.of);
        (index, path, sent)
    }
}

async fn hash_all(
    candidates: &[(usize, Candidate)],
    jobs: usize,
    progress: &Progress,
    report: &mut Report,
) -> Vec<(usize, Outgoing)> {
    let gate = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, candidate) in candidates.iter().cloned() {
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
            Ok(sha256) => hashed.push((index, Outgoing { candidate, sha256: Some(sha256) })),
            Err(reason) => {
                // Counted twice in the total: to hash, then to send.
                progress.advance(candidate.size * 2);
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
