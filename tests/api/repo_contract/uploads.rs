//! Uploads: jobs written whole, completions and failures counted once, expiry, and the
//! upload history that outlives its media.

#[allow(unused_imports)]
use super::*;

pub(super) async fn upload_job_is_written_whole_in_batch_order(db: &TestDatabase) {
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

pub(super) async fn completion_counts_once_and_creates_one_media_row(db: &TestDatabase) {
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

pub(super) async fn failure_counts_once_and_reopen_uncounts_it(db: &TestDatabase) {
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

pub(super) async fn expired_files_are_listed_until_settled(db: &TestDatabase) {
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

pub(super) async fn jobs_and_media_list_newest_first_with_a_cursor(db: &TestDatabase) {
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

pub(super) async fn upload_jobs_cannot_point_at_missing_collections(db: &TestDatabase) {
    let repo = db.repo().await;
    let collection = Uuid::new_v4();
    assert!(!repo.collection_exists(collection).await.unwrap());
    // A job cannot point at a collection that does not exist: foreign keys are on.
    let mut job = new_job(&["a.png"], Duration::hours(1));
    job.collection_id = Some(collection);
    assert!(repo.create_upload_job(&job).await.is_err(), "foreign keys are enforced");
}

pub(super) async fn expiry_spares_a_file_given_a_new_url(db: &TestDatabase) {
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

pub(super) async fn deleting_media_keeps_the_upload_history(db: &TestDatabase) {
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
