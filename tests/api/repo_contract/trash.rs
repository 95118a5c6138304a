//! The trash: what is trashed is hidden from every other query and comes back whole; only what
//! is in the trash is purged; listings by deletion time feed the page and the sweeper.

use chrono::Duration;
use uuid::Uuid;
use vitrine::model::media::{MediaQuery, MediaSort};
use vitrine::server::clock::Clock;
use vitrine::server::db::{Missing, Repo, TrashScope};

use super::{add_media, desc, item_ids, media, new_job, new_user, title};
use crate::helpers::TestDatabase;

fn images(names: &[&'static str]) -> Vec<(&'static str, u64, &'static str)> {
    names.iter().map(|name| (*name, 1, "image/png")).collect()
}

async fn library(repo: &dyn Repo) -> Vec<Uuid> {
    let query = MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() };
    repo.list_media(&query, 100).await.unwrap().into_iter().map(|m| m.id).collect()
}

async fn cover_candidates(repo: &dyn Repo, collection: Uuid) -> Vec<Uuid> {
    let published = repo.list_published_collections().await.unwrap();
    let found = published.into_iter().find(|c| c.summary.collection.id == collection).expect("published");
    found.candidates.into_iter().map(|m| m.id).collect()
}

pub(super) async fn a_trashed_item_is_hidden_everywhere_and_comes_back_in_place(db: &TestDatabase) {
    let repo = db.repo().await;
    let me = new_user(repo.as_ref(), "me@example.test").await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png", "d.png"])).await;
    let trip = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc(""), None).await.unwrap();
    let home = repo.create_collection(Uuid::new_v4(), &title("Home"), "home", &desc(""), None).await.unwrap();
    repo.add_to_collection(trip.id, &[ids[3], ids[1], ids[0], ids[2]]).await.unwrap().unwrap();
    repo.add_to_collection(home.id, &[ids[1]]).await.unwrap().unwrap();
    repo.set_cover(trip.id, Some(ids[1])).await.unwrap().unwrap();
    repo.set_published(trip.id, true).await.unwrap().unwrap();
    let version = repo.published_version("trip").await.unwrap().unwrap();

    assert_eq!(repo.trash_media(&[ids[1], Uuid::new_v4()], Some(me)).await.unwrap(), [ids[1]]);
    assert!(repo.trash_media(&[ids[1]], Some(me)).await.unwrap().is_empty(), "already in the trash");
    assert_eq!(library(repo.as_ref()).await, [ids[0], ids[2], ids[3]]);
    assert!(repo.find_media(ids[1]).await.unwrap().is_none());
    assert!(repo.update_media(ids[1], &title("x"), &super::alt("")).await.unwrap().is_none());
    assert_eq!(item_ids(repo.as_ref(), trip.id).await, [ids[3], ids[0], ids[2]]);
    assert!(item_ids(repo.as_ref(), home.id).await.is_empty());
    let counts: Vec<u32> = repo.list_collections().await.unwrap().iter().map(|s| s.item_count).collect();
    assert_eq!(counts, [0, 3], "home, then trip: trashed items are not counted");
    assert!(repo.published_version("trip").await.unwrap().unwrap() > version, "the gallery changed");
    // The chosen cover is in the trash: the default rule's first image stands in.
    assert_eq!(cover_candidates(repo.as_ref(), trip.id).await, [ids[3]]);
    assert_eq!(repo.add_to_collection(home.id, &[ids[1]]).await.unwrap(), Err(Missing::Media(ids[1])));
    assert_eq!(repo.set_cover(trip.id, Some(ids[1])).await.unwrap(), Err(Missing::Media(ids[1])));
    // A reorder orders what is visible.
    repo.reorder_collection(trip.id, &[ids[3], ids[0], ids[2]]).await.unwrap().unwrap();
    assert!(repo.reorder_collection(trip.id, &[ids[3], ids[1], ids[0], ids[2]]).await.unwrap().is_err());

    let listed = repo.trashed_media(TrashScope::All, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].item.id, listed[0].deleted_by), (ids[1], Some(me)));
    let key = listed[0].item.object_key.clone();
    assert_eq!(repo.trashed_originals().await.unwrap(), [key]);

    assert_eq!(repo.restore_media(&[ids[1], ids[0]]).await.unwrap(), [ids[1]], "only what was trashed");
    assert!(repo.restore_media(&[ids[1]]).await.unwrap().is_empty());
    assert_eq!(item_ids(repo.as_ref(), trip.id).await, [ids[3], ids[1], ids[0], ids[2]], "back at its place");
    assert_eq!(item_ids(repo.as_ref(), home.id).await, [ids[1]]);
    assert_eq!(cover_candidates(repo.as_ref(), trip.id).await, [ids[1], ids[3]], "the chosen cover again");
    assert_eq!(library(repo.as_ref()).await, ids);
    assert!(repo.trashed_media(TrashScope::All, 10).await.unwrap().is_empty());
    assert!(repo.trashed_originals().await.unwrap().is_empty());
}

