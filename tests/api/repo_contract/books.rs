//! What `vitrine check` reads: known originals, media in id order (without the ones marked
//! missing), tracked multipart uploads; and content hashes for `uploads/known` and for the
//! copies found at completion.

use chrono::Duration;
use uuid::Uuid;
use vitrine::model::media::MediaQuery;
use vitrine::model::upload::UploadFileStatus;
use vitrine::server::db::NewMultipart;

use super::{add_media, desc, media, new_job, title};
use crate::helpers::TestDatabase;

pub(super) async fn the_books_know_media_and_uploads_in_flight_only(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("a.png", 10, "image/png"), ("b.png", 10, "image/png")]).await;
    let a = repo.find_media(ids[0]).await.unwrap().unwrap();
    let pending = new_job(&["c.png"], Duration::hours(1));
    let pending_key = pending.files[0].object_key.as_str().to_string();
    repo.create_upload_job(&pending).await.unwrap();
    let failed = new_job(&["d.png"], Duration::hours(1));
    let failed_key = failed.files[0].object_key.as_str().to_string();
    repo.create_upload_job(&failed).await.unwrap();
    repo.fail_upload_file(failed.files[0].id, "gone").await.unwrap();
    let asked = vec![a.object_key.as_str().to_string(), pending_key.clone(), failed_key, "media/x/unknown.png".into()];
    let known = repo.known_originals(&asked).await.unwrap();
    assert_eq!(known, [a.object_key.as_str().to_string(), pending_key].into_iter().collect());

    // Paged by id, and an item marked missing is no longer listed.
    let first = repo.media_keys_after(None, 1).await.unwrap();
    let second = repo.media_keys_after(Some(first[0].0), 10).await.unwrap();
    assert_eq!(first.len() + second.len(), 2);
    assert!(first[0].0 < second[0].0);
    repo.mark_missing(ids[0]).await.unwrap();
    let left = repo.media_keys_after(None, 10).await.unwrap();
    assert_eq!(left.iter().map(|(id, _, _)| *id).collect::<Vec<_>>(), vec![ids[1]]);
}

pub(super) async fn tracked_multiparts_are_the_open_ones(db: &TestDatabase) {
    let repo = db.repo().await;
    let mut job = new_job(&["big.mp4", "done.mp4"], Duration::hours(1));
    job.files[0].multipart = Some(NewMultipart { upload_id: "open-1".into(), part_size: 5 << 20 });
    job.files[1].multipart = Some(NewMultipart { upload_id: "failed-2".into(), part_size: 5 << 20 });
    repo.create_upload_job(&job).await.unwrap();
    repo.fail_upload_file(job.files[1].id, "gone").await.unwrap();
    let asked = vec!["open-1".to_string(), "failed-2".to_string(), "nobody-3".to_string()];
    let tracked = repo.tracked_multiparts(&asked).await.unwrap();
    assert_eq!(tracked, ["open-1".to_string()].into_iter().collect());
}

pub(super) async fn known_content_is_found_by_hash(db: &TestDatabase) {
    let repo = db.repo().await;
    let hash = "ab".repeat(32);
    let mut job = new_job(&["x.png"], Duration::hours(1));
    job.files[0].sha256 = Some(hash.clone());
    repo.create_upload_job(&job).await.unwrap();
    let media = vitrine::server::db::NewMedia::new(uuid::Uuid::new_v4());
    repo.complete_upload_file(job.files[0].id, None, &media).await.unwrap();
    let found = repo.known_content(&[hash.clone(), "cd".repeat(32)]).await.unwrap();
    assert_eq!(found, vec![(hash, media.id)]);
}

pub(super) async fn a_hash_given_at_completion_fills_in_only_a_missing_one(db: &TestDatabase) {
    let repo = db.repo().await;
    let (announced, computed) = ("ab".repeat(32), "cd".repeat(32));
    let mut job = new_job(&["announced.png", "sent.png"], Duration::hours(1));
    job.files[0].sha256 = Some(announced.clone());
    repo.create_upload_job(&job).await.unwrap();
    let mut first = vitrine::server::db::NewMedia::new(uuid::Uuid::new_v4());
    first.sha256 = Some(computed.clone());
    repo.complete_upload_file(job.files[0].id, None, &first).await.unwrap();
    let mut second = vitrine::server::db::NewMedia::new(uuid::Uuid::new_v4());
    second.sha256 = Some(computed.clone());
    repo.complete_upload_file(job.files[1].id, None, &second).await.unwrap();
    let found = repo.known_content(&[announced.clone(), computed.clone()]).await.unwrap();
    assert_eq!(found, vec![(announced, first.id), (computed, second.id)]);
}

