//! Search in the library's SQL: which items match, and how well, as each database indexes
//! words (FTS5 on SQLite, a GIN-indexed `tsvector` on PostgreSQL; see migration 0014), and how
//! a page in newest-first order is found without sorting every hit (migration 0017 on each).

use super::media::push_filters;
use super::{Db, BACKEND};
use crate::model::media::{MediaQuery, MediaSort};
use crate::model::search::SearchTerms;
use crate::server::db::rows::{prefixed, MEDIA_COLUMNS};
use crate::server::db::Backend;

/// The ids of items whose indexed words begin with every searched word.
const FTS5_HITS: &str =
    "SELECT k.media_id FROM media_fts JOIN media_search_keys k ON k.rowid = media_fts.rowid WHERE media_fts MATCH ";

/// ` AND` the item matches every searched word.
pub(super) fn push_match(sql: &mut sqlx::QueryBuilder<'_, Db>, terms: &SearchTerms) {
    match BACKEND {
        Backend::Sqlite => sql.push(" AND id IN (").push(FTS5_HITS).push_bind(terms.fts5_query(None)).push(")"),
        Backend::Postgres => {
            sql.push(" AND search_vector @@ to_tsquery('simple', ").push_bind(terms.tsquery()).push(")")
        }
    };
}

/// Whether a search in this order is answered by reading newest first and stopping early
/// (`streamed`), rather than ranking and sorting every hit.
pub(super) fn streams(sort: MediaSort) -> bool {
    matches!(sort, MediaSort::Relevance | MediaSort::Newest)
}

/// A page of a search in newest-first order per rank (best match: names first; or newest),
/// ordered by rank, then `created_at` and id, newest first, without touching every hit of a
/// common word.
pub(super) fn streamed(
    query: &MediaQuery,
    terms: &SearchTerms,
    sort: MediaSort,
    limit: u32,
) -> sqlx::QueryBuilder<'static, Db> {
    match BACKEND {
        Backend::Sqlite => streamed_fts5(query, terms, sort, limit),
        Backend::Postgres => streamed_postgres(query, terms, sort, limit),
    }
}

/// The ranks a streamed page reads, in order: which items match, the rank they get, and whether
/// the cursor applies (a cursor in rank 1 has left rank 0 behind; rank 1 after a cursor in
/// rank 0 starts at its top).
fn ranks_to_read(sort: MediaSort, query: &MediaQuery) -> Vec<(Matching, u8, bool)> {
    match (sort, query.cursor.as_ref().map(|c| c.rank)) {
        (MediaSort::Relevance, Some(1..)) => vec![(Matching::Elsewhere, 1, true)],
        (MediaSort::Relevance, _) => vec![(Matching::InName, 0, true), (Matching::Elsewhere, 1, false)],
        _ => vec![(Matching::Anywhere, 0, true)],
    }
}

/// Which items a rank holds: those whose name holds every word, those that hold them but not
/// all in the name, or any that hold them.
#[derive(Clone, Copy)]
enum Matching {
    InName,
    Elsewhere,
    Anywhere,
}

