//! Persistence: one `Repo` trait, one implementation per database, chosen from the URL.
//!
//! Each backend has its own `migrations/<backend>/` (their SQL differs in types, not in
//! meaning) and both must pass the same contract suite in `tests/api/repo_contract.rs`.

#[macro_use]
mod queries;
mod postgres;
mod session_store;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::collection::{Collection, CollectionSummary, MembershipChange};
use crate::model::media::{CollectionRef, Media, MediaQuery};
use crate::server::collections::{Missing, ReorderRefusal};
use crate::model::upload::{FileOutcome, JobWithFiles, UploadFile, UploadPart};
use crate::model::Email;
use crate::server::config::{DatabaseConfig, DatabaseKind};

pub use postgres::PostgresRepo;
pub use session_store::DbSessionStore;
pub use sqlite::SqliteRepo;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint said no; the name lets callers map it to a typed error.
    #[error("unique constraint {constraint} violated")]
    UniqueViolation { constraint: String },
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error(transparent)]
    Sqlx(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(dbe) if dbe.is_unique_violation() => DbError::UniqueViolation {
                constraint: dbe.constraint().unwrap_or("unknown").to_string(),
            },
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => DbError::Unavailable(e),
            _ => DbError::Sqlx(e),
        }
    }
}

impl From<DbError> for crate::error::AppError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        match e {
            DbError::Unavailable(_) => crate::error::AppError::Unavailable,
            _ => crate::error::AppError::Internal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// A new batch: the job and its files, written together in one transaction.
#[derive(Debug, Clone)]
pub struct NewUploadJob {
    pub id: Uuid,
    pub created_by: Option<Uuid>,
    pub collection_id: Option<Uuid>,
    pub files: Vec<NewUploadFile>,
}

#[derive(Debug, Clone)]
pub struct NewUploadFile {
    pub id: Uuid,
    pub object_key: String,
    pub original_filename: String,
    pub size: u64,
    pub content_type: String,
    pub url_expires_at: DateTime<Utc>,
    pub multipart: Option<NewMultipart>,
    pub last_modified: Option<i64>,
    pub fingerprint: Option<String>,
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
    pub poster_key: Option<String>,
    pub duration_ms: Option<u64>,
}

/// What a state change did: `changed` is false when the file was already past that point
/// (a repeated or concurrent request), and `outcome` is the file and job as they now are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub changed: bool,
    pub outcome: FileOutcome,
}

