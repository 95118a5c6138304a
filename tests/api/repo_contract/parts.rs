//! Multipart uploads: recorded parts, deadlines that move while an upload makes progress, the
//! unfinished uploads a user can resume, and files only their owner may act on.

use chrono::{DateTime, Duration, Timelike, Utc};
use uuid::Uuid;
use vitrine::model::upload::{UploadFile, UploadFileStatus};
use vitrine::server::clock::Clock;
use vitrine::server::db::{NewMultipart, NewUploadJob, Repo};

use super::{key, media, new_job, new_user, part};
use crate::helpers::TestDatabase;

const PART_SIZE: u64 = 5 * 1024 * 1024;

/// A job of `names`, each uploaded in parts (a multipart upload the store has started), by `user`.
fn multipart_job(names: &[&str], user: Option<Uuid>) -> NewUploadJob {
    let mut job = new_job(names, Duration::hours(1));
    job.created_by = user;
    for file in &mut job.files {
        file.size = 12 * 1024 * 1024;
        file.multipart = Some(NewMultipart { upload_id: format!("upload-{}", file.id), part_size: PART_SIZE });
    }
    job
}

/// `t` without its fraction of a second, which both databases store exactly (Postgres keeps
/// microseconds, so a nanosecond `Utc::now()` would not come back equal).
fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap()
}

async fn deadline_of(repo: &dyn Repo, id: Uuid) -> DateTime<Utc> {
    repo.find_upload_file(id).await.unwrap().expect("the file exists").url_expires_at
}

fn file_ids(files: &[UploadFile]) -> Vec<Uuid> {
    files.iter().map(|f| f.id).collect()
}

pub(super) async fn parts_are_listed_by_number_per_file(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = multipart_job(&["big.mov", "other.mov"], None);
    repo.create_upload_job(&job).await.unwrap();
    let (file, other) = (job.files[0].id, job.files[1].id);
    assert!(repo.recorded_parts(file).await.unwrap().is_empty(), "nothing recorded yet");

    // Parallel part uploads report in any order.
    for n in [3, 1, 2] {
        repo.record_part(file, &part(n, &format!("\"etag-{n}\""), 100 + u64::from(n))).await.unwrap();
    }
    repo.record_part(other, &part(1, "\"other-1\"", 7)).await.unwrap();
    assert_eq!(
        repo.recorded_parts(file).await.unwrap(),
        [part(1, "\"etag-1\"", 101), part(2, "\"etag-2\"", 102), part(3, "\"etag-3\"", 103)]
    );
    assert_eq!(repo.recorded_parts(other).await.unwrap(), [part(1, "\"other-1\"", 7)], "each file has its own parts");
    assert!(repo.record_part(Uuid::new_v4(), &part(1, "\"x\"", 1)).await.is_err(), "a part needs its file");
}

pub(super) async fn re_recording_a_part_replaces_it(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = multipart_job(&["big.mov"], None);
    repo.create_upload_job(&job).await.unwrap();
    let file = job.files[0].id;
    repo.record_part(file, &part(1, "\"first-try\"", 10)).await.unwrap();
    repo.record_part(file, &part(2, "\"two\"", 20)).await.unwrap();
    // The browser sent part 1 again (a retry after a lost answer): the store's last word counts.
    repo.record_part(file, &part(1, "\"second-try\"", 11)).await.unwrap();
    assert_eq!(repo.recorded_parts(file).await.unwrap(), [part(1, "\"second-try\"", 11), part(2, "\"two\"", 20)]);
}

pub(super) async fn replacing_parts_keeps_only_the_new_list(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = multipart_job(&["a.mov", "b.mov"], None);
    repo.create_upload_job(&job).await.unwrap();
    let (a, b) = (job.files[0].id, job.files[1].id);
    for n in 1..=3 {
        repo.record_part(a, &part(n, &format!("\"recorded-{n}\""), 10)).await.unwrap();
    }
    repo.record_part(b, &part(1, "\"b-1\"", 10)).await.unwrap();

    // What the store holds wins: part 2 with its ETag there, part 5 the browser never reported;
    // parts 1 and 3 it does not hold are forgotten.
    repo.replace_parts(a, &[part(5, "\"store-5\"", 50), part(2, "\"store-2\"", 20)]).await.unwrap();
    assert_eq!(repo.recorded_parts(a).await.unwrap(), [part(2, "\"store-2\"", 20), part(5, "\"store-5\"", 50)]);

    // The store holds nothing (yet): nothing is recorded.
    repo.replace_parts(a, &[]).await.unwrap();
    assert!(repo.recorded_parts(a).await.unwrap().is_empty());
    assert_eq!(repo.recorded_parts(b).await.unwrap(), [part(1, "\"b-1\"", 10)], "another file's parts stay");
}

