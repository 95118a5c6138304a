//! The library item a completed upload becomes, in the SQL both databases speak. Compiled once
//! per backend; written inside the completion's transaction.

use chrono::{DateTime, Utc};

use super::Db;
use crate::model::media::sort_name;
use crate::model::photo::PhotoFacts;
use crate::model::search::SearchDocument;
use crate::model::ObjectKey;
use crate::server::db::rows::{to_i32, to_i64, FileRow, WriteTx};
use crate::server::db::{DbError, NewMedia};

/// Inserts the item for `file`, with what was learnt of it at completion. The content hash
/// announced at the start wins over one reported now. A file request's item goes to its inbox.
pub(super) async fn insert_new_media(
    tx: &mut WriteTx<'_, Db>,
    file: &FileRow,
    media: &NewMedia,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let camera = media.photo.as_ref().map(PhotoFacts::search_words).unwrap_or_default();
    let search = SearchDocument::new("", &file.original_filename, "", &[], &camera);
    sqlx::query(
        "INSERT INTO media (id, object_key, original_filename, content_type, size_bytes, width, height,
             title, alt_text, created_at, sort_name, search_text, thumbhash, poster_key, duration_ms, created_by,
             sha256, search_name, taken_at, photo_facts, inbox_share_id, deleted_at, display_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', $8, $9, $10, $11, $12, $13,
             (SELECT created_by FROM upload_jobs WHERE id = $14),
             COALESCE((SELECT sha256 FROM upload_files WHERE id = $15), $16), $17, $18, $19, $20, $21, $22)",
    )
    .bind(media.id)
    .bind(&file.object_key)
    .bind(&file.original_filename)
    .bind(&file.content_type)
    .bind(file.size_bytes)
    .bind(media.width.map(to_i32).transpose()?)
    .bind(media.height.map(to_i32).transpose()?)
    .bind(now)
    .bind(sort_name("", &file.original_filename))
    .bind(&search.body)
    .bind(media.thumbhash.as_deref())
    .bind(media.poster_key.as_ref().map(ObjectKey::as_str))
    .bind(media.duration_ms.map(to_i64).transpose()?)
    .bind(file.job_id)
    .bind(file.id)
    .bind(media.sha256.as_deref())
    .bind(&search.name)
    .bind(media.taken_at)
    .bind(media.photo.as_ref().map(|facts| serde_json::to_string(facts).unwrap_or_default()))
    // An inbox item is outside the library from the moment it arrives (see migration 0018).
    .bind(media.inbox)
    .bind(media.inbox.map(|_| now))
    .bind(media.display_key.as_ref().map(ObjectKey::as_str))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
