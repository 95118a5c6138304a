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
mod lifecycle;
mod parts;
mod people;
mod tags;
mod transcode;
mod trash;

// Each file's checks by name, for `contract!` (which calls `super::<check>`).
use books::*;
use collections::*;
use lifecycle::*;
use parts::*;
use people::*;
use tags::*;
use transcode::*;
use trash::*;

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
    titles_and_alt_text_are_saved_and_searchable,
    deleting_media_keeps_the_upload_history,
    collections_take_media_once_in_order_and_leave_them_on_delete,
    a_taken_slug_is_a_unique_violation,
    a_collection_may_take_back_its_own_old_slug_but_not_anothers,
    titles_order_by_bytes_on_both_databases,
    every_change_to_a_published_page_bumps_its_version,
    the_cover_must_be_one_of_the_items,
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
    NewMedia {
        id: Uuid::new_v4(),
        width: Some(640),
        height: Some(480),
        thumbhash: None,
        poster_key: None,
        duration_ms: None,
        sha256: None,
    }
}

async fn upload_job_is_written_whole_in_batch_order(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["c.png", "a.png", "b.png"], Duration::hours(1));
    let created = repo.create_upload_job(&job).await.unwrap();
    assert_eq!(created.job.total_files, 3);
    assert_eq!(created.job.status, UploadJobStatus::InProgress);
    let names: Vec<_> = created.files.iter().map(|f| f.original_filename.as_str()).collect();
    assert_eq!(names, ["c.png", "a.png", "b.png"]);
    assert!(created.files.iter().all(|f| f.status == UploadFileStatus::Pending && f.size == 1234));

    // A batch that breaks a constraint half-way leaves nothing behind.
    let mut clash = new_job(&["x.png", "y.png"], Duration::hours(1));
    clash.files[1].object_key = created.files[0].object_key.clone();
    assert!(repo.create_upload_job(&clash).await.is_err());
    assert!(repo.find_upload_job(clash.id).await.unwrap().is_none());
    assert!(repo.find_upload_file(clash.files[0].id).await.unwrap().is_none());
}

async fn completion_counts_once_and_creates_one_media_row(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["a.png", "b.png"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let file = job.files[0].id;

    let uploading = repo.mark_file_uploading(file).await.unwrap().unwrap();
    assert!(uploading.changed);
    assert_eq!(uploading.outcome.file.status, UploadFileStatus::Uploading);

    let first = repo.complete_upload_file(file, Some("\"etag\""), &media()).await.unwrap().unwrap();
    assert!(first.changed);
    assert_eq!(first.outcome.file.status, UploadFileStatus::Completed);
    assert_eq!(first.outcome.file.etag.as_deref(), Some("\"etag\""));
    assert_eq!(first.outcome.job.completed_files, 1);
    assert_eq!(first.outcome.job.status, UploadJobStatus::InProgress);

    let again = repo.complete_upload_file(file, Some("\"etag\""), &media()).await.unwrap().unwrap();
    assert!(!again.changed);
    assert_eq!(again.outcome, first.outcome, "a repeat answers the same");
    assert_eq!(repo.list_media(&MediaQuery::default(), 10).await.unwrap().len(), 1);

    let last = repo.complete_upload_file(job.files[1].id, None, &media()).await.unwrap().unwrap();
    assert_eq!(last.outcome.job.completed_files, 2);
    assert_eq!(last.outcome.job.status, UploadJobStatus::Completed);
    let stored = repo.list_media(&MediaQuery::default(), 10).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().all(|m| m.width == Some(640) && m.size == 1234 && m.content_type.as_str() == "image/png"));

    assert!(repo.complete_upload_file(Uuid::new_v4(), None, &media()).await.unwrap().is_none());
}

