//! "Something a public page shows has changed": a counter every instance keeps. A write that
//! changes a collection's `content_version` bumps it on the instance that made it at once, and,
//! on PostgreSQL, tells every other instance with `NOTIFY`; each instance `LISTEN`s and bumps
//! its own. Caches of rendered pages compare the counter instead of asking the database on
//! every request. A lost notification (a dropped listener connection) bumps the counter too,
//! so nothing is kept past the reconnection; and cached pages are confirmed against the
//! database at least every `gallery_cache::CONFIRM_AFTER` whatever happens.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The PostgreSQL channel the instances tell each other on.
pub const CHANNEL: &str = "vitrine_content";

#[derive(Debug, Clone, Default)]
pub struct ContentChanges {
    generation: Arc<AtomicU64>,
}

impl ContentChanges {
    /// Which generation of public content this instance knows of.
    pub fn current(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Content changed (here, or on another instance).
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

/// Stops the listener when the last clone of the repo goes.
#[derive(Debug)]
pub(super) struct ListenerGuard(CancellationToken);

impl ListenerGuard {
    pub(super) fn stop(&self) {
        self.0.cancel();
    }
}

impl Drop for ListenerGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Listens on `CHANNEL` and bumps `changes` for every notification, and once more whenever
/// the connection was lost (notifications sent meanwhile are gone). The listener has its own
/// connection, outside the pool, so closing the pool never waits for it.
pub(super) fn listen(url: &str, changes: ContentChanges) -> ListenerGuard {
    let stop = CancellationToken::new();
    let url = url.to_string();
    let stopped = stop.clone();
    tokio::spawn(async move {
        let mut listener = loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => break listener,
                    Err(e) => tracing::warn!(error = %e, "could not LISTEN for content changes; retrying"),
                },
                Err(e) => tracing::warn!(error = %e, "could not connect to LISTEN for content changes; retrying"),
            }
            tokio::select! {
                _ = stopped.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        };
        loop {
            tokio::select! {
                _ = stopped.cancelled() => return,
                received = listener.try_recv() => match received {
                    Ok(Some(_)) => changes.bump(),
                    // The connection dropped and was made again: what was sent meanwhile is lost.
                    Ok(None) => changes.bump(),
                    Err(e) => {
                        tracing::warn!(error = %e, "content change listener failed; retrying");
                        changes.bump();
                        tokio::select! {
                            _ = stopped.cancelled() => return,
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                    }
                },
            }
        }
    });
    ListenerGuard(stop)
}
