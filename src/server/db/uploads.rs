//! The upload books: a job per batch, a file per file, parts of multipart uploads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::photo::PhotoFacts;
use crate::model::upload::{FileOutcome, JobWithFiles, UploadFile, UploadPart};
use crate::model::{ContentType, ObjectKey};

/// A new batch: the job and its files, written together in one transaction.
#[derive(Debug, Clone)]
pub struct NewUploadJob {
    pub id: Uuid,
    pub created_by: Option<Uuid>,
    pub collection_id: Option<Uuid>,
    pub files: Vec<NewUploadFile>,
    /// A file request's quotas, checked in the job's own transaction (see `UploadQuota`).
    pub quota: Option<UploadQuota>,
}

/// What a file request's guest may still send: every file its jobs hold (failed ones too: a
/// retry reuses the file) counts. Checked with the link's row locked, so concurrent batches
/// take turns and none passes the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub share_id: Uuid,
    pub max_files: Option<u32>,
    pub max_bytes: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct NewUploadFile {
    pub id: Uuid,
    pub object_key: ObjectKey,
    pub original_filename: String,
    pub size: u64,
    pub content_type: ContentType,
    pub url_expires_at: DateTime<Utc>,
    pub multipart: Option<NewMultipart>,
    pub last_modified: Option<i64>,
    pub fingerprint: Option<String>,
    pub sha256: Option<String>,
}

/// A multipart upload the store has started for a file.
#[derive(Debug, Clone)]
pub struct NewMultipart {
    pub upload_id: String,
    pub part_size: u64,
}

/// The media row a completion creates.
#[derive(Debug, Clone)]
pub struct NewMedia {
    pub id: Uuid,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbhash: Option<String>,
    pub poster_key: Option<ObjectKey>,
    /// A HEIC's, AVIF's or TIFF's display rendition, stored before the completion is recorded.
    pub display_key: Option<ObjectKey>,
    pub duration_ms: Option<u64>,
    /// The content's SHA-256 as the uploader computed it while sending, for a file started
    /// before its hash was known (the hash announced at the start wins).
    pub sha256: Option<String>,
    /// A photo's EXIF facts, and when it was taken.
    pub photo: Option<PhotoFacts>,
    pub taken_at: Option<DateTime<Utc>>,
    /// Sent through this file request: the item waits in its inbox, outside the library.
    pub inbox: Option<Uuid>,
}

impl NewMedia {
    /// A media row with nothing known of it yet but its id.
    pub fn new(id: Uuid) -> NewMedia {
        NewMedia {
            id,
            width: None,
            height: None,
            thumbhash: None,
            poster_key: None,
            display_key: None,
            duration_ms: None,
            sha256: None,
            photo: None,
            taken_at: None,
            inbox: None,
        }
    }
}

/// What a state change did: `changed` is false when the file was already past that point
/// (a repeated or concurrent request), and `outcome` is the file and job as they now are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub changed: bool,
    pub outcome: FileOutcome,
}

#[async_trait]
pub trait UploadRepo {
    /// Writes the job and all its files in one transaction: all or nothing.
    async fn create_upload_job(&self, job: &NewUploadJob) -> Result<JobWithFiles, DbError>;

    async fn find_upload_file(&self, id: Uuid) -> Result<Option<UploadFile>, DbError>;

    /// The file, if it belongs to a job `user_id` started. One query.
    async fn find_upload_file_of(&self, id: Uuid, user_id: Uuid) -> Result<Option<UploadFile>, DbError>;

    async fn find_upload_job(&self, id: Uuid) -> Result<Option<JobWithFiles>, DbError>;

    /// Newest first, at most `limit`, older than the job `before` when given. Two queries in all.
    async fn list_upload_jobs(&self, limit: u32, before: Option<Uuid>) -> Result<Vec<JobWithFiles>, DbError>;

    /// pending -> uploading. Other states are left alone. `None` if there is no such file.
    async fn mark_file_uploading(&self, id: Uuid) -> Result<Option<Transition>, DbError>;

    /// pending|uploading -> completed, creating the media row and counting the file on its job,
    /// in one transaction. A file already completed or failed is left alone (`changed = false`).
    async fn complete_upload_file(
        &self,
        id: Uuid,
        etag: Option<&str>,
        media: &NewMedia,
    ) -> Result<Option<Transition>, DbError>;

    /// pending|uploading -> failed with `reason`, counted once on the job.
    async fn fail_upload_file(&self, id: Uuid, reason: &str) -> Result<Option<Transition>, DbError>;

    /// Gives a file that is not completed a new upload window at a new key:
    /// failed|pending|uploading -> pending, uncounting a failure, forgetting recorded parts.
    /// A completed file is left alone.
    async fn reopen_upload_file(
        &self,
        id: Uuid,
        object_key: &ObjectKey,
        multipart_upload_id: Option<&str>,
        url_expires_at: DateTime<Utc>,
    ) -> Result<Option<Transition>, DbError>;

    /// pending|uploading -> failed "expired", only if its URL still expired before `expired_before`
    /// (a retry since the sweeper looked gave it a new URL, and then it is left alone).
    async fn expire_upload_file(&self, id: Uuid, expired_before: DateTime<Utc>) -> Result<Option<Transition>, DbError>;

    /// Files still pending/uploading whose upload URL expired before `expired_before`.
    async fn list_expired_upload_files(
        &self,
        expired_before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<UploadFile>, DbError>;
}

/// The parts of multipart uploads, and what keeps such an upload alive and resumable.
#[async_trait]
pub trait PartRepo {
    /// Moves an open file's deadline later (a multipart upload still making progress).
    async fn extend_upload_file(&self, id: Uuid, until: DateTime<Utc>) -> Result<(), DbError>;

    /// The user's multipart uploads not yet completed or failed, newest first.
    async fn unfinished_multipart_files(&self, user_id: Uuid) -> Result<Vec<UploadFile>, DbError>;

    /// Records (or re-records) one part of a multipart upload.
    async fn record_part(&self, file_id: Uuid, part: &UploadPart) -> Result<(), DbError>;

    /// Replaces the recorded parts with what the store holds.
    async fn replace_parts(&self, file_id: Uuid, parts: &[UploadPart]) -> Result<(), DbError>;

    async fn recorded_parts(&self, file_id: Uuid) -> Result<Vec<UploadPart>, DbError>;
}
