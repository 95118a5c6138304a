//! Upload jobs and files, in the SQL both databases speak. Compiled once per backend.
//!
//! Every state change is a guarded UPDATE (`WHERE status IN (…)`) inside the transaction that
//! also moves the job's counters: of two requests changing the same file, the second finds it
//! no longer in that state (Postgres re-checks the WHERE after the first commits; SQLite runs
//! write transactions one at a time) and changes nothing.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::new_media::insert_new_media;
use super::{Db, SqlRepo};
use crate::model::upload::{FileOutcome, JobWithFiles, UploadFile, UploadJob};
use crate::model::ObjectKey;
use crate::server::db::rows::{convert, corrupt, to_i64, FileRow, JobRow, BATCH_ROWS, FILE_COLUMNS, JOB_COLUMNS};
use crate::server::db::{DbError, NewMedia, NewUploadJob, Transition, UploadRepo};

#[async_trait]
impl UploadRepo for SqlRepo {
    async fn create_upload_job(&self, job: &NewUploadJob) -> Result<JobWithFiles, DbError> {
        let now = self.now();
        let total = i32::try_from(job.files.len()).map_err(corrupt)?;
        let mut tx = self.begin_write().await?;
        if let Some(quota) = &job.quota {
            // Locks the link's row (PostgreSQL; SQLite writes one at a time anyway).
            sqlx::query("UPDATE share_links SET view_count = view_count WHERE id = $1")
                .bind(quota.share_id)
                .execute(&mut *tx)
                .await?;
        }
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
        // The files in as few round trips as the bind limits allow.
        for (chunk_index, chunk) in job.files.chunks(BATCH_ROWS).enumerate() {
            let mut rows = Vec::with_capacity(chunk.len());
            for (i, file) in chunk.iter().enumerate() {
                let position = i32::try_from(chunk_index * BATCH_ROWS + i).map_err(corrupt)?;
                let part_size = file.multipart.as_ref().map(|m| to_i64(m.part_size)).transpose()?;
                rows.push((file, position, to_i64(file.size)?, part_size));
            }
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO upload_files (id, job_id, position, object_key, original_filename, size_bytes,
                     content_type, status, url_expires_at, created_at, updated_at,
                     multipart_upload_id, part_size, last_modified, fingerprint, sha256) ",
            );
            insert.push_values(rows, |mut row, (file, position, size, part_size)| {
                row.push_bind(file.id)
                    .push_bind(job.id)
                    .push_bind(position)
                    .push_bind(file.object_key.as_str())
                    .push_bind(&file.original_filename)
                    .push_bind(size)
                    .push_bind(file.content_type.as_str())
                    .push("'pending'")
                    .push_bind(file.url_expires_at)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(file.multipart.as_ref().map(|m| m.upload_id.as_str()))
                    .push_bind(part_size)
                    .push_bind(file.last_modified)
                    .push_bind(file.fingerprint.as_deref())
                    .push_bind(file.sha256.as_deref());
            });
            insert.build().execute(&mut *tx).await?;
        }
        if let Some(quota) = &job.quota {
            let (files, bytes): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), CAST(SUM(f.size_bytes) AS BIGINT) FROM upload_files f
                 JOIN upload_jobs j ON j.id = f.job_id WHERE j.created_by = $1",
            )
            .bind(job.created_by)
            .fetch_one(&mut *tx)
            .await?;
            let over_files = quota.max_files.is_some_and(|max| files > i64::from(max));
            let over_bytes =
                quota.max_bytes.is_some_and(|max| bytes.unwrap_or(0) > i64::try_from(max).unwrap_or(i64::MAX));
            if over_files || over_bytes {
                tx.rollback().await?;
                return Err(DbError::OverQuota);
            }
        }
        tx.commit().await?;
        self.find_upload_job(job.id).await?.ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))
    }

    async fn find_upload_file(&self, id: Uuid) -> Result<Option<UploadFile>, DbError> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM upload_files WHERE id = $1");
        let row: Option<FileRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(UploadFile::try_from).transpose()
    }

    async fn find_upload_file_of(&self, id: Uuid, user_id: Uuid) -> Result<Option<UploadFile>, DbError> {
        let columns = crate::server::db::rows::prefixed(FILE_COLUMNS, "f");
        let sql = format!(
            "SELECT {columns} FROM upload_files f JOIN upload_jobs j ON j.id = f.job_id
             WHERE f.id = $1 AND j.created_by = $2"
        );
        let row: Option<FileRow> = sqlx::query_as(&sql).bind(id).bind(user_id).fetch_optional(&self.pool).await?;
        row.map(UploadFile::try_from).transpose()
    }

    async fn find_upload_job(&self, id: Uuid) -> Result<Option<JobWithFiles>, DbError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id = $1");
        let Some(job): Option<JobRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let sql = format!("SELECT {FILE_COLUMNS} FROM upload_files WHERE job_id = $1 ORDER BY position");
        let files: Vec<FileRow> = sqlx::query_as(&sql).bind(id).fetch_all(&self.pool).await?;
        Ok(Some(JobWithFiles { job: UploadJob::try_from(job)?, files: convert(files)? }))
    }

    async fn list_upload_jobs(&self, limit: u32, before: Option<Uuid>) -> Result<Vec<JobWithFiles>, DbError> {
        // "older than `before`" as a row-value comparison on the (created_at, id) index.
        let page = "SELECT id FROM upload_jobs
             WHERE $2 IS NULL OR (created_at, id) < (SELECT created_at, id FROM upload_jobs WHERE id = $2)
             ORDER BY created_at DESC, id DESC LIMIT $1";
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id IN ({page}) ORDER BY created_at DESC, id DESC");
        let jobs: Vec<JobRow> = sqlx::query_as(&sql).bind(i64::from(limit)).bind(before).fetch_all(&self.pool).await?;
        let sql = format!("SELECT {FILE_COLUMNS} FROM upload_files WHERE job_id IN ({page}) ORDER BY position");
        let files: Vec<FileRow> =
            sqlx::query_as(&sql).bind(i64::from(limit)).bind(before).fetch_all(&self.pool).await?;
        let mut by_job: std::collections::HashMap<Uuid, Vec<UploadFile>> = std::collections::HashMap::new();
        for file in convert::<_, UploadFile>(files)? {
            by_job.entry(file.job_id).or_default().push(file);
        }
        jobs.into_iter()
            .map(|job| {
                let job = UploadJob::try_from(job)?;
                let files = by_job.remove(&job.id).unwrap_or_default();
                Ok(JobWithFiles { job, files })
            })
            .collect()
    }

    async fn mark_file_uploading(&self, id: Uuid) -> Result<Option<Transition>, DbError> {
        let changed = sqlx::query(
            "UPDATE upload_files SET status = 'uploading', updated_at = $2 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(self.now())
        .execute(&mut *self.writer().await?)
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
        let now = self.now();
        let mut tx = self.begin_write().await?;
        // A hash that arrives only now (hashed while sending) was not checked at the start: the
        // library may hold this content already. A hash given at the start was checked then,
        // or was sent "anyway" on purpose.
        let held: Option<Uuid> = match media.sha256.as_deref() {
            Some(sha256) => {
                sqlx::query_scalar(
                    "SELECT m.id FROM media m
                     WHERE m.sha256 = $1 AND m.deleted_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM upload_files f WHERE f.id = $2 AND f.sha256 IS NOT NULL)
                     ORDER BY m.created_at, m.id LIMIT 1",
                )
                .bind(sha256)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
            }
            None => None,
        };
        let media_id = held.unwrap_or(media.id);
        // The guarded UPDATE is the judge. `media_id` is checked at commit, so it can be set
        // here, before the media row exists.
        let claimed: Option<FileRow> = sqlx::query_as(&format!(
            "UPDATE upload_files SET status = 'completed', etag = $2, error = NULL, media_id = $4,
                 duplicate_of = $5, completed_at = $3, updated_at = $3
             WHERE id = $1 AND status IN ('pending', 'uploading')
             RETURNING {FILE_COLUMNS}"
        ))
        .bind(id)
        .bind(etag)
        .bind(now)
        .bind(media_id)
        .bind(held)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(file) = claimed else {
            tx.rollback().await?;
            return self.transition(id, false).await;
        };
        if held.is_none() {
            insert_new_media(&mut tx, &file, media, now).await?;
        }
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
            // Touching the collection row first serialises appends to one collection (a row
            // lock on Postgres; SQLite writers are serial anyway), so two never read the same MAX.
            sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                .bind(collection_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO collection_media (collection_id, media_id, display_order, added_at)
                 VALUES ($1, $2, COALESCE((SELECT MAX(display_order) + 1 FROM collection_media WHERE collection_id = $1), 0), $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(collection_id)
            .bind(media_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        if job.collection_id.is_some() {
            self.content_changed().await;
        }
        changed(file, job).map(Some)
    }

    async fn fail_upload_file(&self, id: Uuid, reason: &str) -> Result<Option<Transition>, DbError> {
        self.settle_as_failed(id, reason, None).await
    }

    async fn expire_upload_file(&self, id: Uuid, expired_before: DateTime<Utc>) -> Result<Option<Transition>, DbError> {
        self.settle_as_failed(id, "expired", Some(expired_before)).await
    }

    async fn reopen_upload_file(
        &self,
        id: Uuid,
        object_key: &ObjectKey,
        multipart_upload_id: Option<&str>,
        url_expires_at: DateTime<Utc>,
    ) -> Result<Option<Transition>, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let previous: Option<(Uuid, String)> =
            sqlx::query_as("SELECT job_id, status FROM upload_files WHERE id = $1 AND status <> 'completed'")
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
        .bind(object_key.as_str())
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
                "UPDATE upload_jobs SET failed_files = failed_files - 1, status = 'in_progress', updated_at = $2 WHERE id = $1",
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
            sqlx::query_as(&sql).bind(expired_before).bind(i64::from(limit)).fetch_all(&self.pool).await?;
        convert(rows)
    }
}

/// A state change that happened: the file and its job as the guarded UPDATEs returned them.
fn changed(file: FileRow, job: JobRow) -> Result<Transition, DbError> {
    Ok(Transition {
        changed: true,
        outcome: FileOutcome { file: UploadFile::try_from(file)?, job: UploadJob::try_from(job)? },
    })
}

impl SqlRepo {
    /// pending|uploading -> failed, counted once; with `expired_before`, only while the file's
    /// URL is still that old.
    async fn settle_as_failed(
        &self,
        id: Uuid,
        reason: &str,
        expired_before: Option<DateTime<Utc>>,
    ) -> Result<Option<Transition>, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let failed: Option<FileRow> = sqlx::query_as(&format!(
            "UPDATE upload_files SET status = 'failed', error = $2, updated_at = $3
             WHERE id = $1 AND status IN ('pending', 'uploading') AND ($4 IS NULL OR url_expires_at < $4)
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
        changed(file, job).map(Some)
    }

    /// The file and its job as they are now, after a state change (or a refusal to make one).
    async fn transition(&self, id: Uuid, changed: bool) -> Result<Option<Transition>, DbError> {
        let Some(file) = self.find_upload_file(id).await? else { return Ok(None) };
        let sql = format!("SELECT {JOB_COLUMNS} FROM upload_jobs WHERE id = $1");
        let job: JobRow = sqlx::query_as(&sql).bind(file.job_id).fetch_one(&self.pool).await?;
        Ok(Some(Transition { changed, outcome: FileOutcome { file, job: UploadJob::try_from(job)? } }))
    }
}
