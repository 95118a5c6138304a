//! The sweeper: gives up on uploads whose URL expired, deletes what arrived for them without a
//! completion, aborts abandoned multipart uploads; and empties the trash of what is past its
//! retention. Its state lives only in the database, so a restart or a second instance picks up
//! where things stood.

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::error::AppError;
use crate::model::upload::UploadFileStatus;
use crate::server::state::AppState;

/// How many files one sweep looks at; the next sweep takes the rest.
const SWEEP_BATCH: u32 = 500;

/// A PUT that started before its URL expired may still be sending: the store checks the
/// signature when a request starts. A file already `uploading` is given time for its bytes at
/// this slow but real rate before it is given up on.
const SLOWEST_EXPECTED_BYTES_PER_SEC: u64 = 256 * 1024;

/// After this many store errors in a row the sweep stops; the next one tries again.
const MAX_STORE_ERRORS: usize = 5;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Files given up on.
    pub expired: usize,
    /// Objects that had arrived for them without a completion, deleted.
    pub orphans_deleted: usize,
    /// Abandoned multipart uploads aborted in the store.
    pub multipart_aborted: usize,
}

/// One pass, as of `now`: every file still open whose URL expired more than the grace period
/// ago (and, if its PUT started, the time its bytes could plausibly take) is failed as
/// "expired", and an object that did arrive for it, an orphan nobody confirmed, is deleted. The
/// failure is one guarded transaction and the delete follows only if it happened, so a
/// completion that comes in time adopts the object and a late one finds the file failed: never
/// both. Instances sweeping together, or a retry racing the sweep, leave every file counted once.
pub async fn sweep_expired(state: &AppState, now: DateTime<Utc>) -> Result<SweepReport, AppError> {
    let grace = chrono::Duration::from_std(state.uploads.sweep_grace).unwrap_or_default();
    let cutoff = now - grace;
    let expired = state.repo.list_expired_upload_files(cutoff, SWEEP_BATCH).await?;
    let mut report = SweepReport::default();
    let mut store_errors = 0;
    for file in expired {
        // A single PUT that started in time may still be sending; a multipart upload's deadline
        // already moves with every part, so none is given extra time.
        if file.status == UploadFileStatus::Uploading && file.part_size.is_none() {
            let transfer = chrono::Duration::seconds((file.size / SLOWEST_EXPECTED_BYTES_PER_SEC) as i64);
            if file.url_expires_at + grace + transfer > now {
                continue;
            }
        }
        let Some(t) = state.repo.expire_upload_file(file.id, cutoff).await? else { continue };
        if !t.changed {
            continue;
        }
        report.expired += 1;
        // An abandoned multipart upload: its parts are discarded, not left billing storage.
        if let Some(upload_id) = &file.multipart_upload_id {
            match state.storage.abort_multipart(&file.object_key, upload_id).await {
                Ok(()) => report.multipart_aborted += 1,
                Err(e) => {
                    tracing::warn!(error = %e, key = %file.object_key, "sweeper could not abort a multipart upload")
                }
            }
        }
        // Whatever arrived for it is an orphan now. A store error leaves it for a later sweep
        // of the bucket to find; the file is failed either way.
        match state.storage.head(&file.object_key).await {
            Ok(None) => store_errors = 0,
            Ok(Some(_)) => match state.storage.delete(&file.object_key).await {
                Ok(()) => {
                    store_errors = 0;
                    report.orphans_deleted += 1;
                }
                Err(e) => {
                    tracing::warn!(error = %e, key = %file.object_key, "sweeper could not delete an orphan");
                    store_errors += 1;
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, key = %file.object_key, "sweeper could not reach the store");
                store_errors += 1;
            }
        }
        if store_errors >= MAX_STORE_ERRORS {
            break;
        }
    }
    Ok(report)
}

/// Sweeps every `sweep_interval` until shutdown.
pub async fn run_sweeper(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(state.uploads.sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        match sweep_expired(&state, state.clock.now()).await {
            Ok(report) if report != SweepReport::default() => tracing::info!(
                expired = report.expired,
                orphans_deleted = report.orphans_deleted,
                multipart_aborted = report.multipart_aborted,
                "upload sweep"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "upload sweep failed"),
        }
        match crate::server::media::trash::sweep(&state, state.clock.now()).await {
            Ok(swept) if swept != Default::default() => {
                tracing::info!(media = swept.media, collections = swept.collections, "trash purged past retention")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "trash sweep failed"),
        }
        // Session rows whose cookies have expired (they expire after this long unused).
        let idle_before = state.clock.now() - crate::server::people::session::SESSION_IDLE;
        if let Err(e) = state.repo.forget_idle_sessions(idle_before).await {
            tracing::warn!(error = %e, "forgetting idle sessions failed");
        }
    }
}
