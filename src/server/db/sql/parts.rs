//! Parts of multipart uploads, in the SQL both databases speak. Compiled once per backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::upload::{UploadFile, UploadPart};
use crate::server::db::rows::{convert, corrupt, prefixed, to_i64, FileRow, PartRow, BATCH_ROWS, FILE_COLUMNS};
use crate::server::db::{DbError, PartRepo};

#[async_trait]
impl PartRepo for SqlRepo {
    async fn extend_upload_file(&self, id: Uuid, until: DateTime<Utc>) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE upload_files SET url_expires_at = $2
             WHERE id = $1 AND status IN ('pending', 'uploading') AND url_expires_at < $2",
        )
        .bind(id)
        .bind(until)
        .execute(&mut *self.writer().await?)
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
        let rows: Vec<FileRow> = sqlx::query_as(&sql).bind(user_id).fetch_all(&self.pool).await?;
        convert(rows)
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
        .bind(self.now())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    async fn replace_parts(&self, file_id: Uuid, parts: &[UploadPart]) -> Result<(), DbError> {
        let now = self.now();
        let mut rows = Vec::with_capacity(parts.len());
        for part in parts {
            rows.push((i32::try_from(part.number).map_err(corrupt)?, part.etag.as_str(), to_i64(part.size)?));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM upload_parts WHERE file_id = $1").bind(file_id).execute(&mut *tx).await?;
        for chunk in rows.chunks(BATCH_ROWS) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO upload_parts (file_id, part_number, etag, size_bytes, created_at) ",
            );
            insert.push_values(chunk, |mut row, (number, etag, size)| {
                row.push_bind(file_id).push_bind(*number).push_bind(*etag).push_bind(*size).push_bind(now);
            });
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn recorded_parts(&self, file_id: Uuid) -> Result<Vec<UploadPart>, DbError> {
        let rows: Vec<PartRow> = sqlx::query_as(
            "SELECT part_number, etag, size_bytes FROM upload_parts WHERE file_id = $1 ORDER BY part_number",
        )
        .bind(file_id)
        .fetch_all(&self.pool)
        .await?;
        convert(rows)
    }
}
