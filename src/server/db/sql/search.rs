//! Search in the library's SQL: which items match, and how well, as each database indexes
//! words (FTS5 on SQLite, a GIN-indexed `tsvector` on PostgreSQL; see migration 0014).

use super::media::push_filters;
use super::{Db, BACKEND};
use crate::model::media::{MediaQuery, MediaSort};
use crate::model::search::SearchTerms;
use crate::server::db::rows::{prefixed, MEDIA_COLUMNS};
use crate::server::db::Backend;

/// The ids of items whose indexed words (or only their name's) begin with every searched word.
const FTS5_HITS: &str =
    "SELECT k.media_id FROM media_fts JOIN media_search_keys k ON k.rowid = media_fts.rowid WHERE media_fts MATCH ";

/// ` AND` the item matches every searched word.
pub(super) fn push_match(sql: &mut sqlx::QueryBuilder<'_, Db>, terms: &SearchTerms) {
    match BACKEND {
        Backend::Sqlite => sql.push(" AND id IN (").push(FTS5_HITS).push_bind(terms.fts5_query(None)).push(")"),
        Backend::Postgres => {
            sql.push(" AND search_vector @@ to_tsquery('simple', ").push_bind(terms.tsquery(None)).push(")")
        }
    };
}

/// The rank of a matching item: 0 when its name holds every searched word, else 1.
pub(super) fn push_rank(sql: &mut sqlx::QueryBuilder<'_, Db>, terms: &SearchTerms) {
    match BACKEND {
        Backend::Sqlite => sql
            .push("CAST(CASE WHEN id IN (")
            .push(FTS5_HITS)
            .push_bind(terms.fts5_query(Some("search_name")))
            .push(") THEN 0 ELSE 1 END AS INTEGER)"),
        Backend::Postgres => sql
            .push("CAST(CASE WHEN search_vector @@ to_tsquery('simple', ")
            .push_bind(terms.tsquery(Some('A')))
            .push(") THEN 0 ELSE 1 END AS INTEGER)"),
    };
}

/// Whether a search in this order is answered by reading the index newest first and stopping
/// early (SQLite: the FTS rowids follow `created_at`, see migration 0017), rather than ranking
/// and sorting every hit.
pub(super) fn streams(sort: MediaSort) -> bool {
    BACKEND == Backend::Sqlite && matches!(sort, MediaSort::Relevance | MediaSort::Newest)
}

/// A page of a search in newest-first order per rank, on SQLite, exactly as the general query
/// orders it (rank, then `created_at` and id, newest first) but without touching every hit.
/// Each rank reads its first `limit` hits in key order (newest first, stopping there), then
/// re-reads every hit from the start of the last one's millisecond and sorts them exactly: an
/// item of an older millisecond has `limit` newer ones before it and cannot be on the page.
pub(super) fn streamed(
    query: &MediaQuery,
    terms: &SearchTerms,
    sort: MediaSort,
    limit: u32,
) -> sqlx::QueryBuilder<'static, Db> {
    let anywhere = terms.fts5_query(None);
    let in_name = terms.fts5_query(Some("search_name"));
    let elsewhere = format!("({anywhere}) NOT ({in_name})");
    let cursor = query.cursor.as_ref();
    // Per part: the FTS5 query, its rank, and whether the cursor applies to it.
    let parts: Vec<(String, u8, bool)> = match (sort, cursor.map(|c| c.rank)) {
        (MediaSort::Relevance, Some(1..)) => vec![(elsewhere, 1, true)],
        (MediaSort::Relevance, _) => vec![(in_name, 0, true), (elsewhere, 1, false)],
        _ => vec![(anywhere, 0, true)],
    };
    let limit = i64::from(limit);
    let mut sql = sqlx::QueryBuilder::<Db>::new("SELECT * FROM (");
    for (i, (fts, rank, with_cursor)) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        let cursor = cursor.filter(|_| with_cursor);
        // The hits of this part after the cursor: FROM … WHERE ….
        let hits = |sql: &mut sqlx::QueryBuilder<'static, Db>| {
            sql.push(
                " FROM media_fts f JOIN media_search_keys k ON k.rowid = f.rowid JOIN media m ON m.id = k.media_id \
                 WHERE f.media_fts MATCH ",
            )
            .push_bind(fts.clone())
            .push(" AND m.deleted_at IS NULL");
            push_filters(sql, query, "m.");
            if let Some(c) = cursor {
                // Keys of the cursor's millisecond or older, then exactly after it.
                sql.push(" AND f.rowid < ((CAST(round((julianday(")
                    .push_bind(c.created_at)
                    .push(") - 2440587.5) * 86400000.0) AS INTEGER) + 1) << 20) AND (m.created_at, m.id) < (")
                    .push_bind(c.created_at)
                    .push(", ")
                    .push_bind(c.id)
                    .push(")");
            }
        };
        sql.push(format!(
            "SELECT * FROM (SELECT {}, m.sort_name, CAST({rank} AS INTEGER) AS search_rank",
            prefixed(MEDIA_COLUMNS, "m")
        ));
        hits(&mut sql);
        sql.push(" AND f.rowid >= (SELECT (MIN(key) >> 20) << 20 FROM (SELECT f.rowid AS key");
        hits(&mut sql);
        sql.push(" ORDER BY f.rowid DESC LIMIT ").push_bind(limit);
        sql.push(")) ORDER BY m.created_at DESC, m.id DESC LIMIT ").push_bind(limit).push(")");
    }
    sql.push(") ORDER BY search_rank, created_at DESC, id DESC LIMIT ").push_bind(limit);
    sql
}
