//! The library's items, in the SQL both databases speak. Compiled once per backend.

use std::collections::HashMap;

use async_trait::async_trait;
use uuid::Uuid;

use super::{search, Db, SqlRepo};
use crate::model::focus::FocalPoint;
use crate::model::media::{sort_name, CollectionRef, Media, MediaQuery, MediaSort};
use crate::model::photo::PhotoFacts;
use crate::model::search::{SearchDocument, SearchTerms};
use crate::model::text::{AltText, Title};
use crate::model::ContentType;
use crate::model::ObjectKey;
use crate::server::db::rows::{
    prefixed, push_ids, to_i32, to_i64, MediaRow, WriteTx, BATCH_ROWS, BUMP_COLLECTIONS_OF_MEDIA, MEDIA_COLUMNS,
};
use crate::server::db::{DbError, MediaRepo};

#[derive(sqlx::FromRow)]
struct DuplicateRow {
    #[sqlx(flatten)]
    media: MediaRow,
    content_sha256: String,
}

#[derive(sqlx::FromRow)]
struct RankedRow {
    #[sqlx(flatten)]
    media: MediaRow,
    search_rank: i32,
}

fn ranked(rows: Vec<RankedRow>) -> Result<Vec<(Media, u8)>, DbError> {
    rows.into_iter()
        .map(|row| Ok((Media::try_from(row.media)?, u8::try_from(row.search_rank).unwrap_or(u8::MAX))))
        .collect()
}

/// ` AND` the query's kind, uploader and tags, on the media columns of `alias` (`""` or `"m."`).
pub(super) fn push_filters(sql: &mut sqlx::QueryBuilder<'_, Db>, query: &MediaQuery, alias: &str) {
    if let Some(kind) = query.kind {
        sql.push(format!(" AND {alias}content_type LIKE ")).push_bind(format!("{}%", kind.mime_prefix()));
    }
    if let Some(uploader) = query.uploader {
        sql.push(format!(" AND {alias}created_by = ")).push_bind(uploader);
    }
    if !query.tags.is_empty() {
        // Items carrying every one of the tags: the first tag's items joined to each other
        // tag's, all read from (tag_id, media_id) in media_id order, so PostgreSQL merges the
        // lists (4× faster at a million items than grouping and counting them) and SQLite
        // probes the index per item. A tag nobody has is no id, and matches nothing.
        let keys: std::collections::BTreeSet<String> = query.tags.iter().map(|t| t.to_lowercase()).collect();
        let mut keys = keys.into_iter();
        let first = keys.next().unwrap_or_default();
        sql.push(format!(" AND {alias}id IN (SELECT t0.media_id FROM media_tags t0"));
        for (i, key) in (1..).zip(keys) {
            sql.push(format!(" JOIN media_tags t{i} ON t{i}.media_id = t0.media_id AND t{i}.tag_id = "));
            sql.push("(SELECT id FROM tags WHERE name_key = ").push_bind(key).push(")");
        }
        sql.push(" WHERE t0.tag_id = (SELECT id FROM tags WHERE name_key = ").push_bind(first).push("))");
    }
}

#[async_trait]
impl MediaRepo for SqlRepo {
    async fn list_media_ranked(&self, query: &MediaQuery, limit: u32) -> Result<Vec<(Media, u8)>, DbError> {
        let terms = match query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // A search of punctuation only has no word to match.
            Some(text) => match SearchTerms::parse(text) {
                Some(terms) => Some(terms),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let sort = match (query.sort, &terms) {
            (MediaSort::Relevance, None) => MediaSort::Newest,
            (sort, _) => sort,
        };
        if let Some(terms) = terms.as_ref().filter(|_| search::streams(sort)) {
            let mut sql = search::streamed(query, terms, sort, limit);
            let rows: Vec<RankedRow> = sql.build_query_as().fetch_all(&self.pool).await?;
            return ranked(rows);
        }
        // One rank from here on: best match with words was streamed, and without words it is
        // newest first.
        let mut sql = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {MEDIA_COLUMNS}, sort_name, CAST(0 AS INTEGER) AS search_rank FROM media WHERE deleted_at IS NULL"
        ));
        push_filters(&mut sql, query, "");
        if let Some(terms) = &terms {
            search::push_match(&mut sql, terms);
        }
        // Keyset: strictly after the cursor in this sort's order, ties broken by id.
        if let Some(c) = &query.cursor {
            match sort {
                MediaSort::Newest | MediaSort::Relevance => {
                    sql.push(" AND (created_at, id) < (").push_bind(c.created_at)
                }
                MediaSort::Name => sql.push(" AND (sort_name, id) > (").push_bind(c.sort_name.clone()),
                MediaSort::Largest => sql.push(" AND (size_bytes, id) < (").push_bind(to_i64(c.size)?),
                MediaSort::Taken => {
                    sql.push(" AND (COALESCE(taken_at, created_at), id) < (").push_bind(c.taken.unwrap_or(c.created_at))
                }
            };
            sql.push(", ").push_bind(c.id).push(")");
        }
        sql.push(match sort {
            MediaSort::Newest | MediaSort::Relevance => " ORDER BY created_at DESC, id DESC",
            MediaSort::Name => " ORDER BY sort_name, id",
            MediaSort::Largest => " ORDER BY size_bytes DESC, id DESC",
            MediaSort::Taken => " ORDER BY COALESCE(taken_at, created_at) DESC, id DESC",
        });
        sql.push(" LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<RankedRow> = sql.build_query_as().fetch_all(&self.pool).await?;
        ranked(rows)
    }

