//! The repo as a whole (which database, closing it), and requests big enough to be written in
//! several batches (`BATCH_ROWS`, 500 rows per statement): each must still be all or nothing
//! and keep its order across batch boundaries.

use chrono::Duration;
use uuid::Uuid;
use vitrine::model::upload::UploadPart;
use vitrine::server::db::{Backend, DbError, Missing, Repo};

use super::{desc, item_ids, media, new_job, part, title};
use crate::helpers::TestDatabase;

/// `n` images uploaded in one batch; their media ids in upload order.
async fn many_media(repo: &dyn Repo, n: usize) -> Vec<Uuid> {
    let names: Vec<String> = (0..n).map(|i| format!("m{i:04}.png")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let job = new_job(&names, Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let mut ids = Vec::with_capacity(n);
    for file in &job.files {
        let media = media();
        repo.complete_upload_file(file.id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    ids
}

pub(super) async fn close_refuses_further_queries(db: &TestDatabase) {
    let repo = db.repo().await;
    let other = db.repo().await;
    repo.ping().await.expect("open, it answers");
    repo.close().await;
    let err = repo.ping().await.unwrap_err();
    assert!(matches!(err, DbError::Unavailable(_)), "{err:?}");
    let err = repo.find_user(Uuid::new_v4()).await.unwrap_err();
    assert!(matches!(err, DbError::Unavailable(_)), "a closed repo is unavailable, not broken: {err:?}");
    // Only this repo's connections are closed; the database is still there for others.
    other.ping().await.expect("another repo on the same database still answers");
    repo.close().await;
}

pub(super) async fn backend_names_the_database_in_use(db: &TestDatabase) {
    let repo = db.repo().await;
    assert_eq!(repo.backend(), db.config.backend);
    // The URL's scheme says it too, independently of the config's field.
    assert_eq!(Backend::of_url(&db.config.url), Some(repo.backend()), "{}", db.config.url);
}

pub(super) async fn a_job_of_more_than_one_batch_is_written_whole_in_order(db: &TestDatabase) {
    let repo = db.repo().await;
    // 1,200 files: batches of 500, 500 and 200. Names count down, so neither name nor id order
    // can pass for the batch's order.
    let names: Vec<String> = (0..1200).rev().map(|i| format!("f{i:04}.png")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let job = new_job(&names, Duration::hours(1));
    let sent: Vec<Uuid> = job.files.iter().map(|f| f.id).collect();

    let created = repo.create_upload_job(&job).await.unwrap();
    assert_eq!(created.job.total_files, 1200);
    assert_eq!(created.files.iter().map(|f| f.id).collect::<Vec<_>>(), sent);
    let found = repo.find_upload_job(job.id).await.unwrap().expect("written");
    assert_eq!(found.files.iter().map(|f| f.id).collect::<Vec<_>>(), sent);
    for i in [0usize, 499, 500, 999, 1000, 1199] {
        assert_eq!(found.files[i].original_filename, names[i], "file {i}");
    }
    let listed = repo.list_upload_jobs(10, None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].files.iter().map(|f| f.id).collect::<Vec<_>>(), sent);

    // A clash in the last batch undoes the batches before it.
    let mut clash = new_job(&names, Duration::hours(1));
    clash.files[1100].object_key = clash.files[3].object_key.clone();
    assert!(repo.create_upload_job(&clash).await.is_err());
    assert!(repo.find_upload_job(clash.id).await.unwrap().is_none());
    for i in [0usize, 600] {
        assert!(repo.find_upload_file(clash.files[i].id).await.unwrap().is_none(), "file {i} was rolled back");
    }
}

pub(super) async fn replacing_parts_writes_more_than_one_batch(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["huge.mov"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let file = job.files[0].id;

    // 1,200 parts (batches of 500, 500, 200), handed over last first: listed by number.
    let held: Vec<UploadPart> = (1..=1200).map(|n| part(n, &format!("\"e{n}\""), u64::from(n) * 10)).collect();
    let reversed: Vec<UploadPart> = held.iter().rev().cloned().collect();
    repo.replace_parts(file, &reversed).await.unwrap();
    assert_eq!(repo.recorded_parts(file).await.unwrap(), held);

    // Fewer, different parts: all 1,200 go.
    let fewer: Vec<UploadPart> = (1..=501).map(|n| part(n, &format!("\"again-{n}\""), 5)).collect();
    repo.replace_parts(file, &fewer).await.unwrap();
    assert_eq!(repo.recorded_parts(file).await.unwrap(), fewer);

    // A list the database refuses in its third batch (no part 10,001) changes nothing at all.
    let mut refused: Vec<UploadPart> = (1..=1100).map(|n| part(n, "\"refused\"", 1)).collect();
    refused.push(part(10_001, "\"refused\"", 1));
    assert!(repo.replace_parts(file, &refused).await.is_err());
    assert_eq!(repo.recorded_parts(file).await.unwrap(), fewer);
}

pub(super) async fn memberships_of_more_than_one_batch_are_added_and_removed_whole(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = many_media(repo.as_ref(), 750).await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Big"), "big", &desc(""), None).await.unwrap();

    // A missing id in the second batch refuses the whole request, first batch included.
    let missing = Uuid::new_v4();
    let mut with_missing = ids.clone();
    with_missing.insert(600, missing);
    assert_eq!(repo.add_to_collection(c.id, &with_missing).await.unwrap(), Err(Missing::Media(missing)));
    assert!(item_ids(repo.as_ref(), c.id).await.is_empty());

    // Repeats across batches: each id once, where first named.
    let mut request = ids.clone();
    request.insert(10, ids[600]);
    request.push(ids[0]);
    let added = repo.add_to_collection(c.id, &request).await.unwrap().unwrap();
    assert_eq!((added.changed, added.item_count), (750, 750));
    let mut expected = ids[..10].to_vec();
    expected.push(ids[600]);
    expected.extend_from_slice(&ids[10..600]);
    expected.extend_from_slice(&ids[601..]);
    assert_eq!(item_ids(repo.as_ref(), c.id).await, expected);

    // 700 of them (two batches) and an id it never held: the 50 left keep their order.
    let mut gone = ids[..700].to_vec();
    gone.push(Uuid::new_v4());
    let removed = repo.remove_from_collection(c.id, &gone).await.unwrap().expect("the collection exists");
    assert_eq!((removed.changed, removed.item_count), (700, 50));
    assert_eq!(item_ids(repo.as_ref(), c.id).await, ids[700..].to_vec());
}