async fn failure_counts_once_and_reopen_uncounts_it(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["a.png", "b.png"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let (a, b) = (job.files[0].id, job.files[1].id);

    assert!(repo.complete_upload_file(a, None, &media()).await.unwrap().unwrap().changed);
    let failed = repo.fail_upload_file(b, "network error").await.unwrap().unwrap();
    assert!(failed.changed);
    assert_eq!(failed.outcome.file.error.as_deref(), Some("network error"));
    assert_eq!(failed.outcome.job.failed_files, 1);
    assert_eq!(failed.outcome.job.status, UploadJobStatus::CompletedWithErrors);
    let twice = repo.fail_upload_file(b, "again").await.unwrap().unwrap();
    assert!(!twice.changed);
    assert_eq!(twice.outcome.job.failed_files, 1);
    assert_eq!(twice.outcome.file.error.as_deref(), Some("network error"));

    // A failed file cannot be completed, and a completed one cannot fail.
    assert!(!repo.complete_upload_file(b, None, &media()).await.unwrap().unwrap().changed);
    assert!(!repo.fail_upload_file(a, "late").await.unwrap().unwrap().changed);

    let reopened = repo
        .reopen_upload_file(b, &key("media/b-again.png"), None, Utc::now() + Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert!(reopened.changed);
    assert_eq!(reopened.outcome.file.status, UploadFileStatus::Pending);
    assert_eq!(reopened.outcome.file.error, None);
    assert_eq!(reopened.outcome.job.failed_files, 0);
    assert_eq!(reopened.outcome.job.status, UploadJobStatus::InProgress);
    let done = repo.complete_upload_file(b, None, &media()).await.unwrap().unwrap();
    assert_eq!(done.outcome.job.status, UploadJobStatus::Completed);
    assert!(
        !repo.reopen_upload_file(a, &key("media/a-again.png"), None, Utc::now()).await.unwrap().unwrap().changed,
        "completed stays completed"
    );
}

async fn expired_files_are_listed_until_settled(db: &TestDatabase) {
    let repo = db.repo().await;
    let old = new_job(&["old1.png", "old2.png"], Duration::minutes(-5));
    let fresh = new_job(&["fresh.png"], Duration::hours(1));
    repo.create_upload_job(&old).await.unwrap();
    repo.create_upload_job(&fresh).await.unwrap();
    let expired = repo.list_expired_upload_files(Utc::now(), 100).await.unwrap();
    let mut names: Vec<_> = expired.iter().map(|f| f.original_filename.clone()).collect();
    names.sort();
    assert_eq!(names, ["old1.png", "old2.png"]);
    // With a grace period, they are not yet due.
    assert!(repo.list_expired_upload_files(Utc::now() - Duration::minutes(10), 100).await.unwrap().is_empty());
    repo.fail_upload_file(old.files[0].id, "expired").await.unwrap();
    repo.complete_upload_file(old.files[1].id, None, &media()).await.unwrap();
    assert!(repo.list_expired_upload_files(Utc::now(), 100).await.unwrap().is_empty());
}

async fn jobs_and_media_list_newest_first_with_a_cursor(db: &TestDatabase) {
    // A second passes between uploads on the repo's clock: no sleeping.
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let job = new_job(&[&format!("{i}.png")], Duration::hours(1));
        repo.create_upload_job(&job).await.unwrap();
        repo.complete_upload_file(job.files[0].id, None, &media()).await.unwrap();
        ids.push(job.id);
        clock.advance(Duration::seconds(1));
    }
    let first = repo.list_upload_jobs(2, None).await.unwrap();
    assert_eq!(first.iter().map(|j| j.job.id).collect::<Vec<_>>(), [ids[4], ids[3]]);
    assert_eq!(first[0].files.len(), 1);
    let second = repo.list_upload_jobs(2, Some(ids[3])).await.unwrap();
    assert_eq!(second.iter().map(|j| j.job.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
    let last = repo.list_upload_jobs(10, Some(ids[1])).await.unwrap();
    assert_eq!(last.iter().map(|j| j.job.id).collect::<Vec<_>>(), [ids[0]]);

    let media_first = repo.list_media(&MediaQuery::default(), 3).await.unwrap();
    let names: Vec<_> = media_first.iter().map(|m| m.original_filename.as_str()).collect();
    assert_eq!(names, ["4.png", "3.png", "2.png"]);
    let after = MediaQuery { cursor: Some(cursor_of(&media_first[2])), ..MediaQuery::default() };
    let media_rest = repo.list_media(&after, 3).await.unwrap();
    let names: Vec<_> = media_rest.iter().map(|m| m.original_filename.as_str()).collect();
    assert_eq!(names, ["1.png", "0.png"]);
}

async fn upload_jobs_cannot_point_at_missing_collections(db: &TestDatabase) {
    let repo = db.repo().await;
    let collection = Uuid::new_v4();
    assert!(!repo.collection_exists(collection).await.unwrap());
    // A job cannot point at a collection that does not exist: foreign keys are on.
    let mut job = new_job(&["a.png"], Duration::hours(1));
    job.collection_id = Some(collection);
    assert!(repo.create_upload_job(&job).await.is_err(), "foreign keys are enforced");
}

async fn expiry_spares_a_file_given_a_new_url(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["a.png", "b.png"], Duration::minutes(-5));
    repo.create_upload_job(&job).await.unwrap();
    let cutoff = Utc::now();
    // The sweeper listed both; meanwhile the user retried b, which got a fresh URL.
    repo.reopen_upload_file(job.files[1].id, &key("media/again.png"), None, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    let a = repo.expire_upload_file(job.files[0].id, cutoff).await.unwrap().unwrap();
    assert!(a.changed);
    assert_eq!(a.outcome.file.error.as_deref(), Some("expired"));
    let b = repo.expire_upload_file(job.files[1].id, cutoff).await.unwrap().unwrap();
    assert!(!b.changed, "a file with a new URL is not expired");
    assert_eq!(b.outcome.file.status, UploadFileStatus::Pending);
    assert_eq!(b.outcome.job.failed_files, 1);
}

fn cursor_of(m: &Media) -> MediaCursor {
    MediaCursor {
        created_at: m.created_at,
        sort_name: vitrine::model::media::sort_name(&m.title, &m.original_filename),
        size: m.size,
        id: m.id,
    }
}

/// Uploads `names` (one job each, sizes as given) and returns the media ids in upload order.
pub(crate) async fn add_media(repo: &dyn Repo, files: &[(&str, u64, &str)]) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for (name, size, content_type) in files {
        let mut job = new_job(&[name], Duration::hours(1));
        job.files[0].size = *size;
        job.files[0].content_type = ContentType::parse(content_type).unwrap();
        repo.create_upload_job(&job).await.unwrap();
        let media = media();
        repo.complete_upload_file(job.files[0].id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    ids
}

async fn paging_neither_skips_nor_repeats_while_uploads_arrive(db: &TestDatabase) {
    let repo = db.repo().await;
    let names: Vec<String> = (0..25).map(|i| format!("p{i:02}.png")).collect();
    let files: Vec<(&str, u64, &str)> = names.iter().map(|n| (n.as_str(), 10, "image/png")).collect();
    let original = add_media(repo.as_ref(), &files).await;
    for sort in [MediaSort::Newest, MediaSort::Name, MediaSort::Largest] {
        let mut seen = Vec::new();
        let mut query = MediaQuery { sort, ..MediaQuery::default() };
        let mut round = 0;
        loop {
            let page = repo.list_media(&query, 7).await.unwrap();
            seen.extend(page.iter().map(|m| m.id));
            // New uploads land between page loads; they sort before the cursor (newest) or
            // anywhere (name, size) but never make an old item repeat or vanish.
            let extra = format!("new-{sort:?}-{round}.png");
            add_media(repo.as_ref(), &[(&extra, 10, "image/png")]).await;
            round += 1;
            match page.last() {
                Some(last) if page.len() == 7 => query.cursor = Some(cursor_of(last)),
                _ => break,
            }
        }
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: an item repeated");
        for id in &original {
            assert!(seen.contains(id), "{sort:?}: an item was skipped");
        }
    }
}

async fn search_kind_and_sorts(db: &TestDatabase) {
    let repo = db.repo().await;
    add_media(
        repo.as_ref(),
        &[
            ("Beach Day.JPG", 300, "image/jpeg"),
            ("beach-video.mp4", 900, "video/mp4"),
            ("mountain.png", 100, "image/png"),
            ("100%_done.png", 200, "image/png"),
        ],
    )
    .await;
    let names = |media: Vec<Media>| media.into_iter().map(|m| m.original_filename).collect::<Vec<_>>();
    let search = |s: &str| MediaQuery { search: Some(s.into()), sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&search("BEACH"), 10).await.unwrap()), ["Beach Day.JPG", "beach-video.mp4"]);
    // LIKE's own wildcards are taken literally.
    assert_eq!(names(repo.list_media(&search("%_"), 10).await.unwrap()), ["100%_done.png"]);
    assert!(repo.list_media(&search("_x"), 10).await.unwrap().is_empty());
    let videos = MediaQuery { kind: Some(MediaKind::Video), ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&videos, 10).await.unwrap()), ["beach-video.mp4"]);
    let images = MediaQuery { kind: Some(MediaKind::Image), sort: MediaSort::Largest, ..MediaQuery::default() };
    assert_eq!(names(repo.list_media(&images, 10).await.unwrap()), ["Beach Day.JPG", "100%_done.png", "mountain.png"]);
    let by_name = MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(
        names(repo.list_media(&by_name, 10).await.unwrap()),
        ["100%_done.png", "Beach Day.JPG", "beach-video.mp4", "mountain.png"]
    );
}

