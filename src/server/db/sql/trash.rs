//! The trash, in the SQL both databases speak. Compiled once per backend. A trashed row is
//! only marked (`deleted_at`), so its memberships, places and tags are still there when it is
//! restored; and collections' item counts, here for both the live and the trashed ones, count
//! only what is outside the trash.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::collection::CollectionSummary;
use crate::model::media::Media;
use crate::model::trash::Trashed;
use crate::model::ObjectKey;
use crate::server::db::rows::{
    corrupt, prefixed, push_ids, to_u32, CollectionRow, MediaRow, WriteTx, BATCH_ROWS, COLLECTION_COLUMNS,
    MEDIA_COLUMNS,
};
use crate::server::db::{DbError, TrashRepo, TrashScope};

/// How many of collection `collection`'s items (an SQL expression) are outside the trash.
fn item_count_of(collection: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM collection_media cm JOIN media i ON i.id = cm.media_id
         WHERE cm.collection_id = {collection} AND i.deleted_at IS NULL"
    )
}

#[derive(sqlx::FromRow)]
struct TrashedMediaRow {
    #[sqlx(flatten)]
    media: MediaRow,
    deleted_at: Option<DateTime<Utc>>,
    deleted_by: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    collection: CollectionRow,
    item_count: i64,
    deleted_at: Option<DateTime<Utc>>,
    deleted_by: Option<Uuid>,
}

fn trashed<T>(item: T, deleted_at: Option<DateTime<Utc>>, deleted_by: Option<Uuid>) -> Result<Trashed<T>, DbError> {
    let deleted_at = deleted_at.ok_or_else(|| corrupt("a trashed row without deleted_at"))?;
    Ok(Trashed { item, deleted_at, deleted_by })
}

/// ` AND <column> IN (…)` / ` AND deleted_at < …` and the order of a trash listing.
fn push_scope(sql: &mut sqlx::QueryBuilder<'_, Db>, scope: TrashScope<'_>, alias: &str, limit: u32) {
    match scope {
        TrashScope::All => {}
        TrashScope::Ids(ids) => {
            sql.push(format!(" AND {alias}.id IN "));
            push_ids(sql, ids);
        }
        TrashScope::DeletedBefore(cutoff) => {
            sql.push(format!(" AND {alias}.deleted_at < ")).push_bind(cutoff);
        }
    }
    sql.push(match scope {
        TrashScope::DeletedBefore(_) => format!(" ORDER BY {alias}.deleted_at, {alias}.id"),
        _ => format!(" ORDER BY {alias}.deleted_at DESC, {alias}.id DESC"),
    });
    sql.push(" LIMIT ").push_bind(i64::from(limit));
}

impl SqlRepo {
    /// Moves media in or out of the trash; every collection holding one changes version.
    async fn set_media_trashed(
        &self,
        ids: &[Uuid],
        deleted: Option<(DateTime<Utc>, Option<Uuid>)>,
    ) -> Result<Vec<Uuid>, DbError> {
        let mut changed = Vec::with_capacity(ids.len());
        let mut tx = self.begin_write().await?;
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new("UPDATE media SET deleted_at = ");
            let (at, by) = deleted.unzip();
            sql.push_bind(at).push(", deleted_by = ").push_bind(by.flatten());
            // An inbox item (also outside the library) is neither trashed nor restored here.
            sql.push(if deleted.is_some() { " WHERE deleted_at IS NULL" } else { " WHERE deleted_at IS NOT NULL" });
            sql.push(" AND inbox_share_id IS NULL");
            sql.push(" AND id IN ");
            push_ids(&mut sql, chunk);
            sql.push(" RETURNING id");
            let moved: Vec<Uuid> = sql.build_query_scalar().fetch_all(&mut *tx).await?;
            if !moved.is_empty() {
                let mut bump = sqlx::QueryBuilder::<Db>::new(
                    "UPDATE collections SET content_version = content_version + 1
                     WHERE id IN (SELECT collection_id FROM collection_media WHERE media_id IN ",
                );
                push_ids(&mut bump, &moved);
                bump.push(")");
                bump.build().execute(&mut *tx).await?;
            }
            changed.extend(moved);
        }
        tx.commit().await?;
        if !changed.is_empty() {
            self.content_changed().await;
        }
        Ok(changed)
    }