    async fn duplicate_media(&self, limit: u32) -> Result<Vec<(String, Media)>, DbError> {
        let rows: Vec<DuplicateRow> = sqlx::query_as(&format!(
            "WITH doubled AS (
                 SELECT sha256, MAX(created_at) AS latest FROM media
                 WHERE deleted_at IS NULL AND sha256 IS NOT NULL
                 GROUP BY sha256 HAVING COUNT(*) > 1 ORDER BY latest DESC, sha256 LIMIT $1)
             SELECT {}, d.sha256 AS content_sha256 FROM media m JOIN doubled d ON d.sha256 = m.sha256
             WHERE m.deleted_at IS NULL ORDER BY d.latest DESC, d.sha256, m.created_at, m.id",
            prefixed(MEDIA_COLUMNS, "m")
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|row| Ok((row.content_sha256, Media::try_from(row.media)?))).collect()
    }

    async fn copies_of(&self, id: Uuid) -> Result<Vec<Uuid>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM media WHERE deleted_at IS NULL AND id <> $1
               AND sha256 = (SELECT sha256 FROM media WHERE id = $1 AND deleted_at IS NULL)
             ORDER BY created_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn known_content(&self, sha256: &[String]) -> Result<Vec<(String, Uuid)>, DbError> {
        let mut found = Vec::new();
        for chunk in sha256.chunks(BATCH_ROWS) {
            let mut sql =
                sqlx::QueryBuilder::<Db>::new("SELECT sha256, id FROM media WHERE deleted_at IS NULL AND sha256 IN (");
            let mut list = sql.separated(", ");
            for hash in chunk {
                list.push_bind(hash.clone());
            }
            sql.push(") ORDER BY sha256, created_at, id");
            let rows: Vec<(String, Uuid)> = sql.build_query_as().fetch_all(&self.pool).await?;
            found.extend(rows);
        }
        // The oldest item of each content.
        found.dedup_by(|later, first| later.0 == first.0);
        Ok(found)
    }

    async fn sizes_held(&self, sizes: &[u64]) -> Result<Vec<u64>, DbError> {
        let mut held = Vec::new();
        for chunk in sizes.chunks(BATCH_ROWS) {
            let mut sql = sqlx::QueryBuilder::<Db>::new(
                "SELECT DISTINCT size_bytes FROM media WHERE deleted_at IS NULL AND size_bytes IN (",
            );
            let mut list = sql.separated(", ");
            for size in chunk {
                list.push_bind(to_i64(*size)?);
            }
            sql.push(")");
            let rows: Vec<(i64,)> = sql.build_query_as().fetch_all(&self.pool).await?;
            held.extend(rows.into_iter().filter_map(|(size,)| u64::try_from(size).ok()));
        }
        held.sort_unstable();
        held.dedup();
        Ok(held)
    }

