//! Upload jobs and files as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One file of a batch, as the browser describes it before uploading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadFileSpec {
    pub name: String,
    pub size: u64,
    pub content_type: String,
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
    pub object_key: String,
    pub original_filename: String,
    pub size: u64,
    pub content_type: String,
    pub status: UploadFileStatus,
    pub etag: Option<String>,
    pub error: Option<String>,
    pub url_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
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
    pub upload: PresignedRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedJob {
    pub job: UploadJob,
    pub files: Vec<StartedFile>,
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