    async fn set_collection_trashed(
        &self,
        id: Uuid,
        deleted: Option<(DateTime<Utc>, Option<Uuid>)>,
    ) -> Result<bool, DbError> {
        let (at, by) = deleted.unzip();
        let guard = if deleted.is_some() { "deleted_at IS NULL" } else { "deleted_at IS NOT NULL" };
        let moved = sqlx::query(&format!(
            "UPDATE collections SET deleted_at = $2, deleted_by = $3, updated_at = $4,
                 content_version = content_version + 1
             WHERE id = $1 AND {guard}"
        ))
        .bind(id)
        .bind(at)
        .bind(by.flatten())
        .bind(self.now())
        .execute(&mut *self.writer().await?)
        .await?
        .rows_affected()
            == 1;
        if moved {
            self.content_changed().await;
        }
        Ok(moved)
    }

    /// Collections (all, or only published ones) outside the trash, newest first, with their
    /// item counts.
    pub(super) async fn summaries(&self, published_only: bool) -> Result<Vec<CollectionSummary>, DbError> {
        let columns = prefixed(COLLECTION_COLUMNS, "c");
        let filter = if published_only { "AND c.published = TRUE" } else { "" };
        let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
            "SELECT {columns}, ({}) AS item_count, c.deleted_at, c.deleted_by
             FROM collections c WHERE c.deleted_at IS NULL {filter} ORDER BY c.created_at DESC, c.id DESC",
            item_count_of("c.id")
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| CollectionSummary { collection: row.collection.into(), item_count: to_u32(row.item_count) })
            .collect())
    }

    pub(super) async fn item_count(&self, tx: &mut WriteTx<'_, Db>, id: Uuid) -> Result<u32, DbError> {
        let count: i64 = sqlx::query_scalar(&item_count_of("$1")).bind(id).fetch_one(&mut **tx).await?;
        Ok(to_u32(count))
    }
}

#[async_trait]
impl TrashRepo for SqlRepo {
    async fn trash_media(&self, ids: &[Uuid], by: Option<Uuid>) -> Result<Vec<Uuid>, DbError> {
        self.set_media_trashed(ids, Some((self.now(), by))).await
    }

    async fn restore_media(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
        self.set_media_trashed(ids, None).await
    }

    async fn trash_collection(&self, id: Uuid, by: Option<Uuid>) -> Result<bool, DbError> {
        self.set_collection_trashed(id, Some((self.now(), by))).await
    }

    async fn restore_collection(&self, id: Uuid) -> Result<bool, DbError> {
        self.set_collection_trashed(id, None).await
    }

    async fn trashed_media(&self, scope: TrashScope<'_>, limit: u32) -> Result<Vec<Trashed<Media>>, DbError> {
        let columns = prefixed(MEDIA_COLUMNS, "m");
        let mut sql = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {columns}, m.deleted_at, m.deleted_by FROM media m
             WHERE m.deleted_at IS NOT NULL AND m.inbox_share_id IS NULL"
        ));
        push_scope(&mut sql, scope, "m", limit);
        let rows: Vec<TrashedMediaRow> = sql.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(|row| trashed(Media::try_from(row.media)?, row.deleted_at, row.deleted_by)).collect()
    }

    async fn trashed_collections(
        &self,
        scope: TrashScope<'_>,
        limit: u32,
    ) -> Result<Vec<Trashed<CollectionSummary>>, DbError> {
        let columns = prefixed(COLLECTION_COLUMNS, "c");
        let mut sql = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {columns}, ({}) AS item_count, c.deleted_at, c.deleted_by
             FROM collections c WHERE c.deleted_at IS NOT NULL",
            item_count_of("c.id")
        ));
        push_scope(&mut sql, scope, "c", limit);
        let rows: Vec<SummaryRow> = sql.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|row| {
                let summary =
                    CollectionSummary { collection: row.collection.into(), item_count: to_u32(row.item_count) };
                trashed(summary, row.deleted_at, row.deleted_by)
            })
            .collect()
    }

    async fn trashed_originals(&self) -> Result<Vec<ObjectKey>, DbError> {
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT object_key FROM media WHERE deleted_at IS NOT NULL AND inbox_share_id IS NULL")
                .fetch_all(&self.pool)
                .await?;
        keys.iter().map(|key| ObjectKey::parse(key).map_err(corrupt)).collect()
    }

    async fn purge_media(&self, id: Uuid) -> Result<bool, DbError> {
        let purged = sqlx::query("DELETE FROM media WHERE id = $1 AND deleted_at IS NOT NULL")
            .bind(id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(purged.rows_affected() == 1)
    }

    async fn purge_collection(&self, id: Uuid) -> Result<bool, DbError> {
        let purged = sqlx::query("DELETE FROM collections WHERE id = $1 AND deleted_at IS NOT NULL")
            .bind(id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(purged.rows_affected() == 1)
    }
}
