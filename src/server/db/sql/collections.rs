//! Collections, in the SQL both databases speak. Compiled once per backend. Every change a
//! public gallery shows bumps its `content_version` in the same transaction.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::collection::{Collection, CollectionSummary, MembershipChange};
use crate::model::media::{Media, MediaKind};
use crate::model::text::{Description, Title};
use crate::server::db::rows::{
    convert, corrupt, prefixed, push_ids, CollectionRow, CoverRow, MediaRow, BATCH_ROWS, COLLECTION_COLUMNS,
    MEDIA_COLUMNS,
};
use crate::server::db::{CollectionRepo, CoverCandidates, DbError, Missing, ReorderRefusal};

/// Marks the collection changed; touching its row first also locks it (Postgres), so
/// concurrent changes to one collection take turns. Whether it exists.
const TOUCH: &str =
    "UPDATE collections SET updated_at = $2, content_version = content_version + 1 WHERE id = $1 AND deleted_at IS NULL";

#[async_trait]
impl CollectionRepo for SqlRepo {
    async fn collection_exists(&self, id: Uuid) -> Result<bool, DbError> {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM collections WHERE id = $1 AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    async fn create_collection(
        &self,
        id: Uuid,
        title: &Title,
        slug: &str,
        description: &Description,
        created_by: Option<Uuid>,
    ) -> Result<Collection, DbError> {
        let row: CollectionRow = sqlx::query_as(&format!(
            "INSERT INTO collections (id, title, slug, description, published, created_at, updated_at, created_by)
             VALUES ($1, $2, $3, $4, FALSE, $5, $5, $6) RETURNING {COLLECTION_COLUMNS}"
        ))
        .bind(id)
        .bind(title.as_str())
        .bind(slug)
        .bind(description.as_str())
        .bind(self.now())
        .bind(created_by)
        .fetch_one(&mut *self.writer().await?)
        .await?;
        Ok(row.into())
    }

    async fn slugs_like(&self, base: &str, root: &str, owner: Option<Uuid>) -> Result<Vec<String>, DbError> {
        // Slugs hold only [a-z0-9-], so the pattern needs no escaping. Other collections' old
        // slugs count as taken: they still redirect there.
        Ok(sqlx::query_scalar(
            "SELECT slug FROM collections WHERE slug = $1 OR slug LIKE $2
             UNION SELECT old_slug FROM collection_slug_history
             WHERE (old_slug = $1 OR old_slug LIKE $2) AND ($3 IS NULL OR collection_id <> $3)",
        )
        .bind(base)
        .bind(format!("{root}-%"))
        .bind(owner)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn list_collections(&self) -> Result<Vec<CollectionSummary>, DbError> {
        self.summaries(false).await
    }

    async fn find_collection(&self, id: Uuid) -> Result<Option<Collection>, DbError> {
        let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE id = $1 AND deleted_at IS NULL");
        let row: Option<CollectionRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn find_collection_by_slug(&self, slug: &str) -> Result<Option<Collection>, DbError> {
        let sql = format!("SELECT {COLLECTION_COLUMNS} FROM collections WHERE slug = $1 AND deleted_at IS NULL");
        let row: Option<CollectionRow> = sqlx::query_as(&sql).bind(slug).fetch_optional(&self.pool).await?;
        Ok(row.map(Into::into))
    }

    async fn slug_redirect(&self, old_slug: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT c.slug FROM collection_slug_history h JOIN collections c ON c.id = h.collection_id
             WHERE h.old_slug = $1 AND c.deleted_at IS NULL",
        )
        .bind(old_slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn update_collection(
        &self,
        id: Uuid,
        title: &Title,
        description: &Description,
        new_slug: Option<&str>,
    ) -> Result<Option<Collection>, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT slug FROM collections WHERE id = $1 AND deleted_at IS NULL")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            tx.rollback().await?;
            return Ok(None);
        };
        let slug = match new_slug {
            Some(new) if new != current => {
                // The old slug keeps pointing here; its own old slug taken back is no longer history.
                sqlx::query(
                    "INSERT INTO collection_slug_history (old_slug, collection_id, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (old_slug) DO UPDATE SET collection_id = $2, created_at = $3",
                )
                .bind(&current)
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM collection_slug_history WHERE old_slug = $1")
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
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
        .bind(title.as_str())
        .bind(description.as_str())
        .bind(&slug)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.content_changed().await;
        Ok(Some(row.into()))
    }

    async fn add_to_collection(
        &self,
        id: Uuid,
        media_ids: &[Uuid],
    ) -> Result<Result<MembershipChange, Missing>, DbError> {
        let now = self.now();
        let mut wanted = Vec::with_capacity(media_ids.len());
        let mut seen = HashSet::with_capacity(media_ids.len());
        wanted.extend(media_ids.iter().copied().filter(|m| seen.insert(*m)));
        let mut tx = self.begin_write().await?;
        if sqlx::query(TOUCH).bind(id).bind(now).execute(&mut *tx).await?.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(Err(Missing::Collection));
        }
        let mut found = HashSet::with_capacity(wanted.len());
        for chunk in wanted.chunks(BATCH_ROWS) {
            let mut select = sqlx::QueryBuilder::<Db>::new("SELECT id FROM media WHERE deleted_at IS NULL AND id IN ");
            push_ids(&mut select, chunk);
            found.extend(select.build_query_scalar::<Uuid>().fetch_all(&mut *tx).await?);
        }
        if let Some(missing) = wanted.iter().find(|m| !found.contains(*m)) {
            tx.rollback().await?;
            return Ok(Err(Missing::Media(*missing)));
        }
        let next: i64 = sqlx::query_scalar::<Db, Option<i64>>(
            "SELECT CAST(MAX(display_order) AS BIGINT) + 1 FROM collection_media WHERE collection_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .unwrap_or(0);
        let mut changed = 0u64;
        for (chunk_index, chunk) in wanted.chunks(BATCH_ROWS).enumerate() {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO collection_media (collection_id, media_id, display_order, added_at) ",
            );
            let mut rows = Vec::with_capacity(chunk.len());
            for (i, media_id) in chunk.iter().enumerate() {
                let position = next + i64::try_from(chunk_index * BATCH_ROWS + i).map_err(corrupt)?;
                rows.push((*media_id, i32::try_from(position).map_err(corrupt)?));
            }
            insert.push_values(rows, |mut row, (media_id, position)| {
                row.push_bind(id).push_bind(media_id).push_bind(position).push_bind(now);
            });
            // Items already in the collection keep their place.
            insert.push(" ON CONFLICT DO NOTHING");
            changed += insert.build().execute(&mut *tx).await?.rows_affected();
        }
        let item_count = self.item_count(&mut tx, id).await?;
        tx.commit().await?;
        self.content_changed().await;
        Ok(Ok(MembershipChange { changed: u32::try_from(changed).unwrap_or(u32::MAX), item_count }))
    }

    async fn remove_from_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Option<MembershipChange>, DbError> {
        let mut tx = self.begin_write().await?;
        if sqlx::query(TOUCH).bind(id).bind(self.now()).execute(&mut *tx).await?.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut changed = 0u64;
        for chunk in media_ids.chunks(BATCH_ROWS) {
            let mut delete = sqlx::QueryBuilder::<Db>::new("DELETE FROM collection_media WHERE collection_id = ");
            delete.push_bind(id).push(" AND media_id IN ");
            push_ids(&mut delete, chunk);
            changed += delete.build().execute(&mut *tx).await?.rows_affected();
        }
        // A cover that left the collection: back to the default rule.
        sqlx::query(
            "UPDATE collections SET cover_media_id = NULL WHERE id = $1 AND cover_media_id IS NOT NULL
             AND cover_media_id NOT IN (SELECT media_id FROM collection_media WHERE collection_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let item_count = self.item_count(&mut tx, id).await?;
        tx.commit().await?;
        self.content_changed().await;
        Ok(Some(MembershipChange { changed: u32::try_from(changed).unwrap_or(u32::MAX), item_count }))
    }

    async fn collection_items(&self, id: Uuid) -> Result<Vec<Media>, DbError> {
        let columns = prefixed(MEDIA_COLUMNS, "m");
        let rows: Vec<MediaRow> = sqlx::query_as(&format!(
            "SELECT {columns} FROM collection_media cm JOIN media m ON m.id = cm.media_id
             WHERE cm.collection_id = $1 AND m.deleted_at IS NULL ORDER BY cm.display_order, cm.added_at, m.id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        convert(rows)
    }

    async fn reorder_collection(&self, id: Uuid, media_ids: &[Uuid]) -> Result<Result<(), ReorderRefusal>, DbError> {
        let mut tx = self.begin_write().await?;
        if sqlx::query(TOUCH).bind(id).bind(self.now()).execute(&mut *tx).await?.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(Err(ReorderRefusal::NoCollection));
        }
        // Every item, the trashed too: a trashed item keeps its slot among the others, so a
        // restore puts it back where it was even if the visible ones were reordered meanwhile.
        let slots: Vec<(Uuid, bool)> = sqlx::query_as(
            "SELECT cm.media_id, m.deleted_at IS NOT NULL FROM collection_media cm JOIN media m ON m.id = cm.media_id
             WHERE cm.collection_id = $1 ORDER BY cm.display_order, cm.added_at, m.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let held: Vec<&Uuid> = slots.iter().filter(|(_, trashed)| !trashed).map(|(media, _)| media).collect();
        let sent: HashSet<&Uuid> = media_ids.iter().collect();
        let held_set: HashSet<&Uuid> = held.iter().copied().collect();
        if sent.len() != media_ids.len() || sent != held_set {
            tx.rollback().await?;
            return Ok(Err(ReorderRefusal::NotAPermutation {
                sent: media_ids.len(),
                held: held.len(),
                duplicates: sent.len() != media_ids.len(),
            }));
        }
        let mut visible_in_new_order = media_ids.iter();
        let full_order: Vec<Uuid> = slots
            .iter()
            .map(|(media, trashed)| if *trashed { Some(*media) } else { visible_in_new_order.next().copied() })
            .collect::<Option<_>>()
            .ok_or_else(|| corrupt("a reorder with fewer ids than visible items"))?;
        // Every position in one statement per chunk: CASE media_id WHEN … THEN position … END.
        for (chunk_index, ids) in full_order.chunks(2000).enumerate() {
            let mut sql = sqlx::QueryBuilder::<Db>::new("UPDATE collection_media SET display_order = CASE media_id");
            for (i, media_id) in ids.iter().enumerate() {
                let position = i32::try_from(chunk_index * 2000 + i).map_err(corrupt)?;
                sql.push(" WHEN ").push_bind(*media_id).push(" THEN ").push_bind(position);
            }
            sql.push(" ELSE display_order END WHERE collection_id = ").push_bind(id);
            sql.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.content_changed().await;
        Ok(Ok(()))
    }

    async fn set_published(&self, id: Uuid, published: bool) -> Result<Option<Collection>, DbError> {
        let row: Option<CollectionRow> = sqlx::query_as(&format!(
            "UPDATE collections SET published = $2, updated_at = $3, content_version = content_version + 1
             WHERE id = $1 AND deleted_at IS NULL RETURNING {COLLECTION_COLUMNS}"
        ))
        .bind(id)
        .bind(published)
        .bind(self.now())
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        if row.is_some() {
            self.content_changed().await;
        }
        Ok(row.map(Into::into))
    }

    async fn set_allow_download(&self, id: Uuid, allowed: bool) -> Result<Option<Collection>, DbError> {
        let row: Option<CollectionRow> = sqlx::query_as(&format!(
            "UPDATE collections SET allow_download = $2, updated_at = $3, content_version = content_version + 1
             WHERE id = $1 AND deleted_at IS NULL RETURNING {COLLECTION_COLUMNS}"
        ))
        .bind(id)
        .bind(allowed)
        .bind(self.now())
        .fetch_optional(&mut *self.writer().await?)
        .await?;
        if row.is_some() {
            self.content_changed().await;
        }
        Ok(row.map(Into::into))
    }

    async fn set_cover(&self, id: Uuid, media_id: Option<Uuid>) -> Result<Result<Collection, Missing>, DbError> {
        let mut tx = self.begin_write().await?;
        if let Some(media_id) = media_id {
            let member: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM collection_media cm JOIN media m ON m.id = cm.media_id
                     WHERE cm.collection_id = $1 AND cm.media_id = $2 AND m.deleted_at IS NULL",
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
             WHERE id = $1 AND deleted_at IS NULL RETURNING {COLLECTION_COLUMNS}"
        ))
        .bind(id)
        .bind(media_id)
        .bind(self.now())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        self.content_changed().await;
        Ok(row.map(Into::into).ok_or(Missing::Collection))
    }

    async fn published_version(&self, slug: &str) -> Result<Option<i64>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT content_version FROM collections WHERE slug = $1 AND published = TRUE AND deleted_at IS NULL",
        )
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn list_published_collections(&self) -> Result<Vec<CoverCandidates>, DbError> {
        let summaries = self.summaries(true).await?;
        // What the cover rule chooses from: each collection's chosen cover and its first image.
        let columns = prefixed(MEDIA_COLUMNS, "m");
        let rows: Vec<CoverRow> = sqlx::query_as(&format!(
            "SELECT c.id AS collection_id, {columns} FROM collections c JOIN media m ON m.id = c.cover_media_id
             WHERE c.published = TRUE AND c.deleted_at IS NULL AND m.deleted_at IS NULL
             UNION ALL
             SELECT c.id AS collection_id, {columns} FROM collections c
             JOIN media m ON m.id = (SELECT cm.media_id FROM collection_media cm JOIN media i ON i.id = cm.media_id
                                     WHERE cm.collection_id = c.id AND i.content_type LIKE $1 AND i.deleted_at IS NULL
                                     ORDER BY cm.display_order, cm.added_at LIMIT 1)
             WHERE c.published = TRUE AND c.deleted_at IS NULL"
        ))
        .bind(format!("{}%", MediaKind::Image.mime_prefix()))
        .fetch_all(&self.pool)
        .await?;
        let mut candidates: HashMap<Uuid, Vec<Media>> = HashMap::new();
        for row in rows {
            candidates.entry(row.collection_id).or_default().push(Media::try_from(row.media)?);
        }
        Ok(summaries
            .into_iter()
            .map(|summary| {
                let candidates = candidates.remove(&summary.collection.id).unwrap_or_default();
                CoverCandidates { summary, candidates }
            })
            .collect())
    }
}
