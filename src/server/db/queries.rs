//! The SQL both backends share. The schema is the same on both (see `migrations/`), and the
//! statements below are written in the common dialect: `$n` placeholders (sqlx binds SQLite's
//! `$NNN` parameters by their number, as Postgres does), `ON CONFLICT`, `RETURNING`, row-value
//! comparisons. `impl_repo!` stamps out one `Repo` implementation per
//! backend from them, so each backend is concrete code with concrete types, and the contract
//! suite checks both.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DbError, UserRecord};
use crate::model::collection::Collection;
use crate::model::media::Media;
use crate::model::upload::{UploadFile, UploadFileStatus, UploadJob, UploadJobStatus};
use crate::model::Email;

pub(super) const USER_COLUMNS: &str = "id, email, password_hash, created_at";
pub(super) const JOB_COLUMNS: &str =
    "id, status, total_files, completed_files, failed_files, collection_id, created_at, updated_at";
pub(super) const FILE_COLUMNS: &str = "id, job_id, media_id, object_key, original_filename, size_bytes, content_type, \
     status, etag, error, url_expires_at, created_at, updated_at, completed_at, multipart_upload_id, part_size, \
     last_modified, fingerprint";
pub(super) const COLLECTION_COLUMNS: &str =
    "id, title, slug, description, published, cover_media_id, created_at, updated_at";
/// Marks every collection holding media `$1` as changed (see `content_version`).
pub(super) const BUMP_COLLECTIONS_OF_MEDIA: &str = "UPDATE collections SET content_version = content_version + 1
     WHERE id IN (SELECT collection_id FROM collection_media WHERE media_id = $1)";