pub(super) async fn duplicates_are_grouped_by_content_and_trashed_copies_do_not_count(db: &TestDatabase) {
    let repo = db.repo().await;
    let (same, other, lone) = ("ab".repeat(32), "cd".repeat(32), "ef".repeat(32));
    let hashes = [&same, &other, &same, &lone, &other, &same];
    let names: Vec<String> = (0..hashes.len()).map(|i| format!("f{i}.png")).collect();
    let mut job = new_job(&names.iter().map(String::as_str).collect::<Vec<_>>(), Duration::hours(1));
    for (file, hash) in job.files.iter_mut().zip(hashes) {
        file.sha256 = Some(hash.clone());
    }
    repo.create_upload_job(&job).await.unwrap();
    let mut ids = Vec::new();
    for file in &job.files {
        let media = vitrine::server::db::NewMedia::new(uuid::Uuid::new_v4());
        repo.complete_upload_file(file.id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    let groups = |rows: Vec<(String, vitrine::model::media::Media)>| {
        rows.into_iter().map(|(hash, m)| (hash[..2].to_string(), m.id)).collect::<Vec<_>>()
    };
    // The content duplicated last (f5) comes first; within a content, the oldest first.
    let found = groups(repo.duplicate_media(10).await.unwrap());
    assert_eq!(
        found,
        [
            ("ab".into(), ids[0]),
            ("ab".into(), ids[2]),
            ("ab".into(), ids[5]),
            ("cd".into(), ids[1]),
            ("cd".into(), ids[4])
        ]
    );
    assert_eq!(groups(repo.duplicate_media(1).await.unwrap()), found[..3], "the limit counts contents");
    assert_eq!(repo.copies_of(ids[2]).await.unwrap(), [ids[0], ids[5]]);
    assert!(repo.copies_of(ids[3]).await.unwrap().is_empty());

    repo.trash_media(&[ids[4]], None).await.unwrap();
    let left = groups(repo.duplicate_media(10).await.unwrap());
    assert_eq!(
        left,
        [("ab".into(), ids[0]), ("ab".into(), ids[2]), ("ab".into(), ids[5])],
        "one copy left is no duplicate"
    );
    assert!(repo.copies_of(ids[1]).await.unwrap().is_empty());
    assert!(repo.copies_of(ids[4]).await.unwrap().is_empty(), "a trashed item has no copies");
}

pub(super) async fn sizes_held_are_the_sizes_of_items(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["a.png", "b.png"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    assert_eq!(repo.sizes_held(&[job.files[0].size]).await.unwrap(), Vec::<u64>::new(), "nothing completed yet");
    repo.complete_upload_file(job.files[0].id, None, &vitrine::server::db::NewMedia::new(uuid::Uuid::new_v4()))
        .await
        .unwrap();
    let size = job.files[0].size;
    assert_eq!(repo.sizes_held(&[size + 1, size, size]).await.unwrap(), vec![size]);
    assert_eq!(repo.sizes_held(&[]).await.unwrap(), Vec::<u64>::new());
}

pub(super) async fn a_copy_found_at_completion_makes_no_second_item(db: &TestDatabase) {
    let repo = db.repo().await;
    let hash = "ab".repeat(32);
    // The original: its hash arrives with its completion (hashed while it was sent).
    let first_job = new_job(&["original.mov"], Duration::hours(1));
    repo.create_upload_job(&first_job).await.unwrap();
    let mut original = media();
    original.sha256 = Some(hash.clone());
    let done = repo.complete_upload_file(first_job.files[0].id, None, &original).await.unwrap().unwrap();
    assert_eq!(done.outcome.file.duplicate_of, None, "nothing held it yet");
    assert_eq!(done.outcome.file.media_id, Some(original.id));

    // The same content again, into a collection, also hashed while it was sent.
    let trip = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc(""), None).await.unwrap();
    let mut copy_job = new_job(&["copy.mov", "other.mov"], Duration::hours(1));
    copy_job.collection_id = Some(trip.id);
    repo.create_upload_job(&copy_job).await.unwrap();
    let mut copy = media();
    copy.sha256 = Some(hash.clone());
    let found = repo.complete_upload_file(copy_job.files[0].id, None, &copy).await.unwrap().unwrap();
    assert!(found.changed);
    assert_eq!(found.outcome.file.status, UploadFileStatus::Completed);
    assert_eq!(found.outcome.file.duplicate_of, Some(original.id));
    assert_eq!(found.outcome.file.media_id, Some(original.id), "the file points at the item holding it");
    assert_eq!(found.outcome.job.completed_files, 1, "counted as done, once");
    let again = repo.complete_upload_file(copy_job.files[0].id, None, &copy).await.unwrap().unwrap();
    assert!(!again.changed);
    assert_eq!(again.outcome, found.outcome, "a repeated completion answers the same");
    let items = repo.list_media(&MediaQuery::default(), 10).await.unwrap();
    assert_eq!(items.iter().map(|m| m.id).collect::<Vec<_>>(), [original.id], "no second item");
    let in_trip: Vec<Uuid> = repo.collection_items(trip.id).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(in_trip, [original.id], "the batch's collection gets the item holding the content");

    // A trashed item does not hold content; a hash announced at the start ("Upload anyway")
    // is not looked for again.
    repo.trash_media(&[original.id], None).await.unwrap();
    let mut other = media();
    other.sha256 = Some(hash.clone());
    let kept = repo.complete_upload_file(copy_job.files[1].id, None, &other).await.unwrap().unwrap();
    assert_eq!(kept.outcome.file.duplicate_of, None);
    assert_eq!(kept.outcome.file.media_id, Some(other.id));
    let mut anyway_job = new_job(&["anyway.mov"], Duration::hours(1));
    anyway_job.files[0].sha256 = Some(hash.clone());
    repo.create_upload_job(&anyway_job).await.unwrap();
    let anyway = media();
    let sent = repo.complete_upload_file(anyway_job.files[0].id, None, &anyway).await.unwrap().unwrap();
    assert_eq!(sent.outcome.file.duplicate_of, None, "sent anyway on purpose");
    assert_eq!(repo.copies_of(anyway.id).await.unwrap(), [other.id]);
}