    async fn find_media(&self, id: Uuid) -> Result<Option<Media>, DbError> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1 AND deleted_at IS NULL");
        let row: Option<MediaRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(Media::try_from).transpose()
    }

    async fn update_media(&self, id: Uuid, title: &Title, alt_text: &AltText) -> Result<Option<Media>, DbError> {
        let mut tx = self.begin_write().await?;
        let filename: Option<String> =
            sqlx::query_scalar("SELECT original_filename FROM media WHERE id = $1 AND deleted_at IS NULL")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(filename) = filename else {
            tx.rollback().await?;
            return Ok(None);
        };
        let row: Option<MediaRow> = sqlx::query_as(&format!(
            "UPDATE media SET title = $2, alt_text = $3, sort_name = $4 WHERE id = $1 RETURNING {MEDIA_COLUMNS}"
        ))
        .bind(id)
        .bind(title.as_str())
        .bind(alt_text.as_str())
        .bind(sort_name(title.as_str(), &filename))
        .fetch_optional(&mut *tx)
        .await?;
        self.refresh_search(&mut tx, &[id]).await?;
        // Galleries showing this item show its new title and alt text.
        sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.content_changed().await;
        row.map(Media::try_from).transpose()
    }

    async fn set_focal_point(&self, id: Uuid, focus: Option<FocalPoint>) -> Result<Option<Media>, DbError> {
        let mut tx = self.begin_write().await?;
        let row: Option<MediaRow> = sqlx::query_as(&format!(
            "UPDATE media SET focus_x = $2, focus_y = $3 WHERE id = $1 AND deleted_at IS NULL RETURNING {MEDIA_COLUMNS}"
        ))
        .bind(id)
        .bind(focus.map(FocalPoint::x))
        .bind(focus.map(FocalPoint::y))
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.content_changed().await;
        row.map(Media::try_from).transpose()
    }

    async fn media_without_rendition(&self, after: Option<Uuid>, limit: u32) -> Result<Vec<Media>, DbError> {
        let mut sql =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {MEDIA_COLUMNS} FROM media WHERE display_key IS NULL"));
        sql.push(" AND content_type IN (");
        let mut types = sql.separated(", ");
        for content_type in ContentType::SHOWN_THROUGH_RENDITIONS {
            types.push_bind(content_type);
        }
        sql.push(")");
        if let Some(after) = after {
            sql.push(" AND id > ").push_bind(after);
        }
        sql.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let rows: Vec<MediaRow> = sql.build_query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(Media::try_from).collect()
    }

    async fn set_display_rendition(
        &self,
        id: Uuid,
        key: &ObjectKey,
        size: (u32, u32),
        thumbhash: &str,
    ) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE media SET display_key = $2, width = $3, height = $4, thumbhash = COALESCE(thumbhash, $5)
             WHERE id = $1",
        )
        .bind(id)
        .bind(key.as_str())
        .bind(to_i32(size.0)?)
        .bind(to_i32(size.1)?)
        .bind(thumbhash)
        .execute(&mut *tx)
        .await?;
        // Galleries showing it are rendered again with the rendition's URLs.
        sqlx::query(BUMP_COLLECTIONS_OF_MEDIA).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.content_changed().await;
        Ok(())
    }

    async fn crc32s(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, u32)>, DbError> {
        let mut known = Vec::new();
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut sql =
                sqlx::QueryBuilder::<Db>::new("SELECT id, crc32 FROM media WHERE crc32 IS NOT NULL AND id IN ");
            push_ids(&mut sql, chunk);
            let rows: Vec<(Uuid, i64)> = sql.build_query_as().fetch_all(&self.pool).await?;
            known.extend(rows.into_iter().filter_map(|(id, crc)| u32::try_from(crc).ok().map(|crc| (id, crc))));
        }
        Ok(known)
    }

    async fn remember_crc32(&self, id: Uuid, crc32: u32) -> Result<(), DbError> {
        sqlx::query("UPDATE media SET crc32 = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(crc32))
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    async fn media_collections(&self, id: Uuid) -> Result<Vec<CollectionRef>, DbError> {
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "SELECT c.id, c.title, c.slug FROM collections c
             JOIN collection_media cm ON cm.collection_id = c.id
             WHERE cm.media_id = $1 AND c.deleted_at IS NULL ORDER BY c.title, c.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, title, slug)| CollectionRef { id, title, slug }).collect())
    }
}

impl SqlRepo {
    /// Writes the search text of these items again from what they are now (title, file name,
    /// alt text, tags), inside the transaction that changed them.
    pub(super) async fn refresh_search(&self, tx: &mut WriteTx<'_, Db>, ids: &[Uuid]) -> Result<(), DbError> {
        for chunk in ids.chunks(BATCH_ROWS) {
            let mut select = sqlx::QueryBuilder::<Db>::new(
                "SELECT id, title, original_filename, alt_text, photo_facts FROM media WHERE id IN ",
            );
            push_ids(&mut select, chunk);
            let items: Vec<(Uuid, String, String, String, Option<String>)> =
                select.build_query_as().fetch_all(&mut **tx).await?;
            let mut tags_sql = sqlx::QueryBuilder::<Db>::new(
                "SELECT mt.media_id, t.name FROM media_tags mt JOIN tags t ON t.id = mt.tag_id WHERE mt.media_id IN ",
            );
            push_ids(&mut tags_sql, chunk);
            let pairs: Vec<(Uuid, String)> = tags_sql.build_query_as().fetch_all(&mut **tx).await?;
            let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
            for (media, name) in pairs {
                tags.entry(media).or_default().push(name);
            }
            for (id, title, filename, alt, photo) in items {
                let camera = photo
                    .and_then(|json| serde_json::from_str::<PhotoFacts>(&json).ok())
                    .map(|facts| facts.search_words())
                    .unwrap_or_default();
                let tags = tags.get(&id).map_or(&[][..], Vec::as_slice);
                let doc = SearchDocument::new(&title, &filename, &alt, tags, &camera);
                sqlx::query("UPDATE media SET search_name = $2, search_text = $3 WHERE id = $1")
                    .bind(id)
                    .bind(doc.name)
                    .bind(doc.body)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}