pub(super) async fn extending_moves_an_open_deadline_later_only(db: &TestDatabase) {
    let repo = db.repo().await;
    let deadline = whole_second(Utc::now() + Duration::hours(1));
    let mut job = multipart_job(&["pending.mov", "uploading.mov", "done.mov", "failed.mov"], None);
    for file in &mut job.files {
        file.url_expires_at = deadline;
    }
    repo.create_upload_job(&job).await.unwrap();
    let [pending, uploading, done, failed] = [0usize, 1, 2, 3].map(|i| job.files[i].id);
    repo.mark_file_uploading(uploading).await.unwrap();
    repo.complete_upload_file(done, None, &media()).await.unwrap();
    repo.fail_upload_file(failed, "gave up").await.unwrap();

    let later = deadline + Duration::hours(2);
    for id in [pending, uploading, done, failed] {
        repo.extend_upload_file(id, later).await.unwrap();
    }
    assert_eq!(deadline_of(repo.as_ref(), pending).await, later);
    assert_eq!(deadline_of(repo.as_ref(), uploading).await, later);
    assert_eq!(deadline_of(repo.as_ref(), done).await, deadline, "a completed file is left alone");
    assert_eq!(deadline_of(repo.as_ref(), failed).await, deadline, "a failed file is left alone");

    // A late, shorter extension (an older request arriving last) never pulls it back.
    repo.extend_upload_file(pending, deadline + Duration::minutes(30)).await.unwrap();
    assert_eq!(deadline_of(repo.as_ref(), pending).await, later);
    let file = repo.find_upload_file(pending).await.unwrap().unwrap();
    assert_eq!(file.status, UploadFileStatus::Pending, "extending changes only the deadline");
    repo.extend_upload_file(Uuid::new_v4(), later).await.expect("an unknown file is no error");

    // An upload still making progress is not swept as expired.
    let mut stalled = multipart_job(&["stalled.mov"], None);
    stalled.files[0].url_expires_at = whole_second(Utc::now() - Duration::minutes(5));
    repo.create_upload_job(&stalled).await.unwrap();
    let expired = repo.list_expired_upload_files(Utc::now(), 100).await.unwrap();
    assert_eq!(file_ids(&expired), [stalled.files[0].id]);
    repo.extend_upload_file(stalled.files[0].id, later).await.unwrap();
    assert!(repo.list_expired_upload_files(Utc::now(), 100).await.unwrap().is_empty());
}