async fn titles_and_alt_text_are_saved_and_searchable(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("IMG_0001.jpg", 10, "image/jpeg"), ("zebra.jpg", 10, "image/jpeg")]).await;
    let updated = repo
        .update_media(ids[0], &title("Aardvark at dawn"), &alt("An aardvark <b>sniffing</b>"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.title, "Aardvark at dawn");
    assert_eq!(updated.alt_text, "An aardvark <b>sniffing</b>");
    let found = repo.find_media(ids[0]).await.unwrap().unwrap();
    assert_eq!(found, updated);
    let by_alt = MediaQuery { search: Some("sniffing".into()), ..MediaQuery::default() };
    assert_eq!(repo.list_media(&by_alt, 10).await.unwrap()[0].id, ids[0]);
    // The title now decides the name order.
    let by_name = MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() };
    assert_eq!(repo.list_media(&by_name, 10).await.unwrap()[0].id, ids[0]);
    assert!(repo.update_media(Uuid::new_v4(), &title("x"), &alt("y")).await.unwrap().is_none());
    assert!(repo.media_collections(ids[0]).await.unwrap().is_empty());
}

async fn deleting_media_keeps_the_upload_history(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["gone.png"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let media = media();
    repo.complete_upload_file(job.files[0].id, None, &media).await.unwrap();
    assert_eq!(repo.trash_media(&[media.id], None).await.unwrap(), [media.id]);
    assert!(repo.purge_media(media.id).await.unwrap());
    assert!(!repo.purge_media(media.id).await.unwrap(), "a second purge finds nothing");
    assert!(repo.find_media(media.id).await.unwrap().is_none());
    let file = repo.find_upload_file(job.files[0].id).await.unwrap().unwrap();
    assert_eq!(file.status, UploadFileStatus::Completed);
    assert_eq!(file.media_id, None);
}

async fn collections_take_media_once_in_order_and_leave_them_on_delete(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids =
        add_media(repo.as_ref(), &[("a.png", 1, "image/png"), ("b.png", 1, "image/png"), ("c.png", 1, "image/png")])
            .await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc(""), None).await.unwrap();
    assert_eq!(c.slug, "trip");
    assert!(!c.published);
    let added = repo.add_to_collection(c.id, &[ids[2], ids[0]]).await.unwrap().unwrap();
    assert_eq!((added.changed, added.item_count), (2, 2));
    // Adding again changes nothing; a new one is appended at the end.
    let again = repo.add_to_collection(c.id, &[ids[0], ids[1]]).await.unwrap().unwrap();
    assert_eq!((again.changed, again.item_count), (1, 3));
    let names: Vec<String> = repo.media_collections(ids[1]).await.unwrap().into_iter().map(|r| r.slug).collect();
    assert_eq!(names, ["trip"]);
    // An unknown media id refuses the whole request.
    let missing = Uuid::new_v4();
    let refused = repo.add_to_collection(c.id, &[ids[1], missing]).await.unwrap();
    assert_eq!(refused, Err(Missing::Media(missing)));
    assert_eq!(repo.add_to_collection(Uuid::new_v4(), &[ids[0]]).await.unwrap(), Err(Missing::Collection));
    let removed = repo.remove_from_collection(c.id, &[ids[0], ids[0]]).await.unwrap().unwrap();
    assert_eq!((removed.changed, removed.item_count), (1, 2));
    let listed = repo.list_collections().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].item_count, 2);
    assert!(repo.trash_collection(c.id, None).await.unwrap());
    assert!(repo.find_collection(c.id).await.unwrap().is_none());
    for id in ids {
        assert!(repo.find_media(id).await.unwrap().is_some(), "deleting a collection never deletes media");
    }
}

