//! Search in the library's SQL: which items match, and how well, as each database indexes
//! words (FTS5 on SQLite, a GIN-indexed `tsvector` on PostgreSQL; see migration 0014).

use super::{Db, BACKEND};
use crate::model::search::SearchTerms;
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
