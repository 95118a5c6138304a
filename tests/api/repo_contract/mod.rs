//! The contract every `Repo` implementation keeps. Each check is written once and run against
//! SQLite and against PostgreSQL (a fresh database per test, dropped afterwards).

use std::sync::Arc;

use chrono::{Duration, Utc};
use uuid::Uuid;
use vitrine::model::media::{cover, Media, MediaCursor, MediaKind, MediaQuery, MediaSort};
use vitrine::model::text::{AltText, Description, Title};
use vitrine::model::upload::{UploadFileStatus, UploadJobStatus, UploadPart};
use vitrine::model::{ContentType, Email, ObjectKey};
use vitrine::server::clock::Clock;
use vitrine::server::db::{Missing, NewMedia, NewUploadFile, NewUploadJob, Repo};

use crate::helpers::TestDatabase;

mod books;
mod collections;
mod delivery;
mod library;
mod lifecycle;
mod parts;
mod people;
mod publishing;
mod shares;
mod tags;
mod transcode;
mod trash;
mod uploads;

// Each file's checks by name, for `contract!` (which calls `super::<check>`).
use books::*;
use collections::*;
use delivery::*;
use library::*;
use lifecycle::*;
use parts::*;
use people::*;
use publishing::*;
use shares::*;
use tags::*;
use transcode::*;
use trash::*;
use uploads::*;

/// Generates one `#[tokio::test]` per backend for each contract check.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $check() {
                    let db = crate::helpers::TestDatabase::sqlite();
                    super::$check(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $check() {
                    let Some(db) = crate::helpers::TestDatabase::postgres().await else { return };
                    super::$check(&db).await;
                }
            )*
        }
    };
}

contract!(
    ping_answers,
    migrations_are_idempotent,
    create_user_if_absent_creates_once,
    concurrent_creation_makes_one_user,
    users_are_found_by_email_and_id,
    password_can_be_replaced,
    upload_job_is_written_whole_in_batch_order,
    completion_counts_once_and_creates_one_media_row,
    failure_counts_once_and_reopen_uncounts_it,
    expired_files_are_listed_until_settled,
    expiry_spares_a_file_given_a_new_url,
    jobs_and_media_list_newest_first_with_a_cursor,
    upload_jobs_cannot_point_at_missing_collections,
    paging_neither_skips_nor_repeats_while_uploads_arrive,
    search_kind_and_sorts,
    search_matches_word_prefixes_in_every_field,
    best_matches_come_first_and_page_by_keyset,
    search_pages_exactly_through_ties_and_out_of_order_arrivals,
    rare_words_older_than_the_walk_page_exactly,
    search_keeps_the_kind_and_tag_filters,
    titles_and_alt_text_are_saved_and_searchable,
    deleting_media_keeps_the_upload_history,
    collections_take_media_once_in_order_and_leave_them_on_delete,
    a_taken_slug_is_a_unique_violation,
    a_collection_may_take_back_its_own_old_slug_but_not_anothers,
    titles_order_by_bytes_on_both_databases,
    every_change_to_a_published_page_bumps_its_version,
    the_cover_must_be_one_of_the_items,
    // delivery.rs
    focal_points_are_kept_and_cleared,
    items_without_a_display_rendition_are_found_and_given_one,
    crc32s_are_remembered_whole,
    visitors_downloads_are_a_collection_setting,
    // parts.rs
    parts_are_listed_by_number_per_file,
    re_recording_a_part_replaces_it,
    replacing_parts_keeps_only_the_new_list,
    extending_moves_an_open_deadline_later_only,
    unfinished_multipart_files_are_the_users_open_ones_newest_first,
    reopening_a_file_forgets_its_recorded_parts,
    a_file_is_found_for_its_owner_only,
    // transcode.rs
    enqueueing_twice_makes_one_pending_job,
    the_oldest_waiting_job_is_claimed_first,
    a_claimed_job_is_claimed_again_only_when_stale_and_within_attempts,
    a_finished_transcode_gives_the_video_its_renditions,
    a_failed_transcode_keeps_its_reason_and_no_renditions,
    a_worker_that_was_taken_over_cannot_finish_the_job,
    // collections.rs
    collections_are_found_by_their_current_slug,
    a_renamed_slug_redirects_until_it_is_taken_back,
    items_come_in_display_order_after_a_reorder,
    duplicate_ids_in_one_request_are_added_once,
    collections_list_newest_first_with_item_counts,
    what_does_not_exist_is_neither_published_nor_versioned,
    an_items_collections_are_listed_by_title,
    // lifecycle.rs
    close_refuses_further_queries,
    backend_names_the_database_in_use,
    a_job_of_more_than_one_batch_is_written_whole_in_order,
    replacing_parts_writes_more_than_one_batch,
    memberships_of_more_than_one_batch_are_added_and_removed_whole,
    // books.rs
    the_books_know_media_and_uploads_in_flight_only,
    tracked_multiparts_are_the_open_ones,
    known_content_is_found_by_hash,
    duplicates_are_grouped_by_content_and_trashed_copies_do_not_count,
    a_hash_given_at_completion_fills_in_only_a_missing_one,
    a_copy_found_at_completion_makes_no_second_item,
    sizes_held_are_the_sizes_of_items,
    // people.rs
    the_last_active_owner_stays,
    sessions_end_with_their_person_or_on_request,
    an_invitation_is_used_once,
    tokens_work_until_revoked_or_expired,
    sign_in_failures_drain_and_are_shared,
    // tags.rs
    tags_are_added_and_removed_in_bulk_and_filter_the_library,
    tags_are_renamed_and_merged,
    // trash.rs
    a_trashed_item_is_hidden_everywhere_and_comes_back_in_place,
    a_trashed_collection_is_hidden_and_comes_back_whole,
    only_what_is_in_the_trash_is_purged,
    the_trash_lists_by_deletion_time_and_what_the_retention_lets_go,
    // shares.rs
    share_links_live_with_their_collection,
    a_file_requests_quota_holds_against_concurrent_batches,
);

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub(crate) fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