async fn a_taken_slug_is_a_unique_violation(db: &TestDatabase) {
    let repo = db.repo().await;
    repo.create_collection(Uuid::new_v4(), &title("One"), "same", &desc(""), None).await.unwrap();
    let err = repo.create_collection(Uuid::new_v4(), &title("Two"), "same", &desc(""), None).await.unwrap_err();
    assert!(matches!(err, vitrine::server::db::DbError::UniqueViolation { .. }), "{err:?}");
    repo.create_collection(Uuid::new_v4(), &title("Three"), "same-2", &desc(""), None).await.unwrap();
    repo.create_collection(Uuid::new_v4(), &title("Four"), "samesies", &desc(""), None).await.unwrap();
    let mut slugs = repo.slugs_like("same", "same", None).await.unwrap();
    slugs.sort();
    assert_eq!(slugs, ["same", "same-2"]);
}

async fn titles_order_by_bytes_on_both_databases(db: &TestDatabase) {
    let repo = db.repo().await;
    let item = add_media(repo.as_ref(), &[("x.png", 1, "image/png")]).await[0];
    for (name, slug) in [("apple", "apple"), ("Banana", "banana"), ("Éclair", "eclair"), ("cherry", "cherry")] {
        let c = repo.create_collection(Uuid::new_v4(), &title(name), slug, &desc(""), None).await.unwrap();
        repo.add_to_collection(c.id, &[item]).await.unwrap().unwrap();
    }
    let titles: Vec<String> = repo.media_collections(item).await.unwrap().into_iter().map(|c| c.title).collect();
    assert_eq!(titles, ["Banana", "apple", "cherry", "Éclair"], "byte order, whatever the locale");
}

