//! Tags, in the SQL both databases speak. Compiled once per backend. A name's key (lower
//! case, made in Rust so both databases agree) is what makes it one tag.

use std::collections::HashSet;

use async_trait::async_trait;
use uuid::Uuid;

use super::{Db, SqlRepo};
use crate::model::tag::{Tag, TagName, Tagging};
use crate::server::db::rows::{push_ids, to_u32, BATCH_ROWS};
use crate::server::db::{DbError, RenameRefusal, TagRepo};

/// A tag's columns with its count of items outside the trash (tag alias `t`).
const TAG_WITH_COUNT: &str = "t.id, t.name, (SELECT COUNT(*) FROM media_tags mt JOIN media m ON m.id = mt.media_id
     WHERE mt.tag_id = t.id AND m.deleted_at IS NULL) AS item_count";

#[derive(sqlx::FromRow)]
struct TagRow {
    id: Uuid,
    name: String,
    item_count: i64,
}

impl From<TagRow> for Tag {
    fn from(row: TagRow) -> Tag {
        Tag { id: row.id, name: row.name, item_count: to_u32(row.item_count) }
    }
}

/// `($1, $2, …)`: the names' keys as bound values, for an `IN`.
fn push_keys(sql: &mut sqlx::QueryBuilder<'_, Db>, names: &[TagName]) {
    sql.push("(");
    let mut list = sql.separated(", ");
    for name in names {
        list.push_bind(name.key());
    }
    sql.push(")");
}

impl SqlRepo {
    async fn find_tag(&self, id: Uuid) -> Result<Option<Tag>, DbError> {
        let row: Option<TagRow> = sqlx::query_as(&format!("SELECT {TAG_WITH_COUNT} FROM tags t WHERE t.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }
}

#[async_trait]
impl TagRepo for SqlRepo {
    async fn list_tags(&self) -> Result<Vec<Tag>, DbError> {
        let rows: Vec<TagRow> = sqlx::query_as(&format!("SELECT {TAG_WITH_COUNT} FROM tags t ORDER BY t.name_key"))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn tag_media(&self, ids: &[Uuid], add: &[TagName], remove: &[TagName]) -> Result<Tagging, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let mut live = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut select = sqlx::QueryBuilder::<Db>::new("SELECT id FROM media WHERE deleted_at IS NULL AND id IN ");
            push_ids(&mut select, chunk);
            live.extend(select.build_query_scalar::<Uuid>().fetch_all(&mut *tx).await?);
        }
        let mut tagging = Tagging::default();
        if live.is_empty() {
            tx.rollback().await?;
            return Ok(tagging);
        }
        if !add.is_empty() {
            let mut insert = sqlx::QueryBuilder::<Db>::new("INSERT INTO tags (id, name, name_key, created_at) ");
            insert.push_values(add, |mut row, name| {
                row.push_bind(Uuid::new_v4()).push_bind(name.as_str()).push_bind(name.key()).push_bind(now);
            });
            insert.push(" ON CONFLICT (name_key) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
            let mut select = sqlx::QueryBuilder::<Db>::new("SELECT id FROM tags WHERE name_key IN ");
            push_keys(&mut select, add);
            let tag_ids: Vec<Uuid> = select.build_query_scalar().fetch_all(&mut *tx).await?;
            let pairs: Vec<(Uuid, Uuid)> =
                live.iter().flat_map(|media| tag_ids.iter().map(move |tag| (*media, *tag))).collect();
            let mut added = 0u64;
            for chunk in pairs.chunks(BATCH_ROWS) {
                let mut insert = sqlx::QueryBuilder::<Db>::new("INSERT INTO media_tags (media_id, tag_id) ");
                insert.push_values(chunk, |mut row, (media, tag)| {
                    row.push_bind(*media).push_bind(*tag);
                });
                insert.push(" ON CONFLICT DO NOTHING");
                added += insert.build().execute(&mut *tx).await?.rows_affected();
            }
            tagging.added = u32::try_from(added).unwrap_or(u32::MAX);
        }
        if !remove.is_empty() {
            let mut removed = 0u64;
            for chunk in live.chunks(BATCH_ROWS) {
                let mut delete = sqlx::QueryBuilder::<Db>::new("DELETE FROM media_tags WHERE media_id IN ");
                push_ids(&mut delete, chunk);
                delete.push(" AND tag_id IN (SELECT id FROM tags WHERE name_key IN ");
                push_keys(&mut delete, remove);
                delete.push(")");
                removed += delete.build().execute(&mut *tx).await?.rows_affected();
            }
            tagging.removed = u32::try_from(removed).unwrap_or(u32::MAX);
        }
        self.refresh_search(&mut tx, &live).await?;
        tx.commit().await?;
        Ok(tagging)
    }

    async fn tags_of(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>, DbError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new(
                "SELECT mt.media_id, t.name FROM media_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.media_id IN ",
            );
            push_ids(&mut sql, chunk);
            sql.push(" ORDER BY t.name_key");
            found.extend(sql.build_query_as::<(Uuid, String)>().fetch_all(&self.pool).await?);
        }
        Ok(found)
    }

    async fn rename_tag(&self, id: Uuid, name: &TagName) -> Result<Result<Tag, RenameRefusal>, DbError> {
        let mut tx = self.begin_write().await?;
        let other: Option<Uuid> = sqlx::query_scalar("SELECT id FROM tags WHERE name_key = $1 AND id <> $2")
            .bind(name.key())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(other) = other {
            tx.rollback().await?;
            return Ok(Err(RenameRefusal::Taken(other)));
        }
        let renamed = sqlx::query("UPDATE tags SET name = $2, name_key = $3 WHERE id = $1")
            .bind(id)
            .bind(name.as_str())
            .bind(name.key())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if renamed != 1 {
            tx.rollback().await?;
            return Ok(Err(RenameRefusal::NoTag));
        }
        let items: Vec<Uuid> = sqlx::query_scalar("SELECT media_id FROM media_tags WHERE tag_id = $1")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        self.refresh_search(&mut tx, &items).await?;
        tx.commit().await?;
        Ok(self.find_tag(id).await?.ok_or(RenameRefusal::NoTag))
    }

    async fn merge_tags(&self, from: &[Uuid], into: Uuid) -> Result<Option<Tag>, DbError> {
        let from: Vec<Uuid> =
            from.iter().copied().filter(|id| *id != into).collect::<HashSet<_>>().into_iter().collect();
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM tags WHERE id = $1").bind(into).fetch_optional(&mut *tx).await?;
        if exists.is_none() {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut items = Vec::new();
        for chunk in from.chunks(BATCH_ROWS) {
            let mut moved =
                sqlx::QueryBuilder::<Db>::new("INSERT INTO media_tags (media_id, tag_id) SELECT media_id, ");
            moved.push_bind(into).push(" FROM media_tags WHERE tag_id IN ");
            push_ids(&mut moved, chunk);
            moved.push(" ON CONFLICT DO NOTHING");
            moved.build().execute(&mut *tx).await?;
            let mut delete = sqlx::QueryBuilder::<Db>::new("DELETE FROM tags WHERE id IN ");
            push_ids(&mut delete, chunk);
            delete.build().execute(&mut *tx).await?;
        }
        items.extend(
            sqlx::query_scalar::<Db, Uuid>("SELECT media_id FROM media_tags WHERE tag_id = $1")
                .bind(into)
                .fetch_all(&mut *tx)
                .await?,
        );
        self.refresh_search(&mut tx, &items).await?;
        tx.commit().await?;
        self.find_tag(into).await
    }
}