pub(super) async fn a_trashed_collection_is_hidden_and_comes_back_whole(db: &TestDatabase) {
    let repo = db.repo().await;
    let me = new_user(repo.as_ref(), "me@example.test").await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png"])).await;
    let c =
        repo.create_collection(Uuid::new_v4(), &title("Old trip"), "old-trip", &desc("Summer"), None).await.unwrap();
    repo.update_collection(c.id, &title("Trip"), &desc("Summer"), Some("trip")).await.unwrap().unwrap();
    repo.add_to_collection(c.id, &[ids[2], ids[0], ids[1]]).await.unwrap().unwrap();
    repo.set_cover(c.id, Some(ids[0])).await.unwrap().unwrap();
    repo.set_published(c.id, true).await.unwrap().unwrap();
    let before = repo.find_collection(c.id).await.unwrap().unwrap();

    assert!(repo.trash_collection(c.id, Some(me)).await.unwrap());
    assert!(!repo.trash_collection(c.id, Some(me)).await.unwrap(), "already in the trash");
    assert!(repo.find_collection(c.id).await.unwrap().is_none());
    assert!(repo.find_collection_by_slug("trip").await.unwrap().is_none());
    assert!(!repo.collection_exists(c.id).await.unwrap());
    assert_eq!(repo.published_version("trip").await.unwrap(), None);
    assert_eq!(repo.slug_redirect("old-trip").await.unwrap(), None);
    assert!(repo.list_collections().await.unwrap().is_empty());
    assert!(repo.list_published_collections().await.unwrap().is_empty());
    assert_eq!(repo.add_to_collection(c.id, &[ids[0]]).await.unwrap(), Err(Missing::Collection));
    assert!(repo.set_published(c.id, false).await.unwrap().is_none());
    assert!(repo.media_collections(ids[0]).await.unwrap().is_empty());
    assert!(repo.slugs_like("trip", "trip", None).await.unwrap().contains(&"trip".to_string()), "its slug stays taken");
    assert_eq!(library(repo.as_ref()).await.len(), 3, "its media stay in the library");

    let listed = repo.trashed_collections(TrashScope::All, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].item.collection.id, listed[0].item.item_count, listed[0].deleted_by), (c.id, 3, Some(me)));

    assert!(repo.restore_collection(c.id).await.unwrap());
    assert!(!repo.restore_collection(c.id).await.unwrap());
    let after = repo.find_collection(c.id).await.unwrap().unwrap();
    assert_eq!(
        (&after.slug, after.published, after.cover_media_id, &after.description),
        (&before.slug, before.published, before.cover_media_id, &before.description)
    );
    assert_eq!(item_ids(repo.as_ref(), c.id).await, [ids[2], ids[0], ids[1]]);
    assert!(repo.published_version("trip").await.unwrap().is_some());
    assert_eq!(repo.slug_redirect("old-trip").await.unwrap().as_deref(), Some("trip"));
    assert!(repo.trashed_collections(TrashScope::All, 10).await.unwrap().is_empty());
}