pub(crate) fn content_type(s: &str) -> ContentType {
    ContentType::parse(s).unwrap()
}

pub(crate) fn title(s: &str) -> Title {
    Title::parse(s).unwrap()
}

pub(crate) fn alt(s: &str) -> AltText {
    AltText::parse(s).unwrap()
}

pub(crate) fn desc(s: &str) -> Description {
    Description::parse(s).unwrap()
}

async fn ping_answers(db: &TestDatabase) {
    db.repo().await.ping().await.expect("ping");
}

async fn migrations_are_idempotent(db: &TestDatabase) {
    let first = db.repo().await;
    first.create_user_if_absent(&email("a@example.test"), "hash").await.unwrap();
    // Connecting again runs the migrator again: nothing breaks, nothing is lost.
    let second = db.repo().await;
    assert!(second.find_user_by_email(&email("a@example.test")).await.unwrap().is_some());
}

async fn create_user_if_absent_creates_once(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, created) = repo.create_user_if_absent(&email("one@example.test"), "hash-1").await.unwrap();
    assert!(created);
    assert_eq!(user.email.as_str(), "one@example.test");
    assert_eq!(user.password_hash, "hash-1");

    let (again, created_again) = repo.create_user_if_absent(&email("one@example.test"), "hash-2").await.unwrap();
    assert!(!created_again);
    assert_eq!(again.id, user.id);
    assert_eq!(again.password_hash, "hash-1", "an existing user is left as it was");
}

async fn concurrent_creation_makes_one_user(db: &TestDatabase) {
    let repo: Arc<dyn Repo> = db.repo().await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let repo = repo.clone();
            tokio::spawn(async move { repo.create_user_if_absent(&email("race@example.test"), &format!("h{i}")).await })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (user, was_created) = task.await.unwrap().expect("no request fails");
        created += usize::from(was_created);
        ids.insert(user.id);
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
}

async fn users_are_found_by_email_and_id(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, _) = repo.create_user_if_absent(&email("find@example.test"), "h").await.unwrap();
    let by_email = repo.find_user_by_email(&email("FIND@example.test")).await.unwrap().unwrap();
    assert_eq!(by_email.id, user.id);
    let by_id = repo.find_user(user.id).await.unwrap().unwrap();
    assert_eq!(by_id.email, user.email);
    assert!(repo.find_user_by_email(&email("nobody@example.test")).await.unwrap().is_none());
    assert!(repo.find_user(uuid::Uuid::new_v4()).await.unwrap().is_none());
}

async fn password_can_be_replaced(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, _) = repo.create_user_if_absent(&email("pw@example.test"), "old").await.unwrap();
    repo.set_user_password(user.id, "new").await.unwrap();
    assert_eq!(repo.find_user(user.id).await.unwrap().unwrap().password_hash, "new");
}

pub(crate) fn new_job(names: &[&str], expires_in: Duration) -> NewUploadJob {
    NewUploadJob {
        quota: None,
        id: Uuid::new_v4(),
        created_by: None,
        collection_id: None,
        files: names
            .iter()
            .map(|name| {
                let id = Uuid::new_v4();
                NewUploadFile {
                    id,
                    object_key: key(&format!("media/{id}/{name}")),
                    original_filename: name.to_string(),
                    size: 1234,
                    content_type: content_type("image/png"),
                    url_expires_at: Utc::now() + expires_in,
                    multipart: None,
                    last_modified: None,
                    fingerprint: None,
                    sha256: None,
                }
            })
            .collect(),
    }
}

/// A user's id: uploads are started by someone (`NewUploadJob.created_by`).
pub(crate) async fn new_user(repo: &dyn Repo, address: &str) -> Uuid {
    repo.create_user_if_absent(&email(address), "hash").await.unwrap().0.id
}

/// One part of a multipart upload, as the store reports it.
pub(crate) fn part(number: u32, etag: &str, size: u64) -> UploadPart {
    UploadPart { number, size, etag: etag.to_string() }
}

/// The ids of a collection's items, in their order.
pub(crate) async fn item_ids(repo: &dyn Repo, collection: Uuid) -> Vec<Uuid> {
    repo.collection_items(collection).await.unwrap().into_iter().map(|m| m.id).collect()
}

pub(crate) fn media() -> NewMedia {
    NewMedia { width: Some(640), height: Some(480), ..NewMedia::new(Uuid::new_v4()) }
}