pub(super) async fn unfinished_multipart_files_are_the_users_open_ones_newest_first(db: &TestDatabase) {
    // A second passes between batches on the repo's clock: no sleeping.
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let me = new_user(repo.as_ref(), "me@example.test").await;
    let someone_else = new_user(repo.as_ref(), "else@example.test").await;

    let oldest = multipart_job(&["oldest.mov"], Some(me));
    repo.create_upload_job(&oldest).await.unwrap();
    clock.advance(Duration::seconds(1));
    let newer = multipart_job(&["newer.mov"], Some(me));
    repo.create_upload_job(&newer).await.unwrap();
    repo.mark_file_uploading(newer.files[0].id).await.unwrap();
    clock.advance(Duration::seconds(1));
    // Newest of all, but none of these is an open multipart upload.
    let mut settled = multipart_job(&["done.mov", "failed.mov", "whole.png"], Some(me));
    settled.files[2].multipart = None;
    repo.create_upload_job(&settled).await.unwrap();
    repo.complete_upload_file(settled.files[0].id, None, &media()).await.unwrap();
    repo.fail_upload_file(settled.files[1].id, "aborted").await.unwrap();
    // Open multipart uploads, but not mine.
    let theirs = multipart_job(&["theirs.mov"], Some(someone_else));
    repo.create_upload_job(&theirs).await.unwrap();
    let nobodys = multipart_job(&["nobodys.mov"], None);
    repo.create_upload_job(&nobodys).await.unwrap();

    let mine = repo.unfinished_multipart_files(me).await.unwrap();
    assert_eq!(file_ids(&mine), [newer.files[0].id, oldest.files[0].id], "pending and uploading, newest first");
    let expected_upload_id = format!("upload-{}", oldest.files[0].id);
    assert_eq!(mine[1].multipart_upload_id.as_deref(), Some(expected_upload_id.as_str()), "resumable: the store's id");
    assert_eq!(mine[1].part_size, Some(PART_SIZE));
    assert_eq!(file_ids(&repo.unfinished_multipart_files(someone_else).await.unwrap()), [theirs.files[0].id]);
    assert!(repo.unfinished_multipart_files(Uuid::new_v4()).await.unwrap().is_empty());

    // The failed one, retried as a new multipart upload, is open again; created last, it is first.
    let retried = settled.files[1].id;
    repo.reopen_upload_file(retried, &key("media/retried.mov"), Some("upload-retry"), Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    let mine = repo.unfinished_multipart_files(me).await.unwrap();
    assert_eq!(file_ids(&mine), [retried, newer.files[0].id, oldest.files[0].id]);
    assert_eq!(mine[0].multipart_upload_id.as_deref(), Some("upload-retry"));
}

pub(super) async fn reopening_a_file_forgets_its_recorded_parts(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = multipart_job(&["failed.mov", "uploading.mov", "done.mov"], None);
    repo.create_upload_job(&job).await.unwrap();
    let [failed, uploading, done] = [0usize, 1, 2].map(|i| job.files[i].id);
    for id in [failed, uploading, done] {
        repo.record_part(id, &part(1, "\"old-1\"", 10)).await.unwrap();
        repo.record_part(id, &part(2, "\"old-2\"", 10)).await.unwrap();
    }
    repo.fail_upload_file(failed, "network error").await.unwrap();
    repo.mark_file_uploading(uploading).await.unwrap();
    repo.complete_upload_file(done, None, &media()).await.unwrap();
    let until = Utc::now() + Duration::hours(1);

    // The old parts belong to the old multipart upload, which the new one cannot use.
    let reopened = repo
        .reopen_upload_file(failed, &key("media/again-failed.mov"), Some("upload-new"), until)
        .await
        .unwrap()
        .unwrap();
    assert!(reopened.changed);
    assert_eq!(reopened.outcome.file.multipart_upload_id.as_deref(), Some("upload-new"));
    assert_eq!(reopened.outcome.file.object_key, key("media/again-failed.mov"));
    assert!(repo.recorded_parts(failed).await.unwrap().is_empty());
    let reopened = repo
        .reopen_upload_file(uploading, &key("media/again-uploading.mov"), Some("upload-new-2"), until)
        .await
        .unwrap()
        .unwrap();
    assert!(reopened.changed);
    assert!(repo.recorded_parts(uploading).await.unwrap().is_empty(), "an open file forgets its parts too");

    // A completed file is left alone, parts and all.
    let refused = repo
        .reopen_upload_file(done, &key("media/again-done.mov"), Some("upload-new-3"), until)
        .await
        .unwrap()
        .unwrap();
    assert!(!refused.changed);
    assert_eq!(repo.recorded_parts(done).await.unwrap().len(), 2);

    // Parts reported after the reopen are the new upload's.
    repo.record_part(failed, &part(1, "\"new-1\"", 10)).await.unwrap();
    assert_eq!(repo.recorded_parts(failed).await.unwrap(), [part(1, "\"new-1\"", 10)]);
}

pub(super) async fn a_file_is_found_for_its_owner_only(db: &TestDatabase) {
    let repo = db.repo().await;
    let owner = new_user(repo.as_ref(), "owner@example.test").await;
    let stranger = new_user(repo.as_ref(), "stranger@example.test").await;
    let mut job = new_job(&["mine.png"], Duration::hours(1));
    job.created_by = Some(owner);
    repo.create_upload_job(&job).await.unwrap();
    let anonymous = new_job(&["nobodys.png"], Duration::hours(1));
    repo.create_upload_job(&anonymous).await.unwrap();
    let file = job.files[0].id;

    let found = repo.find_upload_file_of(file, owner).await.unwrap().expect("the owner finds it");
    assert_eq!(Some(found), repo.find_upload_file(file).await.unwrap());
    assert_eq!(repo.find_upload_file_of(file, stranger).await.unwrap(), None, "another user does not");
    assert_eq!(
        repo.find_upload_file_of(anonymous.files[0].id, owner).await.unwrap(),
        None,
        "a job nobody started is nobody's"
    );
    assert_eq!(repo.find_upload_file_of(job.id, owner).await.unwrap(), None, "a job's id is not a file's");
    assert_eq!(repo.find_upload_file_of(Uuid::new_v4(), owner).await.unwrap(), None);
}
