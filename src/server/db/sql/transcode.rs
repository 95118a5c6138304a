//! The transcode queue, in the SQL both databases speak. Compiled once per backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::ObjectKey;
use crate::server::db::rows::{corrupt, to_u32, BUMP_COLLECTIONS_OF_MEDIA};
use crate::server::db::{DbError, TranscodeClaim, TranscodeJob, TranscodeRepo};

#[async_trait]
impl TranscodeRepo for SqlRepo {
    async fn enqueue_transcode(&self, media_id: Uuid) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO transcode_jobs (media_id, status, attempts, updated_at) VALUES ($1, 'pending', 0, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(media_id)
        .bind(self.now())
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(())
    }

    async fn claim_transcode(
        &self,
        stale_before: DateTime<Utc>,
        max_attempts: u32,
    ) -> Result<Option<TranscodeClaim>, DbError> {
        let now = self.now();
        let max_attempts = i32::try_from(max_attempts).map_err(corrupt)?;
        sqlx::query(
            "UPDATE transcode_jobs SET status = 'failed', updated_at = $1,
                 error = 'the transcode stopped without finishing on every attempt'
             WHERE status = 'running' AND updated_at < $2 AND attempts >= $3",
        )
        .bind(now)
        .bind(stale_before)
        .bind(max_attempts)
        .execute(&mut *self.writer().await?)
        .await?;
        // The inner SELECT picks a candidate; the outer WHERE re-checks it, so of two
        // instances picking the same row only one update changes it.
        let claimable = "(status = 'pending' OR (status = 'running' AND updated_at < $2)) AND attempts < $3";
        let claimed: Option<(Uuid, i32)> = sqlx::query_as::<Db, (Uuid, i32)>(&format!(
            "UPDATE transcode_jobs SET status = 'running', attempts = attempts + 1, updated_at = $1
             WHERE media_id = (SELECT media_id FROM transcode_jobs WHERE {claimable} ORDER BY updated_at LIMIT 1)
               AND {claimable}
             RETURNING media_id, attempts"
        ))
        .bind(now)
        .bind(stale_before)
        .bind(max_attempts)
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(claimed.map(|(media_id, attempt)| TranscodeClaim { media_id, attempt: to_u32(attempt.into()) }))
    }

    async fn finish_transcode(
        &self,
        claim: TranscodeClaim,
        outcome: Result<&ObjectKey, &str>,
    ) -> Result<bool, DbError> {
        let mut tx = self.begin_write().await?;
        let (status, error) = match outcome {
            Ok(_) => ("done", None),
            Err(error) => ("failed", Some(error)),
        };
        let finished = sqlx::query(
            "UPDATE transcode_jobs SET status = $2, error = $3, updated_at = $4
             WHERE media_id = $1 AND status = 'running' AND attempts = $5",
        )
        .bind(claim.media_id)
        .bind(status)
        .bind(error)
        .bind(self.now())
        .bind(i32::try_from(claim.attempt).map_err(corrupt)?)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !finished {
            tx.rollback().await?;
            return Ok(false);
        }
        if let Ok(hls_key) = outcome {
            sqlx::query("UPDATE media SET hls_key = $2 WHERE id = $1")
                .bind(claim.media_id)
                .bind(hls_key.as_str())
                .execute(&mut *tx)
                .await?;
            // Galleries showing the video now offer its renditions.
            sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(claim.media_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if outcome.is_ok() {
            self.content_changed().await;
        }
        Ok(true)
    }

    async fn transcode_job(&self, media_id: Uuid) -> Result<Option<TranscodeJob>, DbError> {
        let row: Option<(String, i32, Option<String>)> =
            sqlx::query_as("SELECT status, attempts, error FROM transcode_jobs WHERE media_id = $1")
                .bind(media_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(status, attempts, error)| TranscodeJob { status, attempts: to_u32(attempts.into()), error }))
    }
}
