//! The queue of videos waiting for HLS renditions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::ObjectKey;

/// A video's transcode job as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscodeJob {
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub error: Option<String>,
}

/// A job taken by a worker: which video, and which attempt this is (the worker's receipt: only
/// the holder of the latest attempt may finish the job).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranscodeClaim {
    pub media_id: Uuid,
    pub attempt: u32,
}

#[async_trait]
pub trait TranscodeRepo {
    /// Queues a video for HLS renditions (once).
    async fn enqueue_transcode(&self, media_id: Uuid) -> Result<(), DbError>;

    /// Takes the oldest pending transcode job (or one left running since `stale_before`, whose
    /// worker died), if any, for this worker alone. A job whose worker died on its last allowed
    /// attempt is failed here, so it does not stay `running` for ever.
    async fn claim_transcode(
        &self,
        stale_before: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<Option<TranscodeClaim>, DbError>;

    /// Records a transcode's end: the master playlist's key, or why it failed. Only the latest
    /// claim counts: a worker that was given up on and finishes late changes nothing (`false`).
    async fn finish_transcode(&self, claim: TranscodeClaim, outcome: Result<&ObjectKey, &str>)
        -> Result<bool, DbError>;

    async fn transcode_job(&self, media_id: Uuid) -> Result<Option<TranscodeJob>, DbError>;
}