/// Which backend a repo talks to (for logs and `/healthz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Repo: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// A round trip to the database; `/healthz` uses it.
    async fn ping(&self) -> Result<(), DbError>;

    /// Waits for checked-out connections to come back, then closes them all (shutdown).
    async fn close(&self);

    /// Creates the user unless one with that email exists. Returns the user and whether it was created.
    /// Safe to call from several instances at once: the unique index decides.
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError>;

    async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError>;

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError>;

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError>;

    // --- uploads ---

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
    async fn complete_upload_file(&self, id: Uuid, etag: Option<&str>, media: &NewMedia)
        -> Result<Option<Transition>, DbError>;

    /// pending|uploading -> failed with `reason`, counted once on the job.
    async fn fail_upload_file(&self, id: Uuid, reason: &str) -> Result<Option<Transition>, DbError>;

    /// Gives a file that is not completed a new upload window: failed|pending|uploading -> pending,
    /// uncounting a failure. A completed file is left alone.
    async fn reopen_upload_file(
        &self,
        id: Uuid,
        object_key: &str,
        multipart_upload_id: Option<&str>,
        url_expires_at: DateTime<Utc>,
    ) -> Result<Option<Transition>, DbError>;

    /// Records (or re-records) one part of a multipart upload.
    async fn record_part(&self, file_id: Uuid, part: &UploadPart) -> Result<(), DbError>;

    /// Replaces the recorded parts with what the store holds.
    async fn replace_parts(&self, file_id: Uuid, parts: &[UploadPart]) -> Result<(), DbError>;

    async fn recorded_parts(&self, file_id: Uuid) -> Result<Vec<UploadPart>, DbError>;

    /// Moves an open file's deadline later (a multipart upload still making progress).
    async fn extend_upload_file(&self, id: Uuid, until: DateTime<Utc>) -> Result<(), DbError>;

    /// Queues a video for HLS renditions (once).
    async fn enqueue_transcode(&self, media_id: Uuid) -> Result<(), DbError>;

    /// Takes the oldest pending transcode job (or one left running since `stale_before`, whose
    /// worker died), if any, for this worker alone.
    async fn claim_transcode(&self, stale_before: DateTime<Utc>, max_attempts: u32) -> Result<Option<Uuid>, DbError>;

    /// Records a transcode's end: the master playlist's key, or why it failed.
    async fn finish_transcode(&self, media_id: Uuid, outcome: Result<&str, &str>) -> Result<(), DbError>;

    /// A video's transcode job: its status and attempts so far.
    async fn transcode_status(&self, media_id: Uuid) -> Result<Option<(String, u32)>, DbError>;

    /// The user's multipart uploads not yet completed or failed, newest first.
    async fn unfinished_multipart_files(&self, user_id: Uuid) -> Result<Vec<UploadFile>, DbError>;

    /// pending|uploading -> failed "expired", only if its URL still expired before `expired_before`
    /// (a retry since the sweeper looked gave it a new URL, and then it is left alone).
    async fn expire_upload_file(&self, id: Uuid, expired_before: DateTime<Utc>) -> Result<Option<Transition>, DbError>;

    /// Files still pending/uploading whose upload URL expired before `expired_before`.
    async fn list_expired_upload_files(&self, expired_before: DateTime<Utc>, limit: u32) -> Result<Vec<UploadFile>, DbError>;

    // --- collections ---

    async fn collection_exists(&self, id: Uuid) -> Result<bool, DbError>;

    /// Inserts with exactly this slug; a taken slug is `UniqueViolation` (the caller picks the next).
    async fn create_collection(&self, id: Uuid, title: &str, slug: &str, description: &str) -> Result<Collection, DbError>;

    /// Slugs (current and old) equal to `base` or starting `root-`, to choose the next
    /// candidate from (see `naming::suffix_root`).
    async fn slugs_like(&self, base: &str, root: &str) -> Result<Vec<String>, DbError>;

    /// Newest first, each with its item count. Two queries' worth of work in one.
    async fn list_collections(&self) -> Result<Vec<CollectionSummary>, DbError>;

    async fn find_collection(&self, id: Uuid) -> Result<Option<Collection>, DbError>;

    /// Appends the media (in the order given) after the collection's last item, each at most
    /// once, in one transaction; nothing is added if the collection or any media id is missing.
    async fn add_to_collection(&self, id: Uuid, media_ids: &[Uuid])
        -> Result<Result<MembershipChange, Missing>, DbError>;

    /// `None` if the collection does not exist.
    async fn remove_from_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Option<MembershipChange>, DbError>;

    async fn find_collection_by_slug(&self, slug: &str) -> Result<Option<Collection>, DbError>;

    /// The current slug of the collection that used to be at `old_slug`.
    async fn slug_redirect(&self, old_slug: &str) -> Result<Option<String>, DbError>;

    /// New title and description; with `new_slug`, the old slug is kept in the history so it
    /// redirects. A taken slug is `UniqueViolation`.
    async fn update_collection(
        &self,
        id: Uuid,
        title: &str,
        description: &str,
        new_slug: Option<&str>,
    ) -> Result<Option<Collection>, DbError>;

    /// The items in their order. One query.
    async fn collection_items(&self, id: Uuid) -> Result<Vec<Media>, DbError>;

    /// Writes every item's position in one transaction, if `media_ids` is exactly the
    /// collection's items in a new order.
    async fn reorder_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Result<(), ReorderRefusal>, DbError>;

    async fn set_published(&self, id: Uuid, published: bool) -> Result<Option<Collection>, DbError>;

    /// Chooses the cover (`None`: the first item). The cover must be one of the items.
    async fn set_cover(&self, id: Uuid, media_id: Option<Uuid>) -> Result<Result<Collection, Missing>, DbError>;

    /// The `content_version` of the published collection at `slug`, if there is one: what a
    /// cached rendering of its public page is checked against. One indexed lookup.
    async fn published_version(&self, slug: &str) -> Result<Option<i64>, DbError>;

    /// Published collections, newest first, with item counts and covers (the chosen cover,
    /// else the first image). Three queries in all.
    async fn list_published_collections(&self) -> Result<Vec<(CollectionSummary, Option<Media>)>, DbError>;

    /// Deletes the collection and its memberships; the media stay.
    async fn delete_collection(&self, id: Uuid) -> Result<bool, DbError>;

    // --- media ---

    /// One page of the library: filtered, searched, sorted, and keyset-paginated from the
    /// query's cursor. One indexed query.
    async fn list_media(&self, query: &MediaQuery, limit: u32) -> Result<Vec<Media>, DbError>;

    async fn find_media(&self, id: Uuid) -> Result<Option<Media>, DbError>;

    /// Sets title and alt text (and the name and search keys that follow from them).
    async fn update_media(&self, id: Uuid, title: &str, alt_text: &str) -> Result<Option<Media>, DbError>;

    /// Deletes the row; collection memberships go with it, upload files keep their history.
    async fn delete_media(&self, id: Uuid) -> Result<bool, DbError>;

    /// The collections an item is in, by title.
    async fn media_collections(&self, id: Uuid) -> Result<Vec<CollectionRef>, DbError>;
}

/// A connected database: the repo, and the session store living in the same database.
pub struct Database {
    pub repo: Arc<dyn Repo>,
    pub sessions: DbSessionStore,
}

/// Connects, runs the migrations of the backend named by the URL, and prepares the session table.
pub async fn connect(config: &DatabaseConfig) -> Result<Database, DbError> {
    match config.kind {
        DatabaseKind::Sqlite => {
            let repo = SqliteRepo::connect(&config.url).await?;
            let sessions = DbSessionStore::sqlite(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions })
        }
        DatabaseKind::Postgres => {
            let repo = PostgresRepo::connect(&config.url).await?;
            let sessions = DbSessionStore::postgres(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions })
        }
    }
}