/// On SQLite: each rank reads its first `limit` hits in key order (newest first, stopping
/// there; keys follow `created_at`, migration 0017), then re-reads every hit from the start of
/// the last one's millisecond and sorts them exactly: an item of an older millisecond has
/// `limit` newer ones before it and cannot be on the page.
fn streamed_fts5(
    query: &MediaQuery,
    terms: &SearchTerms,
    sort: MediaSort,
    limit: u32,
) -> sqlx::QueryBuilder<'static, Db> {
    let anywhere = terms.fts5_query(None);
    let in_name = terms.fts5_query(Some("search_name"));
    let cursor = query.cursor.as_ref();
    let limit = i64::from(limit);
    let mut sql = sqlx::QueryBuilder::<Db>::new("SELECT * FROM (");
    for (i, (matching, rank, with_cursor)) in ranks_to_read(sort, query).into_iter().enumerate() {
        let fts = match matching {
            Matching::InName => in_name.clone(),
            Matching::Elsewhere => format!("({anywhere}) NOT ({in_name})"),
            Matching::Anywhere => anywhere.clone(),
        };
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

/// How rare a rank's words may be and still fill its page in the newest-first walk on
/// PostgreSQL: the walk reads `limit` times this many of the newest items, so a page of hits is
/// found there whenever at least 1 item in this many holds the words; rarer words go to the GIN
/// index, whose hits are then few. The name rank reads `media_live_names_idx` alone (~0.2 µs an
/// entry, no table rows): 20,000 entries for a page of 60.
const NAME_WALK_SPAN: u32 = 333;
/// The same for the ranks that need the whole search vector, which only the table holds.
const TABLE_WALK_SPAN: u32 = 33;

/// On PostgreSQL: each rank first walks the newest live items (after the cursor) in index
/// order, capped, keeping its hits; if that fills the page, those are the newest hits there
/// are. Otherwise it asks the GIN index for every hit and sorts them, which is quick exactly
/// because the walk found them rare. Each rank runs only if the ranks before left room. The
/// tsquery is parsed once per statement (a scalar subquery), not once per row of a generic plan.
fn streamed_postgres(
    query: &MediaQuery,
    terms: &SearchTerms,
    sort: MediaSort,
    limit: u32,
) -> sqlx::QueryBuilder<'static, Db> {
    let words = terms.tsquery();
    let limit = i64::from(limit);
    let ranks = ranks_to_read(sort, query);
    let mut sql = sqlx::QueryBuilder::<Db>::new("WITH ");
    for (i, (matching, _, with_cursor)) in ranks.iter().enumerate() {
        let cursor = query.cursor.as_ref().filter(|_| *with_cursor);
        // Live, filtered, after the cursor, and only if the ranks before left room.
        let candidates = |sql: &mut sqlx::QueryBuilder<'static, Db>| {
            sql.push(" FROM media WHERE deleted_at IS NULL");
            push_filters(sql, query, "");
            if let Some(c) = cursor {
                sql.push(" AND (created_at, id) < (").push_bind(c.created_at).push(", ").push_bind(c.id).push(")");
            }
            for before in 0..i {
                sql.push(format!(" AND (SELECT count(*) FROM rank{before}) < ")).push_bind(limit);
            }
        };
        let matches = |sql: &mut sqlx::QueryBuilder<'static, Db>| {
            let vector = |sql: &mut sqlx::QueryBuilder<'static, Db>, column: &str| {
                sql.push(format!("{column} @@ (SELECT to_tsquery('simple', ")).push_bind(words.clone()).push("))");
            };
            match matching {
                Matching::InName => vector(sql, "name_vector"),
                Matching::Anywhere => vector(sql, "search_vector"),
                Matching::Elsewhere => {
                    vector(sql, "search_vector");
                    sql.push(" AND NOT ");
                    vector(sql, "name_vector");
                }
            }
        };
        let (walked, span) = match matching {
            Matching::InName => ("name_vector", NAME_WALK_SPAN),
            _ => ("name_vector, search_vector", TABLE_WALK_SPAN),
        };
        // A literal, so the planner knows the walk is short.
        let walk_rows = limit * i64::from(span);
        if i > 0 {
            sql.push(", ");
        }
        sql.push(format!(
            "rank{i}_walked AS MATERIALIZED (SELECT id, created_at FROM (SELECT id, created_at, {walked}"
        ));
        candidates(&mut sql);
        sql.push(format!(" ORDER BY created_at DESC, id DESC LIMIT {walk_rows}) walk WHERE "));
        matches(&mut sql);
        sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(limit);
        // No order here, so the planner reads the GIN index rather than walking again.
        sql.push(format!("), rank{i}_indexed AS MATERIALIZED (SELECT id, created_at"));
        candidates(&mut sql);
        sql.push(format!(" AND (SELECT count(*) FROM rank{i}_walked) < ")).push_bind(limit).push(" AND ");
        matches(&mut sql);
        sql.push(format!(
            "), rank{i} AS MATERIALIZED (SELECT id, created_at FROM rank{i}_walked WHERE (SELECT count(*) FROM rank{i}_walked) = "
        ))
        .push_bind(limit)
        .push(format!(" UNION ALL (SELECT id, created_at FROM rank{i}_indexed ORDER BY created_at DESC, id DESC LIMIT "))
        .push_bind(limit)
        .push("))");
    }
    sql.push(format!(" SELECT {}, m.sort_name, hit.search_rank FROM (", prefixed(MEDIA_COLUMNS, "m")));
    for (i, (_, rank, _)) in ranks.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(format!("SELECT id, {rank} AS search_rank FROM rank{i}"));
    }
    sql.push(") hit JOIN media m ON m.id = hit.id ORDER BY hit.search_rank, m.created_at DESC, m.id DESC LIMIT ")
        .push_bind(limit);
    sql
}
