//! The books `vitrine check` reads, in the SQL both databases speak. Compiled once per backend.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::server::db::rows::BATCH_ROWS;
use crate::server::db::{BooksRepo, DbError};

/// `(…)`: the values as bound parameters, for an `IN`.
fn push_list(sql: &mut sqlx::QueryBuilder<'_, Db>, values: &[String]) {
    sql.push("(");
    let mut list = sql.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
    sql.push(")");
}

#[async_trait]
impl BooksRepo for SqlRepo {
    async fn known_originals(&self, keys: &[String]) -> Result<HashSet<String>, DbError> {
        let mut known = HashSet::new();
        for chunk in keys.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new("SELECT object_key FROM media WHERE object_key IN ");
            push_list(&mut sql, chunk);
            sql.push(" UNION SELECT object_key FROM upload_files WHERE status IN ('pending', 'uploading') AND object_key IN ");
            push_list(&mut sql, chunk);
            let rows: Vec<(String,)> = sql.build_query_as().fetch_all(&self.pool).await?;
            known.extend(rows.into_iter().map(|(key,)| key));
        }
        Ok(known)
    }

    async fn media_keys_after(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<(Uuid, String, DateTime<Utc>)>, DbError> {
        let rows = sqlx::query_as(
            "SELECT id, object_key, created_at FROM media WHERE missing_at IS NULL AND ($1 IS NULL OR id > $1)
             ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    async fn tracked_multiparts(&self, upload_ids: &[String]) -> Result<HashSet<String>, DbError> {
        let mut tracked = HashSet::new();
        for chunk in upload_ids.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new(
                "SELECT multipart_upload_id FROM upload_files WHERE status IN ('pending', 'uploading') \
                 AND multipart_upload_id IN ",
            );
            push_list(&mut sql, chunk);
            let rows: Vec<(String,)> = sql.build_query_as().fetch_all(&self.pool).await?;
            tracked.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(tracked)
    }

    async fn mark_missing(&self, media_id: Uuid) -> Result<(), DbError> {
        sqlx::query("UPDATE media SET missing_at = $1 WHERE id = $2 AND missing_at IS NULL")
            .bind(self.now())
            .bind(media_id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }
}