async fn a_collection_may_take_back_its_own_old_slug_but_not_anothers(db: &TestDatabase) {
    let repo = db.repo().await;
    let trip = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc(""), None).await.unwrap();
    repo.update_collection(trip.id, &title("Journey"), &desc(""), Some("journey")).await.unwrap().unwrap();
    // "trip" still redirects to it: taken for everyone else, free for it.
    assert_eq!(repo.slugs_like("trip", "trip", None).await.unwrap(), ["trip"]);
    assert!(repo.slugs_like("trip", "trip", Some(trip.id)).await.unwrap().is_empty());
    let other = repo.create_collection(Uuid::new_v4(), &title("Other"), "other", &desc(""), None).await.unwrap();
    assert_eq!(repo.slugs_like("journey", "journey", Some(other.id)).await.unwrap(), ["journey"]);
    // Taking its own old slug back leaves the other collection's redirects alone.
    repo.update_collection(other.id, &title("Other trip"), &desc(""), Some("other-trip")).await.unwrap().unwrap();
    repo.update_collection(trip.id, &title("Trip"), &desc(""), Some("trip")).await.unwrap().unwrap();
    assert_eq!(repo.slug_redirect("journey").await.unwrap().as_deref(), Some("trip"));
    assert_eq!(repo.slug_redirect("other").await.unwrap().as_deref(), Some("other-trip"));
    assert_eq!(repo.slug_redirect("trip").await.unwrap(), None, "current again");
}

