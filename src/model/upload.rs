//! Upload jobs and files as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::content_type::ContentType;
use crate::model::key::ObjectKey;

/// One file of a batch, as the browser describes it before uploading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadFileSpec {
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// The file's `lastModified` (ms since the epoch) and a hash of its first and last MiB:
    /// what a resumed upload matches a re-selected file against. Optional.
    #[serde(default)]
    pub last_modified: Option<i64>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// The SHA-256 of the whole file (64 hex digits), kept with the media it becomes, so the
    /// same content is recognised next time (`/api/uploads/known`). Optional. With it, content
    /// the library already holds is not uploaded again (see `StartedEntry::Duplicate`) unless
    /// `allow_duplicate` is set, and the store checks the bytes it receives against it.
    #[serde(default)]
    pub sha256: Option<String>,
    /// "Upload anyway": store this file even if its content is already in the library.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_duplicate: bool,
}

/// Smallest part S3 accepts (all but the last part).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// Most parts one S3 multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// The fixed part size for a file of `size` bytes: 5 MiB, or more (whole MiB) when the file
/// would otherwise need more than 10,000 parts. R2 wants every part but the last the same size.
pub fn part_size_for(size: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    let needed = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    needed.max(MIN_PART_SIZE)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadFileStatus {
    Pending,
    Uploading,
    Completed,
    Failed,
}

impl UploadFileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadFileStatus::Pending => "pending",
            UploadFileStatus::Uploading => "uploading",
            UploadFileStatus::Completed => "completed",
            UploadFileStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => UploadFileStatus::Pending,
            "uploading" => UploadFileStatus::Uploading,
            "completed" => UploadFileStatus::Completed,
            "failed" => UploadFileStatus::Failed,
            _ => return None,
        })
    }

    /// Still waiting for bytes or a completion.
    pub fn is_open(self) -> bool {
        matches!(self, UploadFileStatus::Pending | UploadFileStatus::Uploading)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadJobStatus {
    InProgress,
    Completed,
    CompletedWithErrors,
}

impl UploadJobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadJobStatus::InProgress => "in_progress",
            UploadJobStatus::Completed => "completed",
            UploadJobStatus::CompletedWithErrors => "completed_with_errors",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "in_progress" => UploadJobStatus::InProgress,
            "completed" => UploadJobStatus::Completed,
            "completed_with_errors" => UploadJobStatus::CompletedWithErrors,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            UploadJobStatus::InProgress => "in progress",
            UploadJobStatus::Completed => "completed",
            UploadJobStatus::CompletedWithErrors => "completed with errors",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadJob {
    pub id: Uuid,
    pub status: UploadJobStatus,
    pub total_files: u32,
    pub completed_files: u32,
    pub failed_files: u32,
    pub collection_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadFile {
    pub id: Uuid,
    pub job_id: Uuid,
    pub media_id: Option<Uuid>,
    pub object_key: ObjectKey,
    pub original_filename: String,
    pub size: u64,
    pub content_type: ContentType,
    pub status: UploadFileStatus,
    pub etag: Option<String>,
    pub error: Option<String>,
    pub url_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Set for a multipart upload: every part is this long but the last.
    #[serde(default)]
    pub part_size: Option<u64>,
    #[serde(default)]
    pub last_modified: Option<i64>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Completed without a new item: the content, hashed while it was sent, was in the library
    /// already as this item, and the copy was deleted.
    #[serde(default)]
    pub duplicate_of: Option<Uuid>,
    /// The store's id of the multipart upload; the server's business only.
    #[serde(skip)]
    pub multipart_upload_id: Option<String>,
}

impl UploadFile {
    /// How many parts a multipart upload of this file has.
    pub fn part_count(&self) -> Option<u32> {
        let part_size = self.part_size.filter(|p| *p > 0)?;
        u32::try_from(self.size.div_ceil(part_size).max(1)).ok()
    }

    /// The length of part `number` (1-based), if the file has such a part.
    pub fn part_len(&self, number: u32) -> Option<u64> {
        let (part_size, count) = (self.part_size?, self.part_count()?);
        if number == 0 || number > count {
            return None;
        }
        let start = u64::from(number - 1) * part_size;
        Some(part_size.min(self.size - start))
    }
}

/// Content the library already holds (`/api/uploads/known`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownContent {
    pub sha256: String,
    pub media_id: Uuid,
}

/// What an uploader must respect (`/api/uploads/limits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadLimits {
    pub allowed_types: Vec<String>,
    pub max_bytes: u64,
    pub max_files: u32,
    /// Files of this size or more go up in parts (multipart).
    pub multipart_threshold: u64,
}

/// Largest file an uploader hashes before sending it: the browser's SubtleCrypto digests one
/// buffer, so the file is read into memory whole.
pub const HASH_BEFORE_SENDING_MAX: u64 = 128 * 1024 * 1024;

