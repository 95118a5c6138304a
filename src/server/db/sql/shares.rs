//! Share links, in the SQL both databases speak. Compiled once per backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::media::Media;
use crate::server::db::rows::{prefixed, push_ids, to_u32, MediaRow, BATCH_ROWS, MEDIA_COLUMNS};
use crate::server::db::{DbError, InboxRecord, PasswordChange, ShareFields, ShareRecord, ShareRepo};

const SHARE_COLUMNS: &str = "s.id, s.collection_id, s.token, s.label, s.expires_at, s.password_hash, s.allow_download,
     s.allow_upload, s.max_files, s.max_bytes, s.view_count, s.created_at, s.revoked_at, s.guest_user_id";

#[derive(sqlx::FromRow)]
struct ShareRow {
    id: Uuid,
    collection_id: Uuid,
    token: String,
    label: String,
    expires_at: Option<DateTime<Utc>>,
    password_hash: Option<String>,
    allow_download: bool,
    allow_upload: bool,
    max_files: Option<i64>,
    max_bytes: Option<i64>,
    view_count: i64,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    guest_user_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct InboxRow {
    #[sqlx(flatten)]
    media: MediaRow,
    share_id: Uuid,
    share_label: String,
    share_collection_id: Uuid,
    received_at: DateTime<Utc>,
}

impl From<ShareRow> for ShareRecord {
    fn from(row: ShareRow) -> ShareRecord {
        ShareRecord {
            id: row.id,
            collection_id: row.collection_id,
            token: row.token,
            label: row.label,
            expires_at: row.expires_at,
            password_hash: row.password_hash,
            allow_download: row.allow_download,
            allow_upload: row.allow_upload,
            max_files: row.max_files.map(to_u32),
            max_bytes: row.max_bytes.map(|n| n.max(0) as u64),
            view_count: row.view_count.max(0) as u64,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
            guest_user_id: row.guest_user_id,
        }
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl SqlRepo {
    async fn share_where(&self, condition: &str, value: impl ToString) -> Result<Option<ShareRecord>, DbError> {
        let row: Option<ShareRow> = sqlx::query_as(&format!(
            "SELECT {SHARE_COLUMNS} FROM share_links s JOIN collections c ON c.id = s.collection_id
             WHERE {condition} AND c.deleted_at IS NULL"
        ))
        .bind(value.to_string())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }
}

#[async_trait]
impl ShareRepo for SqlRepo {
    async fn create_share(
        &self,
        id: Uuid,
        collection_id: Uuid,
        token: &str,
        fields: &ShareFields,
        password_hash: Option<&str>,
        created_by: Option<Uuid>,
    ) -> Result<Option<ShareRecord>, DbError> {
        let row: Option<ShareRow> = sqlx::query_as(&format!(
            "INSERT INTO share_links (id, collection_id, token, label, expires_at, password_hash, allow_download,
                 allow_upload, max_files, max_bytes, created_by, created_at)
             SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM collections c
             WHERE c.id = $2 AND c.deleted_at IS NULL
             RETURNING {}",
            SHARE_COLUMNS.replace("s.", "")
        ))
        .bind(id)
        .bind(collection_id)
        .bind(token)
        .bind(&fields.label)
        .bind(fields.expires_at)
        .bind(password_hash)
        .bind(fields.allow_download)
        .bind(fields.allow_upload)
        .bind(fields.max_files.map(i64::from))
        .bind(fields.max_bytes.map(to_i64))
        .bind(created_by)
        .bind(self.now())
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn list_shares(&self, collection_id: Uuid) -> Result<Vec<ShareRecord>, DbError> {
        let rows: Vec<ShareRow> = sqlx::query_as(&format!(
            "SELECT {SHARE_COLUMNS} FROM share_links s WHERE s.collection_id = $1 ORDER BY s.created_at, s.id"
        ))
        .bind(collection_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn find_share(&self, id: Uuid) -> Result<Option<ShareRecord>, DbError> {
        let row: Option<ShareRow> =
            sqlx::query_as(&format!("SELECT {SHARE_COLUMNS} FROM share_links s WHERE s.id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(Into::into))
    }

    async fn find_share_by_token(&self, token: &str) -> Result<Option<ShareRecord>, DbError> {
        self.share_where("s.token = $1", token).await
    }

    async fn update_share(
        &self,
        id: Uuid,
        fields: &ShareFields,
        password: &PasswordChange,
    ) -> Result<Option<ShareRecord>, DbError> {
        let (set_password, hash) = match password {
            PasswordChange::Keep => (false, None),
            PasswordChange::Set(hash) => (true, Some(hash.as_str())),
            PasswordChange::Remove => (true, None),
        };
        let row: Option<ShareRow> = sqlx::query_as(&format!(
            "UPDATE share_links SET label = $2, expires_at = $3, allow_download = $4, allow_upload = $5,
                 max_files = $6, max_bytes = $7,
                 password_hash = CASE WHEN $8 THEN $9 ELSE password_hash END
             WHERE id = $1 RETURNING {}",
            SHARE_COLUMNS.replace("s.", "")
        ))
        .bind(id)
        .bind(&fields.label)
        .bind(fields.expires_at)
        .bind(fields.allow_download)
        .bind(fields.allow_upload)
        .bind(fields.max_files.map(i64::from))
        .bind(fields.max_bytes.map(to_i64))
        .bind(set_password)
        .bind(hash)
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn revoke_share(&self, id: Uuid) -> Result<Option<ShareRecord>, DbError> {
        let row: Option<ShareRow> = sqlx::query_as(&format!(
            "UPDATE share_links SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING {}",
            SHARE_COLUMNS.replace("s.", "")
        ))
        .bind(id)
        .bind(self.now())
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        Ok(row.map(Into::into))
    }

    async fn count_share_view(&self, token: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE share_links SET view_count = view_count + 1 WHERE token = $1")
            .bind(token)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    async fn guest_of_share(
        &self,
        id: Uuid,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<Option<Uuid>, DbError> {
        if let Some(link) = self.find_share(id).await? {
            if link.guest_user_id.is_some() {
                return Ok(link.guest_user_id);
            }
        } else {
            return Ok(None);
        }
        let now = self.now();
        let mut tx = self.begin_write().await?;
        // Locks the link's row (PostgreSQL) so two first uploads make one guest.
        let current: Option<Option<Uuid>> =
            sqlx::query_scalar("UPDATE share_links SET view_count = view_count WHERE id = $1 RETURNING guest_user_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let guest = match current {
            None => None,
            Some(Some(existing)) => Some(existing),
            Some(None) => {
                let guest = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO users (id, email, password_hash, display_name, role, created_at, disabled_at, is_guest)
                     VALUES ($1, $2, $3, $4, 'viewer', $5, $5, TRUE)",
                )
                .bind(guest)
                .bind(email)
                .bind(password_hash)
                .bind(display_name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE share_links SET guest_user_id = $2 WHERE id = $1")
                    .bind(id)
                    .bind(guest)
                    .execute(&mut *tx)
                    .await?;
                Some(guest)
            }
        };
        tx.commit().await?;
        Ok(guest)
    }

    async fn guest_upload_totals(&self, guest_user_id: Uuid) -> Result<(u32, u64), DbError> {
        let (files, bytes): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(f.size_bytes) AS BIGINT) FROM upload_files f
             JOIN upload_jobs j ON j.id = f.job_id WHERE j.created_by = $1",
        )
        .bind(guest_user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((to_u32(files), bytes.unwrap_or(0).max(0) as u64))
    }

    async fn inbox(&self, collection_id: Option<Uuid>) -> Result<Vec<InboxRecord>, DbError> {
        let rows: Vec<InboxRow> = sqlx::query_as(&format!(
            "SELECT {}, s.id AS share_id, s.label AS share_label, s.collection_id AS share_collection_id,
                 m.deleted_at AS received_at
             FROM media m JOIN share_links s ON s.id = m.inbox_share_id
             WHERE ($1 IS NULL OR s.collection_id = $1) ORDER BY m.deleted_at, m.id",
            prefixed(MEDIA_COLUMNS, "m")
        ))
        .bind(collection_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(InboxRecord {
                    media: Media::try_from(row.media)?,
                    share_id: row.share_id,
                    share_label: row.share_label,
                    collection_id: row.share_collection_id,
                    received_at: row.received_at,
                })
            })
            .collect()
    }

    async fn inbox_media(&self, ids: &[Uuid]) -> Result<Vec<Media>, DbError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new(format!(
                "SELECT {MEDIA_COLUMNS} FROM media WHERE inbox_share_id IS NOT NULL AND id IN "
            ));
            push_ids(&mut sql, chunk);
            let rows: Vec<MediaRow> = sql.build_query_as().fetch_all(&self.pool).await?;
            for row in rows {
                found.push(Media::try_from(row)?);
            }
        }
        Ok(found)
    }

    async fn accept_inbox(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
        let mut accepted = Vec::with_capacity(ids.len());
        for id in ids {
            let now = self.now();
            let mut tx = self.begin_write().await?;
            let collection: Option<Uuid> = sqlx::query_scalar(
                "SELECT s.collection_id FROM media m JOIN share_links s ON s.id = m.inbox_share_id
                 JOIN collections c ON c.id = s.collection_id
                 WHERE m.id = $1 AND c.deleted_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(collection) = collection else {
                tx.rollback().await?;
                continue;
            };
            let moved = sqlx::query(
                "UPDATE media SET inbox_share_id = NULL, deleted_at = NULL WHERE id = $1 AND inbox_share_id IS NOT NULL",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() != 1 {
                tx.rollback().await?;
                continue;
            }
            // Touching the collection first locks its row (PostgreSQL), so concurrent additions
            // take turns and never share a place.
            sqlx::query("UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1")
                .bind(collection)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO collection_media (collection_id, media_id, display_order, added_at)
                 SELECT $1, $2, COALESCE(CAST(MAX(display_order) AS BIGINT), -1) + 1, $3
                 FROM collection_media WHERE collection_id = $1",
            )
            .bind(collection)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            accepted.push(*id);
        }
        if !accepted.is_empty() {
            self.content_changed().await;
        }
        Ok(accepted)
    }
}