pub(super) const MEDIA_COLUMNS: &str =
    "id, object_key, original_filename, content_type, size_bytes, width, height, title, alt_text, thumbhash, created_at, \
     poster_key, duration_ms, hls_key";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub(super) id: Uuid,
    pub(super) email: String,
    pub(super) password_hash: String,
    pub(super) created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = DbError;
    fn try_from(row: UserRow) -> Result<Self, DbError> {
        Ok(UserRecord {
            id: row.id,
            email: Email::parse(&row.email).map_err(corrupt)?,
            password_hash: row.password_hash,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct JobRow {
    pub(super) id: Uuid,
    pub(super) status: String,
    pub(super) total_files: i32,
    pub(super) completed_files: i32,
    pub(super) failed_files: i32,
    pub(super) collection_id: Option<Uuid>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
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
pub(super) struct FileRow {
    pub(super) id: Uuid,
    pub(super) job_id: Uuid,
    pub(super) media_id: Option<Uuid>,
    pub(super) object_key: String,
    pub(super) original_filename: String,
    pub(super) size_bytes: i64,
    pub(super) content_type: String,
    pub(super) status: String,
    pub(super) etag: Option<String>,
    pub(super) error: Option<String>,
    pub(super) url_expires_at: DateTime<Utc>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) completed_at: Option<DateTime<Utc>>,
    pub(super) multipart_upload_id: Option<String>,
    pub(super) part_size: Option<i64>,
    pub(super) last_modified: Option<i64>,
    pub(super) fingerprint: Option<String>,
}

impl TryFrom<FileRow> for UploadFile {
    type Error = DbError;
    fn try_from(row: FileRow) -> Result<Self, DbError> {
        Ok(UploadFile {
            id: row.id,
            job_id: row.job_id,
            media_id: row.media_id,
            object_key: row.object_key,
            original_filename: row.original_filename,
            size: u64::try_from(row.size_bytes).map_err(corrupt)?,
            content_type: row.content_type,
            status: UploadFileStatus::parse(&row.status).ok_or_else(|| corrupt(format!("file status {}", row.status)))?,
            etag: row.etag,
            error: row.error,
            url_expires_at: row.url_expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            completed_at: row.completed_at,
            part_size: row.part_size.map(u64::try_from).transpose().map_err(corrupt)?,
            last_modified: row.last_modified,
            fingerprint: row.fingerprint,
            multipart_upload_id: row.multipart_upload_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CollectionRow {
    pub(super) id: Uuid,
    pub(super) title: String,
    pub(super) slug: String,
    pub(super) description: String,
    pub(super) published: bool,
    pub(super) cover_media_id: Option<Uuid>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
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
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CoverRow {
    pub(super) collection_id: Uuid,
    #[sqlx(flatten)]
    pub(super) media: MediaRow,
}

#[derive(sqlx::FromRow)]
pub(super) struct MediaRow {
    pub(super) id: Uuid,
    pub(super) object_key: String,
    pub(super) original_filename: String,
    pub(super) content_type: String,
    pub(super) size_bytes: i64,
    pub(super) width: Option<i32>,
    pub(super) height: Option<i32>,
    pub(super) title: String,
    pub(super) alt_text: String,
    pub(super) thumbhash: Option<String>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) poster_key: Option<String>,
    pub(super) duration_ms: Option<i64>,
    pub(super) hls_key: Option<String>,
}

impl TryFrom<MediaRow> for Media {
    type Error = DbError;
    fn try_from(row: MediaRow) -> Result<Self, DbError> {
        Ok(Media {
            id: row.id,
            object_key: row.object_key,
            original_filename: row.original_filename,
            content_type: row.content_type,
            size: u64::try_from(row.size_bytes).map_err(corrupt)?,
            width: row.width.map(u32::try_from).transpose().map_err(corrupt)?,
            height: row.height.map(u32::try_from).transpose().map_err(corrupt)?,
            title: row.title,
            alt_text: row.alt_text,
            thumbhash: row.thumbhash,
            created_at: row.created_at,
            poster_key: row.poster_key,
            duration_ms: row.duration_ms.map(u64::try_from).transpose().map_err(corrupt)?,
            hls_key: row.hls_key,
        })
    }
}

fn count(n: i32) -> Result<u32, DbError> {
    u32::try_from(n).map_err(corrupt)
}

/// A row that breaks an invariant the schema should have kept.
pub(super) fn corrupt(e: impl ToString) -> DbError {
    DbError::Sqlx(sqlx::Error::Decode(e.to_string().into()))
}

pub(super) fn convert<R, T: TryFrom<R, Error = DbError>>(rows: Vec<R>) -> Result<Vec<T>, DbError> {
    rows.into_iter().map(T::try_from).collect()
}

/// A column list with each column qualified by a table alias (`f.id, f.job_id, …`).
pub(super) fn prefixed(columns: &str, alias: &str) -> String {
    columns.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

pub(super) fn to_i64(n: u64) -> Result<i64, DbError> {
    i64::try_from(n).map_err(corrupt)
}

/// `%term%` for LIKE, with the term's own `%`, `_` and `\` taken literally, lower-cased as
/// `search_text` is.
pub(super) fn like_pattern(term: &str) -> String {
    let mut pattern = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub(super) fn to_i32(n: u32) -> Result<i32, DbError> {
    i32::try_from(n).map_err(corrupt)
}

/// One `Repo` implementation for `$repo`, whose inherent methods `pool()` and `begin_write()`
/// give its pool and a write transaction.
macro_rules! impl_repo {
    ($repo:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl $crate::server::db::Repo for $repo {
            fn backend(&self) -> $crate::server::db::Backend {
                $backend
            }

            async fn close(&self) {
                self.pool().close().await;
            }

            async fn ping(&self) -> Result<(), DbError> {
                sqlx::query("SELECT 1").execute(self.pool()).await.map_err(DbError::Unavailable)?;
                Ok(())
            }

            async fn create_user_if_absent(
                &self,
                email: &Email,
                password_hash: &str,
            ) -> Result<(UserRecord, bool), DbError> {
                let inserted = sqlx::query(
                    "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (email) DO NOTHING",
                )
                .bind(Uuid::new_v4())
                .bind(email.as_str())
                .bind(password_hash)
                .bind(Utc::now())
                .execute(self.pool())
                .await?
                .rows_affected()
                    == 1;
                let user =
                    self.find_user_by_email(email).await?.ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))?;
                Ok((user, inserted))
            }

            async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError> {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash)
                    .bind(id)
                    .execute(self.pool())
                    .await?;
                Ok(())
            }

            async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
                let row: Option<UserRow> = sqlx::query_as(&sql).bind(email.as_str()).fetch_optional(self.pool()).await?;
                row.map(UserRecord::try_from).transpose()
            }

            async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
                let row: Option<UserRow> = sqlx::query_as(&sql).bind(id).fetch_optional(self.pool()).await?;
                row.map(UserRecord::try_from).transpose()
            }

            async fn create_upload_job(&self, job: &NewUploadJob) -> Result<JobWithFiles, DbError> {
                let now = Utc::now();
                let total = i32::try_from(job.files.len()).map_err(corrupt)?;
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO upload_jobs (id, status, total_files, completed_files, failed_files,
                         collection_id, created_by, created_at, updated_at)
                     VALUES ($1, 'in_progress', $2, 0, 0, $3, $4, $5, $5)",
                )
                .bind(job.id)
                .bind(total)
                .bind(job.collection_id)
                .bind(job.created_by)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for (position, file) in job.files.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO upload_files (id, job_id, position, object_key, original_filename, size_bytes,
                             content_type, status, url_expires_at, created_at, updated_at,
                             multipart_upload_id, part_size, last_modified, fingerprint)
                         VALUES ($1, $2, $9, $3, $4, $5, $6, 'pending', $7, $8, $8, $10, $11, $12, $13)",
                    )
                    .bind(file.id)
                    .bind(job.id)
                    .bind(&file.object_key)
                    .bind(&file.original_filename)
                    .bind(to_i64(file.size)?)
                    .bind(&file.content_type)
                    .bind(file.url_expires_at)
                    .bind(now)
                    .bind(i32::try_from(position).map_err(corrupt)?)
                    .bind(file.multipart.as_ref().map(|m| m.upload_id.clone()))
                    .bind(file.multipart.as_ref().map(|m| to_i64(m.part_size)).transpose()?)
                    .bind(file.last_modified)
                    .bind(&file.fingerprint)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                self.find_upload_job(job.id).await?.ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
            }

            async fn find_upload_file(&self, id: Uuid) -> Result<Option<UploadFile>, DbError> {
                let sql = format!("SELECT {FILE_COLUMNS} FROM upload_files WHERE id = $1");
                let row: Option<FileRow> = sqlx::query_as(&sql).bind(id).fetch_optional(self.pool()).await?;
                row.map(UploadFile::try_from).transpose()
            }

            async fn find_upload_file_of(&self, id: Uuid, user_id: Uuid) -> Result<Option<UploadFile>, DbError> {
                let columns = prefixed(FILE_COLUMNS, "f");
                let sql = format!(
                    "SELECT {columns} FROM upload_files f JOIN upload_jobs j ON j.id = f.job_id
                     WHERE f.id = $1 AND j.created_by = $2"
                );
                let row: Option<FileRow> = sqlx::query_as(&sql).bind(id).bind(user_id).fetch_optional(self.pool()).await?;
                row.map(UploadFile::try_from).transpose()
            }

            async fn record_part(&self, file_id: Uuid, part: &UploadPart) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO upload_parts (file_id, part_number, etag, size_bytes, created_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (file_id, part_number) DO UPDATE SET etag = excluded.etag, size_bytes = excluded.size_bytes",
                )
                .bind(file_id)
                .bind(i32::try_from(part.number).map_err(corrupt)?)
                .bind(&part.etag)
                .bind(to_i64(part.size)?)
                .bind(Utc::now())
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn replace_parts(&self, file_id: Uuid, parts: &[UploadPart]) -> Result<(), DbError> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM upload_parts WHERE file_id = $1").bind(file_id).execute(&mut *tx).await?;
                let now = Utc::now();
                for part in parts {
                    sqlx::query(
                        "INSERT INTO upload_parts (file_id, part_number, etag, size_bytes, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(file_id)
                    .bind(i32::try_from(part.number).map_err(corrupt)?)
                    .bind(&part.etag)
                    .bind(to_i64(part.size)?)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn recorded_parts(&self, file_id: Uuid) -> Result<Vec<UploadPart>, DbError> {
                let rows: Vec<(i32, String, i64)> = sqlx::query_as(
                    "SELECT part_number, etag, size_bytes FROM upload_parts WHERE file_id = $1 ORDER BY part_number",
                )
                .bind(file_id)
                .fetch_all(self.pool())
                .await?;
                rows.into_iter()
                    .map(|(number, etag, size)| {
                        Ok(UploadPart {
                            number: u32::try_from(number).map_err(corrupt)?,
                            etag,
                            size: u64::try_from(size).map_err(corrupt)?,
                        })
                    })
                    .collect()
            }

            async fn extend_upload_file(&self, id: Uuid, until: DateTime<Utc>) -> Result<(), DbError> {
                sqlx::query(
                    "UPDATE upload_files SET url_expires_at = $2 WHERE id = $1 AND status IN ('pending', 'uploading')
                     AND url_expires_at < $2",
                )
                .bind(id)
                .bind(until)
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn unfinished_multipart_files(&self, user_id: Uuid) -> Result<Vec<UploadFile>, DbError> {
                let columns = prefixed(FILE_COLUMNS, "f");
                let sql = format!(
                    "SELECT {columns} FROM upload_files f JOIN upload_jobs j ON j.id = f.job_id
                     WHERE j.created_by = $1 AND f.multipart_upload_id IS NOT NULL AND f.status IN ('pending', 'uploading')
                     ORDER BY f.created_at DESC, f.id LIMIT 100"
                );
                let rows: Vec<FileRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(self.pool()).await?;
                convert(rows)
            }

            async fn enqueue_transcode(&self, media_id: Uuid) -> Result<(), DbError> {
                sqlx::query(
                    "INSERT INTO transcode_jobs (media_id, status, attempts, updated_at) VALUES ($1, 'pending', 0, $2)
                     ON CONFLICT DO NOTHING",
                )
                .bind(media_id)
                .bind(Utc::now())
                .execute(self.pool())
                .await?;
                Ok(())
            }

            async fn claim_transcode(&self, stale_before: DateTime<Utc>, max_attempts: u32) -> Result<Option<Uuid>, DbError> {
                // The inner SELECT picks a candidate; the outer WHERE re-checks it, so of two
                // instances picking the same row only one update changes it.
                let claimable = "(status = 'pending' OR (status = 'running' AND updated_at < $2)) AND attempts < $3";
                let claimed: Option<Uuid> = sqlx::query_scalar(&format!(
                    "UPDATE transcode_jobs SET status = 'running', attempts = attempts + 1, updated_at = $1
                     WHERE media_id = (SELECT media_id FROM transcode_jobs WHERE {claimable} ORDER BY updated_at LIMIT 1)
                       AND {claimable}
                     RETURNING media_id"
                ))
                .bind(Utc::now())
                .bind(stale_before)
                .bind(i32::try_from(max_attempts).map_err(corrupt)?)
                .fetch_optional(self.pool())
                .await?;
                Ok(claimed)
            }

            async fn finish_transcode(&self, media_id: Uuid, outcome: Result<&str, &str>) -> Result<(), DbError> {
                let mut tx = self.begin_write().await?;
                let (status, error) = match outcome {
                    Ok(hls_key) => {
                        sqlx::query("UPDATE media SET hls_key = $2 WHERE id = $1")
                            .bind(media_id)
                            .bind(hls_key)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(media_id).execute(&mut *tx).await?;
                        ("done", None)
                    }
                    Err(error) => ("failed", Some(error)),
                };
                sqlx::query("UPDATE transcode_jobs SET status = $2, error = $3, updated_at = $4 WHERE media_id = $1")
                    .bind(media_id)
                    .bind(status)
                    .bind(error)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn transcode_status(&self, media_id: Uuid) -> Result<Option<(String, u32)>, DbError> {
                let row: Option<(String, i32)> =
                    sqlx::query_as("SELECT status, attempts FROM transcode_jobs WHERE media_id = $1")
                        .bind(media_id)
                        .fetch_optional(self.pool())
                        .await?;
                Ok(row.map(|(status, attempts)| (status, attempts.max(0) as u32)))
            }

            async fn find_upload_job(&self, id: Uuid) -> Result<Option<JobWithFiles>, DbError> {
                let sql = format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id = $1");
                let Some(job): Option<JobRow> = sqlx::query_as(&sql).bind(id).fetch_optional(self.pool()).await?
                else {
                    return Ok(None);
                };
                let sql = format!(
                    "SELECT {FILE_COLUMNS} FROM upload_files WHERE job_id = $1 ORDER BY position"
                );
                let files: Vec<FileRow> = sqlx::query_as(&sql).bind(id).fetch_all(self.pool()).await?;
                Ok(Some(JobWithFiles { job: UploadJob::try_from(job)?, files: convert(files)? }))
            }

            async fn list_upload_jobs(&self, limit: u32, before: Option<Uuid>) -> Result<Vec<JobWithFiles>, DbError> {
                // "older than `before`" as a row-value comparison on the (created_at, id) index.
                let page = "SELECT id FROM upload_jobs
                     WHERE $2 IS NULL OR (created_at, id) < (SELECT created_at, id FROM upload_jobs WHERE id = $2)
                     ORDER BY created_at DESC, id DESC LIMIT $1";
                let sql = format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id IN ({page}) ORDER BY created_at DESC, id DESC");
                let jobs: Vec<JobRow> =
                    sqlx::query_as(&sql).bind(i64::from(limit)).bind(before).fetch_all(self.pool()).await?;
                let sql = format!(
                    "SELECT {FILE_COLUMNS} FROM upload_files WHERE job_id IN ({page})
                     ORDER BY position"
                );
                let files: Vec<FileRow> =
                    sqlx::query_as(&sql).bind(i64::from(limit)).bind(before).fetch_all(self.pool()).await?;
                let mut files: Vec<UploadFile> = convert(files)?;
                let mut out = Vec::with_capacity(jobs.len());
                for job in jobs {
                    let job = UploadJob::try_from(job)?;
                    let (mine, rest): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| f.job_id == job.id);
                    files = rest;
                    out.push(JobWithFiles { job, files: mine });
                }
                Ok(out)
            }

            async fn mark_file_uploading(&self, id: Uuid) -> Result<Option<Transition>, DbError> {
                let changed = sqlx::query(
                    "UPDATE upload_files SET status = 'uploading', updated_at = $2
                     WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(Utc::now())
                .execute(self.pool())
                .await?
                .rows_affected()
                    == 1;
                self.transition(id, changed).await
            }

            async fn complete_upload_file(
                &self,
                id: Uuid,
                etag: Option<&str>,
                media: &NewMedia,
            ) -> Result<Option<Transition>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                // The guarded UPDATE is the judge: of two requests completing the same file, the
                // second finds it no longer open (Postgres re-checks the WHERE after the first
                // commits; SQLite runs write transactions one at a time). `media_id` is checked
                // at commit, so it can be set here, before the media row exists.
                let claimed: Option<FileRow> = sqlx::query_as(&format!(
                    "UPDATE upload_files SET status = 'completed', etag = $2, error = NULL, media_id = $4,
                         completed_at = $3, updated_at = $3
                     WHERE id = $1 AND status IN ('pending', 'uploading')
                     RETURNING {FILE_COLUMNS}"
                ))
                .bind(id)
                .bind(etag)
                .bind(now)
                .bind(media.id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(file) = claimed else {
                    tx.rollback().await?;
                    return self.transition(id, false).await;
                };
                sqlx::query(
                    "INSERT INTO media (id, object_key, original_filename, content_type, size_bytes, width, height,
                         title, alt_text, created_at, sort_name, search_text, thumbhash, poster_key, duration_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', $8, $9, $10, $11, $12, $13)",
                )
                .bind(media.id)
                .bind(&file.object_key)
                .bind(&file.original_filename)
                .bind(&file.content_type)
                .bind(file.size_bytes)
                .bind(media.width.map(to_i32).transpose()?)
                .bind(media.height.map(to_i32).transpose()?)
                .bind(now)
                .bind(sort_name("", &file.original_filename))
                .bind(search_text("", &file.original_filename, ""))
                .bind(media.thumbhash.as_deref())
                .bind(media.poster_key.as_deref())
                .bind(media.duration_ms.map(to_i64).transpose()?)
                .execute(&mut *tx)
                .await?;
                let job: JobRow = sqlx::query_as(&format!(
                    "UPDATE upload_jobs SET
                         completed_files = completed_files + 1,
                         status = CASE WHEN completed_files + 1 + failed_files >= total_files
                                       THEN CASE WHEN failed_files > 0 THEN 'completed_with_errors' ELSE 'completed' END
                                       ELSE 'in_progress' END,
                         updated_at = $2
                     WHERE id = $1
                     RETURNING {JOB_COLUMNS}"
                ))
                .bind(file.job_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(collection_id) = job.collection_id {
                    // A batch started for a collection appends each file to it as it completes.
                    // Touching the collection row first serialises appends to one collection (a
                    // row lock on Postgres; SQLite writers are serial anyway), so two never read
                    // the same MAX.
                    sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                        .bind(collection_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO collection_media (collection_id, media_id, display_order, added_at)
                         VALUES ($1, $2,
                                 COALESCE((SELECT MAX(display_order) + 1 FROM collection_media WHERE collection_id = $1), 0),
                                 $3)
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(collection_id)
                    .bind(media.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some(Transition {
                    changed: true,
                    outcome: FileOutcome { file: UploadFile::try_from(file)?, job: UploadJob::try_from(job)? },
                }))
            }

            async fn fail_upload_file(&self, id: Uuid, reason: &str) -> Result<Option<Transition>, DbError> {
                self.settle_as_failed(id, reason, None).await
            }

            async fn expire_upload_file(
                &self,
                id: Uuid,
                expired_before: DateTime<Utc>,
            ) -> Result<Option<Transition>, DbError> {
                self.settle_as_failed(id, "expired", Some(expired_before)).await
            }

            async fn reopen_upload_file(
                &self,
                id: Uuid,
                object_key: &str,
                multipart_upload_id: Option<&str>,
                url_expires_at: DateTime<Utc>,
            ) -> Result<Option<Transition>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let previous: Option<(Uuid, String)> = sqlx::query_as(
                    "SELECT job_id, status FROM upload_files WHERE id = $1 AND status <> 'completed'",
                )
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((job_id, previous_status)) = previous else {
                    tx.rollback().await?;
                    return self.transition(id, false).await;
                };
                let reopened = sqlx::query(
                    "UPDATE upload_files SET status = 'pending', error = NULL, etag = NULL, url_expires_at = $2, updated_at = $3,
                            object_key = $5, multipart_upload_id = $6
                     WHERE id = $1 AND status = $4",
                )
                .bind(id)
                .bind(url_expires_at)
                .bind(now)
                .bind(&previous_status)
                .bind(object_key)
                .bind(multipart_upload_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if reopened {
                    sqlx::query("DELETE FROM upload_parts WHERE file_id = $1").bind(id).execute(&mut *tx).await?;
                }
                if reopened && previous_status == "failed" {
                    sqlx::query(
                        "UPDATE upload_jobs SET failed_files = failed_files - 1, status = 'in_progress', updated_at = $2
                         WHERE id = $1",
                    )
                    .bind(job_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                self.transition(id, reopened).await
            }

            async fn list_expired_upload_files(
                &self,
                expired_before: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<UploadFile>, DbError> {
                let sql = format!(
                    "SELECT {FILE_COLUMNS} FROM upload_files
                     WHERE status IN ('pending', 'uploading') AND url_expires_at < $1
                     ORDER BY url_expires_at LIMIT $2"
                );
                let rows: Vec<FileRow> =
                    sqlx::query_as(&sql).bind(expired_before).bind(i64::from(limit)).fetch_all(self.pool()).await?;
                convert(rows)
            }

            async fn collection_exists(&self, id: Uuid) -> Result<bool, DbError> {
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM collections WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self.pool())
                    .await?;
                Ok(found.is_some())
            }

            async fn create_collection(
                &self,
                id: Uuid,
                title: &str,
                slug: &str,
                description: &str,
            ) -> Result<Collection, DbError> {
                let now = Utc::now();
                let row: CollectionRow = sqlx::query_as(&format!(
                    "INSERT INTO collections (id, title, slug, description, published, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, FALSE, $5, $5) RETURNING {COLLECTION_COLUMNS}"
                ))
                .bind(id)
                .bind(title)
                .bind(slug)
                .bind(description)
                .bind(now)
                .fetch_one(self.pool())
                .await?;
                Ok(row.into())
            }

            async fn slugs_like(&self, base: &str, root: &str) -> Result<Vec<String>, DbError> {
                // Slugs hold only [a-z0-9-], so the pattern needs no escaping. Old slugs count as
                // taken: they still redirect to their collection.
                Ok(sqlx::query_scalar(
                    "SELECT slug FROM collections WHERE slug = $1 OR slug LIKE $2
                     UNION SELECT old_slug FROM collection_slug_history WHERE old_slug = $1 OR old_slug LIKE $2",
                )
                    .bind(base)
                    .bind(format!("{root}-%"))
                    .fetch_all(self.pool())
                    .await?)
            }

            async fn list_collections(&self) -> Result<Vec<CollectionSummary>, DbError> {
                let rows: Vec<CollectionRow> = sqlx::query_as(&format!(
                    "SELECT {COLLECTION_COLUMNS} FROM collections ORDER BY created_at DESC, id DESC"
                ))
                .fetch_all(self.pool())
                .await?;
                let counts: Vec<(Uuid, i64)> =
                    sqlx::query_as("SELECT collection_id, COUNT(*) FROM collection_media GROUP BY collection_id")
                        .fetch_all(self.pool())
                        .await?;
                let counts: std::collections::HashMap<Uuid, i64> = counts.into_iter().collect();
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let item_count = counts.get(&row.id).copied().unwrap_or(0).max(0) as u32;
                        CollectionSummary { collection: row.into(), item_count }
                    })
                    .collect())
            }

            async fn find_collection(&self, id: Uuid) -> Result<Option<Collection>, DbError> {
                let row: Option<CollectionRow> =
                    sqlx::query_as(&format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(self.pool())
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn add_to_collection(
                &self,
                id: Uuid,
                media_ids: &[Uuid],
            ) -> Result<Result<MembershipChange, Missing>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                // Touching the row first locks it (Postgres), so concurrent appends take turns
                // and never compute the same next position.
                let found = sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !found {
                    tx.rollback().await?;
                    return Ok(Err(Missing::Collection));
                }
                let mut changed = 0u32;
                for media_id in media_ids {
                    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM media WHERE id = $1")
                        .bind(media_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if exists.is_none() {
                        tx.rollback().await?;
                        return Ok(Err(Missing::Media(*media_id)));
                    }
                    let inserted = sqlx::query(
                        "INSERT INTO collection_media (collection_id, media_id, display_order, added_at)
                         VALUES ($1, $2,
                                 COALESCE((SELECT MAX(display_order) + 1 FROM collection_media WHERE collection_id = $1), 0),
                                 $3)
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(media_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    changed += inserted as u32;
                }
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM collection_media WHERE collection_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Ok(MembershipChange { changed, item_count: count.max(0) as u32 }))
            }

            async fn remove_from_collection(
                &self,
                id: Uuid,
                media_ids: &[Uuid],
            ) -> Result<Option<MembershipChange>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let found = sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !found {
                    tx.rollback().await?;
                    return Ok(None);
                }
                let mut changed = 0u32;
                for media_id in media_ids {
                    changed += sqlx::query("DELETE FROM collection_media WHERE collection_id = $1 AND media_id = $2")
                        .bind(id)
                        .bind(media_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected() as u32;
                }
                // A cover that left the collection falls back to the first item.
                sqlx::query(
                    "UPDATE collections SET cover_media_id = NULL WHERE id = $1 AND cover_media_id IS NOT NULL
                     AND cover_media_id NOT IN (SELECT media_id FROM collection_media WHERE collection_id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM collection_media WHERE collection_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(MembershipChange { changed, item_count: count.max(0) as u32 }))
            }

            async fn find_collection_by_slug(&self, slug: &str) -> Result<Option<Collection>, DbError> {
                let row: Option<CollectionRow> =
                    sqlx::query_as(&format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE slug = $1"))
                        .bind(slug)
                        .fetch_optional(self.pool())
                        .await?;
                Ok(row.map(Into::into))
            }

            async fn slug_redirect(&self, old_slug: &str) -> Result<Option<String>, DbError> {
                Ok(sqlx::query_scalar(
                    "SELECT c.slug FROM collection_slug_history h JOIN collections c ON c.id = h.collection_id
                     WHERE h.old_slug = $1",
                )
                .bind(old_slug)
                .fetch_optional(self.pool())
                .await?)
            }

            async fn update_collection(
                &self,
                id: Uuid,
                title: &str,
                description: &str,
                new_slug: Option<&str>,
            ) -> Result<Option<Collection>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let current: Option<String> = sqlx::query_scalar("SELECT slug FROM collections WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(current) = current else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let slug = match new_slug {
                    Some(new) if new != current => {
                        // The old slug keeps pointing here; a slug taken back is no longer history.
                        sqlx::query(
                            "INSERT INTO collection_slug_history (old_slug, collection_id, created_at) VALUES ($1, $2, $3)
                             ON CONFLICT (old_slug) DO UPDATE SET collection_id = $2, created_at = $3",
                        )
                        .bind(&current)
                        .bind(id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM collection_slug_history WHERE old_slug = $1").bind(new).execute(&mut *tx).await?;
                        new.to_string()
                    }
                    _ => current,
                };
                let row: CollectionRow = sqlx::query_as(&format!(
                    "UPDATE collections SET title = $2, description = $3, slug = $4, updated_at = $5,
                         content_version = content_version + 1 WHERE id = $1
                     RETURNING {COLLECTION_COLUMNS}"
                ))
                .bind(id)
                .bind(title)
                .bind(description)
                .bind(&slug)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(row.into()))
            }

            async fn collection_items(&self, id: Uuid) -> Result<Vec<Media>, DbError> {
                let columns = prefixed(MEDIA_COLUMNS, "m");
                let rows: Vec<MediaRow> = sqlx::query_as(&format!(
                    "SELECT {columns} FROM collection_media cm JOIN media m ON m.id = cm.media_id
                     WHERE cm.collection_id = $1 ORDER BY cm.display_order, cm.added_at, m.id"
                ))
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                convert(rows)
            }

            async fn reorder_collection(
                &self,
                id: Uuid,
                media_ids: &[Uuid],
            ) -> Result<Result<(), ReorderRefusal>, DbError> {
                let mut tx = self.begin_write().await?;
                let found = sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                    .bind(id)
                    .bind(Utc::now())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !found {
                    tx.rollback().await?;
                    return Ok(Err(ReorderRefusal::NoCollection));
                }
                let held: Vec<Uuid> = sqlx::query_scalar("SELECT media_id FROM collection_media WHERE collection_id = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                let sent: std::collections::HashSet<&Uuid> = media_ids.iter().collect();
                let held_set: std::collections::HashSet<&Uuid> = held.iter().collect();
                if sent.len() != media_ids.len() || sent != held_set {
                    tx.rollback().await?;
                    return Ok(Err(ReorderRefusal::NotAPermutation {
                        sent: media_ids.len(),
                        held: held.len(),
                        duplicates: sent.len() != media_ids.len(),
                    }));
                }
                // Every position in one statement: CASE media_id WHEN … THEN position … END.
                for chunk in media_ids.chunks(2000).enumerate() {
                    let (chunk_index, ids) = chunk;
                    let mut sql = sqlx::QueryBuilder::<Db>::new("UPDATE collection_media SET display_order = CASE media_id");
                    for (i, media_id) in ids.iter().enumerate() {
                        let position = i32::try_from(chunk_index * 2000 + i).map_err(corrupt)?;
                        sql.push(" WHEN ").push_bind(*media_id).push(" THEN ").push_bind(position);
                    }
                    sql.push(" ELSE display_order END WHERE collection_id = ").push_bind(id);
                    sql.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(Ok(()))
            }

            async fn set_published(&self, id: Uuid, published: bool) -> Result<Option<Collection>, DbError> {
                let row: Option<CollectionRow> = sqlx::query_as(&format!(
                    "UPDATE collections SET published = $2, updated_at = $3, content_version = content_version + 1
                     WHERE id = $1 RETURNING {COLLECTION_COLUMNS}"
                ))
                .bind(id)
                .bind(published)
                .bind(Utc::now())
                .fetch_optional(self.pool())
                .await?;
                Ok(row.map(Into::into))
            }

            async fn set_cover(
                &self,
                id: Uuid,
                media_id: Option<Uuid>,
            ) -> Result<Result<Collection, Missing>, DbError> {
                let mut tx = self.begin_write().await?;
                if let Some(media_id) = media_id {
                    let member: Option<i32> = sqlx::query_scalar(
                        "SELECT 1 FROM collection_media WHERE collection_id = $1 AND media_id = $2",
                    )
                    .bind(id)
                    .bind(media_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if member.is_none() {
                        tx.rollback().await?;
                        let exists = self.collection_exists(id).await?;
                        return Ok(Err(if exists { Missing::Media(media_id) } else { Missing::Collection }));
                    }
                }
                let row: Option<CollectionRow> = sqlx::query_as(&format!(
                    "UPDATE collections SET cover_media_id = $2, updated_at = $3, content_version = content_version + 1
                     WHERE id = $1 RETURNING {COLLECTION_COLUMNS}"
                ))
                .bind(id)
                .bind(media_id)
                .bind(Utc::now())
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(row.map(Into::into).ok_or(Missing::Collection))
            }

            async fn published_version(&self, slug: &str) -> Result<Option<i64>, DbError> {
                Ok(sqlx::query_scalar("SELECT content_version FROM collections WHERE slug = $1 AND published = TRUE")
                    .bind(slug)
                    .fetch_optional(self.pool())
                    .await?)
            }

            async fn list_published_collections(&self) -> Result<Vec<(CollectionSummary, Option<Media>)>, DbError> {
                let rows: Vec<CollectionRow> = sqlx::query_as(&format!(
                    "SELECT {COLLECTION_COLUMNS} FROM collections WHERE published = TRUE ORDER BY created_at DESC, id DESC"
                ))
                .fetch_all(self.pool())
                .await?;
                let counts: Vec<(Uuid, i64)> = sqlx::query_as(
                    "SELECT cm.collection_id, COUNT(*) FROM collection_media cm
                     JOIN collections c ON c.id = cm.collection_id WHERE c.published = TRUE GROUP BY cm.collection_id",
                )
                .fetch_all(self.pool())
                .await?;
                let counts: std::collections::HashMap<Uuid, i64> = counts.into_iter().collect();
                // Each published collection's cover: the chosen one, else its first image (the
                // same rule as the gallery's share image and the editor's default).
                let columns = prefixed(MEDIA_COLUMNS, "m");
                let covers: Vec<CoverRow> = sqlx::query_as(&format!(
                    "SELECT c.id AS collection_id, {columns} FROM collections c
                     JOIN media m ON m.id = COALESCE(c.cover_media_id,
                         (SELECT cm.media_id FROM collection_media cm JOIN media i ON i.id = cm.media_id
                          WHERE cm.collection_id = c.id AND i.content_type LIKE 'image/%'
                          ORDER BY cm.display_order, cm.added_at LIMIT 1))
                     WHERE c.published = TRUE"
                ))
                .fetch_all(self.pool())
                .await?;
                let mut covers: std::collections::HashMap<Uuid, Media> = covers
                    .into_iter()
                    .map(|row| Media::try_from(row.media).map(|m| (row.collection_id, m)))
                    .collect::<Result<_, _>>()?;
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        let item_count = counts.get(&row.id).copied().unwrap_or(0).max(0) as u32;
                        let cover = covers.remove(&row.id);
                        (CollectionSummary { collection: row.into(), item_count }, cover)
                    })
                    .collect())
            }

            async fn delete_collection(&self, id: Uuid) -> Result<bool, DbError> {
                Ok(sqlx::query("DELETE FROM collections WHERE id = $1").bind(id).execute(self.pool()).await?.rows_affected()
                    == 1)
            }

            async fn list_media(&self, query: &MediaQuery, limit: u32) -> Result<Vec<Media>, DbError> {
                let mut sql = sqlx::QueryBuilder::<Db>::new(format!("SELECT {MEDIA_COLUMNS} FROM media WHERE 1 = 1"));
                match query.kind {
                    Some(MediaKind::Image) => sql.push(" AND content_type LIKE 'image/%'"),
                    Some(MediaKind::Video) => sql.push(" AND content_type LIKE 'video/%'"),
                    None => &mut sql,
                };
                if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    sql.push(" AND search_text LIKE ").push_bind(like_pattern(search)).push(" ESCAPE '\\'");
                }
                // Keyset: strictly after the cursor in this sort's order, ties broken by id.
                if let Some(c) = &query.cursor {
                    match query.sort {
                        MediaSort::Newest => sql.push(" AND (created_at, id) < (").push_bind(c.created_at),
                        MediaSort::Name => sql.push(" AND (sort_name, id) > (").push_bind(c.sort_name.clone()),
                        MediaSort::Largest => sql.push(" AND (size_bytes, id) < (").push_bind(to_i64(c.size)?),
                    };
                    sql.push(", ").push_bind(c.id).push(")");
                }
                sql.push(match query.sort {
                    MediaSort::Newest => " ORDER BY created_at DESC, id DESC",
                    MediaSort::Name => " ORDER BY sort_name, id",
                    MediaSort::Largest => " ORDER BY size_bytes DESC, id DESC",
                });
                sql.push(" LIMIT ").push_bind(i64::from(limit));
                let rows: Vec<MediaRow> = sql.build_query_as().fetch_all(self.pool()).await?;
                convert(rows)
            }

            async fn find_media(&self, id: Uuid) -> Result<Option<Media>, DbError> {
                let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1");
                let row: Option<MediaRow> = sqlx::query_as(&sql).bind(id).fetch_optional(self.pool()).await?;
                row.map(Media::try_from).transpose()
            }

            async fn update_media(&self, id: Uuid, title: &str, alt_text: &str) -> Result<Option<Media>, DbError> {
                let Some(current) = self.find_media(id).await? else { return Ok(None) };
                let sql = format!(
                    "UPDATE media SET title = $2, alt_text = $3, sort_name = $4, search_text = $5 WHERE id = $1
                     RETURNING {MEDIA_COLUMNS}"
                );
                let mut tx = self.begin_write().await?;
                let row: Option<MediaRow> = sqlx::query_as(&sql)
                    .bind(id)
                    .bind(title)
                    .bind(alt_text)
                    .bind(sort_name(title, &current.original_filename))
                    .bind(search_text(title, &current.original_filename, alt_text))
                    .fetch_optional(&mut *tx)
                    .await?;
                // Galleries showing this item show its new title and alt text.
                sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                row.map(Media::try_from).transpose()
            }

            async fn delete_media(&self, id: Uuid) -> Result<bool, DbError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(id).execute(&mut *tx).await?;
                let deleted = sqlx::query("DELETE FROM media WHERE id = $1").bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(deleted.rows_affected() == 1)
            }

            async fn media_collections(&self, id: Uuid) -> Result<Vec<CollectionRef>, DbError> {
                let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
                    "SELECT c.id, c.title, c.slug FROM collections c
                     JOIN collection_media cm ON cm.collection_id = c.id
                     WHERE cm.media_id = $1 ORDER BY c.title, c.id",
                )
                .bind(id)
                .fetch_all(self.pool())
                .await?;
                Ok(rows.into_iter().map(|(id, title, slug)| CollectionRef { id, title, slug }).collect())
            }
        }

        impl $repo {
            /// pending|uploading -> failed, counted once; with `expired_before`, only while the
            /// file's URL is still that old.
            async fn settle_as_failed(
                &self,
                id: Uuid,
                reason: &str,
                expired_before: Option<DateTime<Utc>>,
            ) -> Result<Option<Transition>, DbError> {
                let now = Utc::now();
                let mut tx = self.begin_write().await?;
                let failed: Option<FileRow> = sqlx::query_as(&format!(
                    "UPDATE upload_files SET status = 'failed', error = $2, updated_at = $3
                     WHERE id = $1 AND status IN ('pending', 'uploading')
                       AND ($4 IS NULL OR url_expires_at < $4)
                     RETURNING {FILE_COLUMNS}"
                ))
                .bind(id)
                .bind(reason)
                .bind(now)
                .bind(expired_before)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(file) = failed else {
                    tx.rollback().await?;
                    return self.transition(id, false).await;
                };
                let job: JobRow = sqlx::query_as(&format!(
                    "UPDATE upload_jobs SET
                         failed_files = failed_files + 1,
                         status = CASE WHEN completed_files + failed_files + 1 >= total_files
                                       THEN 'completed_with_errors' ELSE 'in_progress' END,
                         updated_at = $2
                     WHERE id = $1
                     RETURNING {JOB_COLUMNS}"
                ))
                .bind(file.job_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Some(Transition {
                    changed: true,
                    outcome: FileOutcome { file: UploadFile::try_from(file)?, job: UploadJob::try_from(job)? },
                }))
            }

            /// The file and its job as they are now, after a state change (or a refusal to make one).
            async fn transition(&self, id: Uuid, changed: bool) -> Result<Option<Transition>, DbError> {
                let Some(file) = $crate::server::db::Repo::find_upload_file(self, id).await? else { return Ok(None) };
                let sql = format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id = $1");
                let job: JobRow = sqlx::query_as(&sql).bind(file.job_id).fetch_one(self.pool()).await?;
                Ok(Some(Transition { changed, outcome: FileOutcome { file, job: UploadJob::try_from(job)? } }))
            }
        }
    };
}