impl UploadLimits {
    /// Whether the browser hashes a file before it is sent (a copy the library holds is then
    /// never sent): one that goes up in a single PUT, whose hash is signed into it so the store
    /// refuses other bytes, and that fits in memory. The others are hashed while they are sent,
    /// and a copy is found at completion.
    pub fn hashed_before_sending(&self, size: u64) -> bool {
        size < self.multipart_threshold && size <= HASH_BEFORE_SENDING_MAX
    }
}

/// The method, URL and headers of one presigned request the browser makes to the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresignedRequest {
    pub method: String,
    pub url: String,
    /// Headers that were signed into the URL and must be sent exactly (Content-Length is set
    /// by the browser from the body and is therefore not listed).
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

/// A file of a new job with the request that uploads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedFile {
    pub file: UploadFile,
    /// The PUT for a single-request upload; `None` for a multipart one, whose parts are signed
    /// one by one (`/api/uploads/part`).
    pub upload: Option<PresignedRequest>,
}

/// What the browser read from a video before uploading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VideoDetails {
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// The poster frame was PUT to its URL.
    #[serde(default)]
    pub poster: bool,
}

/// How a video's poster frame is drawn, by the browser's uploader and by `vitrine import`
/// alike: the frame at half the video's length but at most one second in (a first frame is
/// often black), at most this wide, as a JPEG of this quality.
pub struct PosterFrame;

impl PosterFrame {
    pub const MAX_WIDTH: u32 = 1280;
    /// JPEG quality, 0-100 (the browser's `toBlob` takes it as a fraction).
    pub const QUALITY: u8 = 82;

    /// The moment drawn, in seconds, for a video `duration` seconds long (0 when unknown).
    pub fn at_seconds(duration: f64) -> f64 {
        if duration.is_finite() && duration > 0.0 {
            (duration / 2.0).min(1.0)
        } else {
            0.0
        }
    }

    /// The drawn size of a `width` x `height` frame.
    pub fn size(width: u32, height: u32) -> (u32, u32) {
        let scale = (f64::from(Self::MAX_WIDTH) / f64::from(width.max(1))).min(1.0);
        (((f64::from(width) * scale).round() as u32).max(1), ((f64::from(height) * scale).round() as u32).max(1))
    }
}

/// One part the store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadPart {
    pub number: u32,
    pub size: u64,
    pub etag: String,
}

/// Where a multipart upload stands: its parts so far, out of `part_count`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultipartProgress {
    pub file: UploadFile,
    pub part_size: u64,
    pub part_count: u32,
    pub parts: Vec<UploadPart>,
}

/// What `/api/uploads/start` answers for one file: the request that uploads it, or, when the
/// library already holds its content, the item that holds it (`{"name", "duplicate_of"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StartedEntry {
    Upload(Box<StartedFile>),
    Duplicate { name: String, duplicate_of: Uuid },
}

impl StartedEntry {
    pub fn upload(&self) -> Option<&StartedFile> {
        match self {
            StartedEntry::Upload(started) => Some(started),
            StartedEntry::Duplicate { .. } => None,
        }
    }
}

/// A new batch: its job (none when every file was already in the library) and, per file in
/// the order sent, what to do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedJob {
    pub job: Option<UploadJob>,
    pub files: Vec<StartedEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobWithFiles {
    pub job: UploadJob,
    pub files: Vec<UploadFile>,
}

/// The answer to complete / fail: the file as it now is and its job's counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOutcome {
    pub file: UploadFile,
    pub job: UploadJob,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_puts_that_fit_in_memory_are_hashed_before_sending() {
        const MIB: u64 = 1024 * 1024;
        let limits = |threshold| UploadLimits {
            allowed_types: Vec::new(),
            max_bytes: u64::MAX,
            max_files: 1,
            multipart_threshold: threshold,
        };
        assert!(limits(64 * MIB).hashed_before_sending(10 * MIB));
        assert!(!limits(64 * MIB).hashed_before_sending(64 * MIB), "a multipart file is hashed while it is sent");
        assert!(limits(1024 * MIB).hashed_before_sending(128 * MIB));
        assert!(!limits(1024 * MIB).hashed_before_sending(128 * MIB + 1), "too big to read into memory at once");
    }

    #[test]
    fn parts_are_five_mib_or_grow_to_stay_within_ten_thousand() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(part_size_for(40 * MIB), 5 * MIB);
        assert_eq!(part_size_for(1), 5 * MIB);
        assert_eq!(part_size_for(50_000 * MIB), 5 * MIB);
        let big = 100 * 1024 * MIB; // 100 GiB
        let part = part_size_for(big);
        assert_eq!(part % MIB, 0);
        assert!(big.div_ceil(part) <= MAX_PARTS && part > 5 * MIB);
    }
}
