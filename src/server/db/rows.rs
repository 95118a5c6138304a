//! Rows as both databases return them, their conversion into model types (a row that breaks an
//! invariant is an error, never a panic), and the column lists and statements the domain SQL
//! files share. Compiled once: `sqlx::FromRow` rows work for either backend.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DbError, UserRecord};
use crate::model::collection::Collection;
use crate::model::media::Media;
use crate::model::upload::{UploadFile, UploadFileStatus, UploadJob, UploadJobStatus, UploadPart};
use crate::model::{ContentType, Email, ObjectKey, Role};

pub(crate) const USER_COLUMNS: &str = "id, email, password_hash, display_name, role, disabled_at, created_at";
pub(crate) const JOB_COLUMNS: &str =
    "id, status, total_files, completed_files, failed_files, collection_id, created_at, updated_at";
pub(crate) const FILE_COLUMNS: &str = "id, job_id, media_id, object_key, original_filename, size_bytes, content_type, \
     status, etag, error, url_expires_at, created_at, updated_at, completed_at, multipart_upload_id, part_size, \
     last_modified, fingerprint, duplicate_of";
pub(crate) const COLLECTION_COLUMNS: &str =
    "id, title, slug, description, published, cover_media_id, created_at, updated_at, allow_download";
/// Marks every collection holding media `$1` as changed (see `content_version`).
pub(crate) const BUMP_COLLECTIONS_OF_MEDIA: &str = "UPDATE collections SET content_version = content_version + 1
     WHERE id IN (SELECT collection_id FROM collection_media WHERE media_id = $1)";