async fn every_change_to_a_published_page_bumps_its_version(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids =
        add_media(repo.as_ref(), &[("a.png", 1, "image/png"), ("b.png", 1, "image/png"), ("c.png", 1, "image/png")])
            .await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Page"), "page", &desc(""), None).await.unwrap();
    assert_eq!(repo.published_version("page").await.unwrap(), None, "unpublished: no public page");
    repo.set_published(c.id, true).await.unwrap();
    let mut last = repo.published_version("page").await.unwrap().expect("published");
    let mut expect_bump = |what: &str, now: Option<i64>| {
        let now = now.unwrap_or_else(|| panic!("{what}: still published"));
        assert!(now > last, "{what} must bump the version ({last} -> {now})");
        last = now;
    };
    repo.add_to_collection(c.id, &[ids[0], ids[1], ids[2]]).await.unwrap().unwrap();
    expect_bump("add", repo.published_version("page").await.unwrap());
    repo.reorder_collection(c.id, &[ids[2], ids[1], ids[0]]).await.unwrap().unwrap();
    expect_bump("reorder", repo.published_version("page").await.unwrap());
    repo.update_media(ids[1], &title("New title"), &alt("New alt")).await.unwrap().unwrap();
    expect_bump("an item's title", repo.published_version("page").await.unwrap());
    repo.set_cover(c.id, Some(ids[1])).await.unwrap().unwrap();
    expect_bump("cover", repo.published_version("page").await.unwrap());
    repo.remove_from_collection(c.id, &[ids[0]]).await.unwrap().unwrap();
    expect_bump("remove", repo.published_version("page").await.unwrap());
    assert_eq!(repo.trash_media(&[ids[2]], None).await.unwrap(), [ids[2]]);
    expect_bump("trashing an item", repo.published_version("page").await.unwrap());
    assert_eq!(repo.restore_media(&[ids[2]]).await.unwrap(), [ids[2]]);
    expect_bump("restoring an item", repo.published_version("page").await.unwrap());
    repo.update_collection(c.id, &title("Page"), &desc("Described"), None).await.unwrap().unwrap();
    expect_bump("description", repo.published_version("page").await.unwrap());
    // A change elsewhere leaves it alone.
    let other = repo.create_collection(Uuid::new_v4(), &title("Other"), "other", &desc(""), None).await.unwrap();
    repo.add_to_collection(other.id, &[ids[0]]).await.unwrap().unwrap();
    repo.update_media(ids[0], &title("Elsewhere"), &alt("")).await.unwrap().unwrap();
    assert_eq!(repo.published_version("page").await.unwrap(), Some(last));
    repo.set_published(c.id, false).await.unwrap();
    assert_eq!(repo.published_version("page").await.unwrap(), None);
}

async fn the_cover_must_be_one_of_the_items(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("a.png", 1, "image/png"), ("b.png", 1, "image/png")]).await;
    let video = add_media(repo.as_ref(), &[("first.mp4", 1, "video/mp4")]).await[0];
    let c = repo.create_collection(Uuid::new_v4(), &title("Covered"), "covered", &desc(""), None).await.unwrap();
    // A video first: the default cover is still the first image.
    repo.add_to_collection(c.id, &[video, ids[0], ids[1]]).await.unwrap().unwrap();
    let outsider = add_media(repo.as_ref(), &[("z.png", 1, "image/png")]).await[0];
    assert_eq!(repo.set_cover(c.id, Some(outsider)).await.unwrap().unwrap_err(), Missing::Media(outsider));
    assert_eq!(repo.set_cover(Uuid::new_v4(), None).await.unwrap().unwrap_err(), Missing::Collection);
    let chosen = repo.set_cover(c.id, Some(ids[1])).await.unwrap().unwrap();
    assert_eq!(chosen.cover_media_id, Some(ids[1]));
    repo.set_published(c.id, true).await.unwrap();
    let listed = repo.list_published_collections().await.unwrap();
    let cover_of = |c: &vitrine::server::db::CoverCandidates| {
        cover(c.summary.collection.cover_media_id, &c.candidates).map(|m| m.id)
    };
    assert_eq!(cover_of(&listed[0]), Some(ids[1]), "the chosen cover, not the first item");
    // Removing the cover from the collection falls back to the first item.
    repo.remove_from_collection(c.id, &[ids[1]]).await.unwrap().unwrap();
    assert_eq!(repo.find_collection(c.id).await.unwrap().unwrap().cover_media_id, None);
    let listed = repo.list_published_collections().await.unwrap();
    assert_eq!(cover_of(&listed[0]), Some(ids[0]), "the first image, not the video before it");
    let reset = repo.set_cover(c.id, None).await.unwrap().unwrap();
    assert_eq!(reset.cover_media_id, None);
}