pub(super) async fn only_what_is_in_the_trash_is_purged(db: &TestDatabase) {
    let repo = db.repo().await;
    let job = new_job(&["gone.png"], Duration::hours(1));
    repo.create_upload_job(&job).await.unwrap();
    let gone = media();
    repo.complete_upload_file(job.files[0].id, None, &gone).await.unwrap();
    let c = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc(""), None).await.unwrap();
    repo.add_to_collection(c.id, &[gone.id]).await.unwrap().unwrap();

    assert!(!repo.purge_media(gone.id).await.unwrap(), "a live item is not purged");
    assert!(!repo.purge_collection(c.id).await.unwrap(), "nor a live collection");
    repo.trash_media(&[gone.id], None).await.unwrap();
    assert!(repo.purge_media(gone.id).await.unwrap());
    assert!(repo.trashed_media(TrashScope::All, 10).await.unwrap().is_empty());
    assert!(repo.restore_media(&[gone.id]).await.unwrap().is_empty(), "nothing to restore");
    let file = repo.find_upload_file(job.files[0].id).await.unwrap().unwrap();
    assert_eq!(file.media_id, None, "the upload keeps its history");

    assert!(repo.trash_collection(c.id, None).await.unwrap());
    assert!(repo.purge_collection(c.id).await.unwrap());
    assert!(!repo.restore_collection(c.id).await.unwrap());
    assert!(repo.slugs_like("trip", "trip", None).await.unwrap().is_empty(), "its slug is free again");
}

pub(super) async fn the_trash_lists_by_deletion_time_and_what_the_retention_lets_go(db: &TestDatabase) {
    let clock = Clock::frozen();
    let repo = db.repo_with_clock(clock.clone()).await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png"])).await;
    let first = repo.create_collection(Uuid::new_v4(), &title("First"), "first", &desc(""), None).await.unwrap();
    let second = repo.create_collection(Uuid::new_v4(), &title("Second"), "second", &desc(""), None).await.unwrap();
    let start = clock.now();
    repo.trash_media(&[ids[0]], None).await.unwrap();
    repo.trash_collection(first.id, None).await.unwrap();
    clock.advance(Duration::days(1));
    repo.trash_media(&[ids[1]], None).await.unwrap();
    repo.trash_collection(second.id, None).await.unwrap();

    let media_of = |scope| {
        let repo = repo.clone();
        async move { repo.trashed_media(scope, 10).await.unwrap().into_iter().map(|t| t.item.id).collect::<Vec<_>>() }
    };
    assert_eq!(media_of(TrashScope::All).await, [ids[1], ids[0]], "most recently deleted first");
    assert_eq!(media_of(TrashScope::DeletedBefore(start + Duration::hours(12))).await, [ids[0]]);
    assert_eq!(media_of(TrashScope::DeletedBefore(start + Duration::days(2))).await, [ids[0], ids[1]], "oldest first");
    assert_eq!(media_of(TrashScope::Ids(&[ids[1], ids[2]])).await, [ids[1]], "a live item is not listed");
    assert_eq!(repo.trashed_media(TrashScope::All, 1).await.unwrap().len(), 1, "the limit holds");
    let listed = repo.trashed_media(TrashScope::All, 10).await.unwrap();
    assert!((listed[1].deleted_at - start).num_milliseconds().abs() <= 1, "deleted at the clock's time");

    let collections_of = |scope| {
        let repo = repo.clone();
        async move {
            let listed = repo.trashed_collections(scope, 10).await.unwrap();
            listed.into_iter().map(|t| t.item.collection.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(collections_of(TrashScope::All).await, [second.id, first.id]);
    assert_eq!(collections_of(TrashScope::DeletedBefore(start + Duration::hours(12))).await, [first.id]);
    assert_eq!(collections_of(TrashScope::Ids(&[first.id])).await, [first.id]);
}