pub(crate) const MEDIA_COLUMNS: &str =
    "id, object_key, original_filename, content_type, size_bytes, width, height, title, alt_text, thumbhash, created_at, \
     poster_key, duration_ms, hls_key, created_by, taken_at, photo_facts, display_key, focus_x, focus_y";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) password_hash: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) disabled_at: Option<DateTime<Utc>>,
    pub(crate) created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = DbError;
    fn try_from(row: UserRow) -> Result<Self, DbError> {
        Ok(UserRecord {
            id: row.id,
            email: Email::parse(&row.email).map_err(corrupt)?,
            password_hash: row.password_hash,
            display_name: row.display_name,
            role: Role::parse(&row.role).map_err(corrupt)?,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    pub(crate) id: Uuid,
    pub(crate) status: String,
    pub(crate) total_files: i32,
    pub(crate) completed_files: i32,
    pub(crate) failed_files: i32,
    pub(crate) collection_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl TryFrom<JobRow> for UploadJob {
    type Error = DbError;
    fn try_from(row: JobRow) -> Result<Self, DbError> {
        Ok(UploadJob {
            id: row.id,
            status: UploadJobStatus::parse(&row.status).ok_or_else(|| corrupt(format!("job status {}", row.status)))?,
            total_files: count(row.total_files)?,
            completed_files: count(row.completed_files)?,
            failed_files: count(row.failed_files)?,
            collection_id: row.collection_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FileRow {
    pub(crate) id: Uuid,
    pub(crate) job_id: Uuid,
    pub(crate) media_id: Option<Uuid>,
    pub(crate) object_key: String,
    pub(crate) original_filename: String,
    pub(crate) size_bytes: i64,
    pub(crate) content_type: String,
    pub(crate) status: String,
    pub(crate) etag: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) url_expires_at: DateTime<Utc>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) completed_at: Option<DateTime<Utc>>,
    pub(crate) multipart_upload_id: Option<String>,
    pub(crate) part_size: Option<i64>,
    pub(crate) last_modified: Option<i64>,
    pub(crate) fingerprint: Option<String>,
    pub(crate) duplicate_of: Option<Uuid>,
}

impl TryFrom<FileRow> for UploadFile {
    type Error = DbError;
    fn try_from(row: FileRow) -> Result<Self, DbError> {
        Ok(UploadFile {
            id: row.id,
            job_id: row.job_id,
            media_id: row.media_id,
            object_key: ObjectKey::parse(&row.object_key).map_err(corrupt)?,
            original_filename: row.original_filename,
            size: u64::try_from(row.size_bytes).map_err(corrupt)?,
            content_type: ContentType::parse(&row.content_type).map_err(corrupt)?,
            status: UploadFileStatus::parse(&row.status)
                .ok_or_else(|| corrupt(format!("file status {}", row.status)))?,
            etag: row.etag,
            error: row.error,
            url_expires_at: row.url_expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
            part_size: row.part_size.map(u64::try_from).transpose().map_err(corrupt)?,
            last_modified: row.last_modified,
            fingerprint: row.fingerprint,
            duplicate_of: row.duplicate_of,
            multipart_upload_id: row.multipart_upload_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CollectionRow {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) slug: String,
    pub(crate) description: String,
    pub(crate) published: bool,
    pub(crate) cover_media_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) allow_download: bool,
}

impl From<CollectionRow> for Collection {
    fn from(row: CollectionRow) -> Self {
        Collection {
            id: row.id,
            title: row.title,
            slug: row.slug,
            description: row.description,
            published: row.published,
            cover_media_id: row.cover_media_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            allow_download: row.allow_download,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CoverRow {
    pub(crate) collection_id: Uuid,
    #[sqlx(flatten)]
    pub(crate) media: MediaRow,
}

#[derive(sqlx::FromRow)]
pub(crate) struct MediaRow {
    pub(crate) id: Uuid,
    pub(crate) object_key: String,
    pub(crate) original_filename: String,
    pub(crate) content_type: String,
    pub(crate) size_bytes: i64,
    pub(crate) width: Option<i32>,
    pub(crate) height: Option<i32>,
    pub(crate) title: String,
    pub(crate) alt_text: String,
    pub(crate) thumbhash: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) poster_key: Option<String>,
    pub(crate) duration_ms: Option<i64>,
    pub(crate) hls_key: Option<String>,
    pub(crate) created_by: Option<Uuid>,
    pub(crate) taken_at: Option<DateTime<Utc>>,
    /// `PhotoFacts` as JSON.
    pub(crate) photo_facts: Option<String>,
    pub(crate) display_key: Option<String>,
    pub(crate) focus_x: Option<f64>,
    pub(crate) focus_y: Option<f64>,
}

impl TryFrom<MediaRow> for Media {
    type Error = DbError;
    fn try_from(row: MediaRow) -> Result<Self, DbError> {
        Ok(Media {
            id: row.id,
            object_key: ObjectKey::parse(&row.object_key).map_err(corrupt)?,
            original_filename: row.original_filename,
            content_type: ContentType::parse(&row.content_type).map_err(corrupt)?,
            size: u64::try_from(row.size_bytes).map_err(corrupt)?,
            width: row.width.map(u32::try_from).transpose().map_err(corrupt)?,
            height: row.height.map(u32::try_from).transpose().map_err(corrupt)?,
            title: row.title,
            alt_text: row.alt_text,
            thumbhash: row.thumbhash,
            created_at: row.created_at,
            poster_key: row.poster_key.as_deref().map(ObjectKey::parse).transpose().map_err(corrupt)?,
            duration_ms: row.duration_ms.map(u64::try_from).transpose().map_err(corrupt)?,
            hls_key: row.hls_key.as_deref().map(ObjectKey::parse).transpose().map_err(corrupt)?,
            created_by: row.created_by,
            taken_at: row.taken_at,
            photo: row.photo_facts.as_deref().map(serde_json::from_str).transpose().map_err(corrupt)?,
            display_key: row.display_key.as_deref().map(ObjectKey::parse).transpose().map_err(corrupt)?,
            focus: match (row.focus_x, row.focus_y) {
                (Some(x), Some(y)) => Some(crate::model::focus::FocalPoint::parse(x, y).map_err(corrupt)?),
                _ => None,
            },
        })
    }
}

fn count(n: i32) -> Result<u32, DbError> {
    u32::try_from(n).map_err(corrupt)
}

/// A row that breaks an invariant the schema should have kept.
pub(crate) fn corrupt(e: impl ToString) -> DbError {
    DbError::Sqlx(sqlx::Error::Decode(e.to_string().into()))
}

pub(crate) fn convert<R, T: TryFrom<R, Error = DbError>>(rows: Vec<R>) -> Result<Vec<T>, DbError> {
    rows.into_iter().map(T::try_from).collect()
}

/// A column list with each column qualified by a table alias (`f.id, f.job_id, …`).
pub(crate) fn prefixed(columns: &str, alias: &str) -> String {
    columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

pub(crate) fn to_i64(n: u64) -> Result<i64, DbError> {
    i64::try_from(n).map_err(corrupt)
}

pub(crate) fn to_i32(n: u32) -> Result<i32, DbError> {
    i32::try_from(n).map_err(corrupt)
}

#[derive(sqlx::FromRow)]
pub(crate) struct PartRow {
    pub(crate) part_number: i32,
    pub(crate) etag: String,
    pub(crate) size_bytes: i64,
}

impl TryFrom<PartRow> for UploadPart {
    type Error = DbError;
    fn try_from(row: PartRow) -> Result<Self, DbError> {
        Ok(UploadPart {
            number: u32::try_from(row.part_number).map_err(corrupt)?,
            etag: row.etag,
            size: u64::try_from(row.size_bytes).map_err(corrupt)?,
        })
    }
}

/// A count the database holds as a signed integer.
pub(crate) fn to_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 and Postgres' 65,535 bound values.
pub(crate) const BATCH_ROWS: usize = 500;

/// `($1, $2, …)`: the ids as bound values, for an `IN`.
pub(crate) fn push_ids<'a, DB>(sql: &mut sqlx::QueryBuilder<'a, DB>, ids: &[Uuid])
where
    DB: sqlx::Database,
    Uuid: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    sql.push("(");
    let mut list = sql.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    sql.push(")");
}

/// A write transaction. On SQLite it also holds the instance's write lane: writers wait their
/// turn here, in order, rather than in SQLite's busy handler, which sleeps (up to 100 ms a
/// try) while another connection holds the write lock.
pub(crate) struct WriteTx<'c, DB: sqlx::Database> {
    tx: sqlx::Transaction<'c, DB>,
    _lane: Option<tokio::sync::MutexGuard<'c, ()>>,
}

impl<'c, DB: sqlx::Database> WriteTx<'c, DB> {
    pub(crate) fn new(tx: sqlx::Transaction<'c, DB>, lane: Option<tokio::sync::MutexGuard<'c, ()>>) -> Self {
        WriteTx { tx, _lane: lane }
    }

    /// Commits, then lets the next writer in.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// A connection for one writing statement, in the write lane like a transaction (SQLite).
pub(crate) struct Writer<'c, DB: sqlx::Database> {
    conn: sqlx::pool::PoolConnection<DB>,
    _lane: Option<tokio::sync::MutexGuard<'c, ()>>,
}

impl<'c, DB: sqlx::Database> Writer<'c, DB> {
    pub(crate) fn new(conn: sqlx::pool::PoolConnection<DB>, lane: Option<tokio::sync::MutexGuard<'c, ()>>) -> Self {
        Writer { conn, _lane: lane }
    }
}

impl<DB: sqlx::Database> std::ops::Deref for Writer<'_, DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.conn
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Writer<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.conn
    }
}
