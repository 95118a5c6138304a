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

#[async_trait]
pub trait TranscodeRepo {
    /// Queues a video for HLS renditions (once).
    async fn enqueue_transcode(&self, media_id: Uuid) -> Result<(), DbError>;

    /// Takes the oldest pending transcode job (or one left running since `stale_before`, whose
    /// worker died), if any, for this worker alone.
    async fn claim_transcode(&self, stale_before: DateTime<Utc>, max_attempts: u32) -> Result<Option<Uuid>, DbError>;

    /// Records a transcode's end: the master playlist's key, or why it failed.
    async fn finish_transcode(&self, media_id: Uuid, outcome: Result<&ObjectKey, &str>) -> Result<(), DbError>;

    async fn transcode_job(&self, media_id: Uuid) -> Result<Option<TranscodeJob>, DbError>;
}
