//! Collections: lookups by slug and the redirects renames leave, items in their order,
//! membership requests, listings, and publication of what does not exist.

use chrono::Duration;
use uuid::Uuid;
use vitrine::model::media::CollectionRef;
use vitrine::server::clock::Clock;
use vitrine::server::db::{ReorderRefusal, Repo};

use super::{add_media, desc, item_ids, title};
use crate::helpers::TestDatabase;

async fn redirect(repo: &dyn Repo, old_slug: &str) -> Option<String> {
    repo.slug_redirect(old_slug).await.unwrap()
}

async fn rename(repo: &dyn Repo, id: Uuid, new_title: &str, new_slug: Option<&str>) -> String {
    repo.update_collection(id, &title(new_title), &desc(""), new_slug)
        .await
        .unwrap()
        .expect("the collection exists")
        .slug
}

fn images(names: &[&'static str]) -> Vec<(&'static str, u64, &'static str)> {
    names.iter().map(|name| (*name, 1, "image/png")).collect()
}

pub(super) async fn collections_are_found_by_their_current_slug(db: &TestDatabase) {
    let repo = db.repo().await;
    let trip = repo.create_collection(Uuid::new_v4(), &title("Trip"), "trip", &desc("Summer"), None).await.unwrap();
    let home = repo.create_collection(Uuid::new_v4(), &title("Home"), "home", &desc(""), None).await.unwrap();
    assert_eq!(repo.find_collection_by_slug("trip").await.unwrap(), Some(trip.clone()));
    assert_eq!(repo.find_collection_by_slug("home").await.unwrap().map(|c| c.id), Some(home.id));
    assert_eq!(repo.find_collection_by_slug("nowhere").await.unwrap(), None);
    assert_eq!(repo.find_collection_by_slug("TRIP").await.unwrap(), None, "slugs match exactly");

    let renamed =
        repo.update_collection(trip.id, &title("Journey"), &desc("Summer"), Some("journey")).await.unwrap().unwrap();
    assert_eq!(renamed.id, trip.id);
    assert_eq!(repo.find_collection_by_slug("journey").await.unwrap(), Some(renamed));
    assert_eq!(repo.find_collection_by_slug("trip").await.unwrap(), None, "an old slug redirects, it does not find");
}

pub(super) async fn a_renamed_slug_redirects_until_it_is_taken_back(db: &TestDatabase) {
    let repo = db.repo().await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Old"), "old", &desc(""), None).await.unwrap();
    assert_eq!(redirect(repo.as_ref(), "old").await, None, "a current slug is no redirect");
    assert_eq!(redirect(repo.as_ref(), "never-was").await, None);

    assert_eq!(rename(repo.as_ref(), c.id, "New", Some("new")).await, "new");
    assert_eq!(redirect(repo.as_ref(), "old").await.as_deref(), Some("new"));
    assert_eq!(redirect(repo.as_ref(), "new").await, None);
    // Every old slug leads to the current one, not to the slug that followed it.
    assert_eq!(rename(repo.as_ref(), c.id, "Newer", Some("newer")).await, "newer");
    assert_eq!(redirect(repo.as_ref(), "old").await.as_deref(), Some("newer"));
    assert_eq!(redirect(repo.as_ref(), "new").await.as_deref(), Some("newer"));

    // Taking an old slug back makes it current again, no longer a redirect.
    assert_eq!(rename(repo.as_ref(), c.id, "Old", Some("old")).await, "old");
    assert_eq!(redirect(repo.as_ref(), "old").await, None);
    assert_eq!(repo.find_collection_by_slug("old").await.unwrap().map(|c| c.id), Some(c.id));
    assert_eq!(redirect(repo.as_ref(), "new").await.as_deref(), Some("old"));
    assert_eq!(redirect(repo.as_ref(), "newer").await.as_deref(), Some("old"));

    // No new slug, or the current one again: the slug and its history stay as they are.
    assert_eq!(rename(repo.as_ref(), c.id, "Old again", None).await, "old");
    assert_eq!(rename(repo.as_ref(), c.id, "Old again", Some("old")).await, "old");
    assert_eq!(redirect(repo.as_ref(), "old").await, None);
    assert_eq!(redirect(repo.as_ref(), "newer").await.as_deref(), Some("old"));

    // A trashed collection leaves no redirect behind.
    assert!(repo.trash_collection(c.id, None).await.unwrap());
    assert_eq!(redirect(repo.as_ref(), "new").await, None);
    assert_eq!(redirect(repo.as_ref(), "newer").await, None);
}

pub(super) async fn items_come_in_display_order_after_a_reorder(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png", "d.png", "e.png"])).await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Ordered"), "ordered", &desc(""), None).await.unwrap();
    assert!(item_ids(repo.as_ref(), c.id).await.is_empty());
    repo.add_to_collection(c.id, &ids[..4]).await.unwrap().unwrap();
    assert_eq!(item_ids(repo.as_ref(), c.id).await, ids[..4].to_vec(), "in the order added");

    let order = [ids[2], ids[0], ids[3], ids[1]];
    assert_eq!(repo.reorder_collection(c.id, &order).await.unwrap(), Ok(()));
    assert_eq!(item_ids(repo.as_ref(), c.id).await, order);
    // The items are the media themselves, whole.
    let items = repo.collection_items(c.id).await.unwrap();
    assert_eq!(Some(items[0].clone()), repo.find_media(ids[2]).await.unwrap());
    // An item added later goes after the reordered ones.
    repo.add_to_collection(c.id, &[ids[4]]).await.unwrap().unwrap();
    let expected = [ids[2], ids[0], ids[3], ids[1], ids[4]];
    assert_eq!(item_ids(repo.as_ref(), c.id).await, expected);

    // An order that is not the items rearranged is refused and changes nothing.
    assert_eq!(
        repo.reorder_collection(c.id, &[ids[0], ids[1]]).await.unwrap(),
        Err(ReorderRefusal::NotAPermutation { sent: 2, held: 5, duplicates: false })
    );
    assert_eq!(
        repo.reorder_collection(c.id, &[ids[0], ids[0], ids[1], ids[2], ids[3]]).await.unwrap(),
        Err(ReorderRefusal::NotAPermutation { sent: 5, held: 5, duplicates: true })
    );
    assert_eq!(repo.reorder_collection(Uuid::new_v4(), &[]).await.unwrap(), Err(ReorderRefusal::NoCollection));
    assert_eq!(item_ids(repo.as_ref(), c.id).await, expected);
    assert!(item_ids(repo.as_ref(), Uuid::new_v4()).await.is_empty(), "no such collection: no items");
}

pub(super) async fn duplicate_ids_in_one_request_are_added_once(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png"])).await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Twice"), "twice", &desc(""), None).await.unwrap();
    let added = repo.add_to_collection(c.id, &[ids[0], ids[1], ids[0], ids[1], ids[0]]).await.unwrap().unwrap();
    assert_eq!((added.changed, added.item_count), (2, 2));
    assert_eq!(item_ids(repo.as_ref(), c.id).await, [ids[0], ids[1]], "each once, where first named");
    let again = repo.add_to_collection(c.id, &[ids[2], ids[1], ids[2]]).await.unwrap().unwrap();
    assert_eq!((again.changed, again.item_count), (1, 3));
    assert_eq!(item_ids(repo.as_ref(), c.id).await, ids);
}

pub(super) async fn collections_list_newest_first_with_item_counts(db: &TestDatabase) {
    // A second passes between collections on the repo's clock: no sleeping.
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let ids = add_media(repo.as_ref(), &images(&["a.png", "b.png", "c.png"])).await;
    repo.create_collection(Uuid::new_v4(), &title("Empty"), "empty", &desc(""), None).await.unwrap();
    clock.advance(Duration::seconds(1));
    let three = repo.create_collection(Uuid::new_v4(), &title("Three"), "three", &desc(""), None).await.unwrap();
    repo.add_to_collection(three.id, &ids).await.unwrap().unwrap();
    clock.advance(Duration::seconds(1));
    let one = repo.create_collection(Uuid::new_v4(), &title("One"), "one", &desc(""), None).await.unwrap();
    repo.add_to_collection(one.id, &[ids[0]]).await.unwrap().unwrap();
    repo.set_published(one.id, true).await.unwrap().unwrap();

    let counts = |listed: Vec<vitrine::model::collection::CollectionSummary>| {
        listed.into_iter().map(|s| (s.collection.slug, s.item_count)).collect::<Vec<_>>()
    };
    let listed = repo.list_collections().await.unwrap();
    assert!(listed[0].collection.published, "published and unpublished alike are listed");
    assert_eq!(counts(listed), [("one".to_string(), 1), ("three".to_string(), 3), ("empty".to_string(), 0)]);

    // Counts follow removals, and trashed media count in no collection.
    repo.remove_from_collection(three.id, &[ids[1]]).await.unwrap().unwrap();
    assert_eq!(repo.trash_media(&[ids[0]], None).await.unwrap(), [ids[0]]);
    assert_eq!(
        counts(repo.list_collections().await.unwrap()),
        [("one".to_string(), 0), ("three".to_string(), 1), ("empty".to_string(), 0)]
    );
}

pub(super) async fn what_does_not_exist_is_neither_published_nor_versioned(db: &TestDatabase) {
    let repo = db.repo().await;
    assert_eq!(repo.set_published(Uuid::new_v4(), true).await.unwrap(), None);
    assert_eq!(repo.published_version("no-such-page").await.unwrap(), None);
    assert!(repo.list_collections().await.unwrap().is_empty(), "publishing nothing created nothing");

    let c = repo.create_collection(Uuid::new_v4(), &title("Real"), "real", &desc(""), None).await.unwrap();
    let published = repo.set_published(c.id, true).await.unwrap().expect("it exists");
    assert_eq!((published.id, published.published), (c.id, true));
    assert!(repo.published_version("real").await.unwrap().is_some());
    // Only the current slug has a version; an old one redirects instead.
    assert_eq!(rename(repo.as_ref(), c.id, "Renamed", Some("renamed")).await, "renamed");
    assert_eq!(repo.published_version("real").await.unwrap(), None);
    assert!(repo.published_version("renamed").await.unwrap().is_some());
    let hidden = repo.set_published(c.id, false).await.unwrap().expect("it exists");
    assert!(!hidden.published);
    assert_eq!(repo.published_version("renamed").await.unwrap(), None);
}

pub(super) async fn an_items_collections_are_listed_by_title(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &images(&["m.png", "n.png"])).await;
    let (m, n) = (ids[0], ids[1]);
    // Created in another order than their titles, with slugs in yet another. Titles share a
    // case, so their order is the same whatever the database's collation.
    let winter = repo.create_collection(Uuid::new_v4(), &title("Winter"), "a-winter", &desc(""), None).await.unwrap();
    let autumn = repo.create_collection(Uuid::new_v4(), &title("Autumn"), "c-autumn", &desc(""), None).await.unwrap();
    let summer = repo.create_collection(Uuid::new_v4(), &title("Summer"), "b-summer", &desc(""), None).await.unwrap();
    let spring = repo.create_collection(Uuid::new_v4(), &title("Spring"), "d-spring", &desc(""), None).await.unwrap();
    for c in [&winter, &autumn, &summer] {
        repo.add_to_collection(c.id, &[m]).await.unwrap().unwrap();
    }
    repo.add_to_collection(spring.id, &[n]).await.unwrap().unwrap();
    let reference = |c: &vitrine::model::collection::Collection| CollectionRef {
        id: c.id,
        title: c.title.clone(),
        slug: c.slug.clone(),
    };
    assert_eq!(repo.media_collections(m).await.unwrap(), [reference(&autumn), reference(&summer), reference(&winter)]);
    assert_eq!(repo.media_collections(n).await.unwrap(), [reference(&spring)]);

    // A retitled collection moves to its new place; one the item left is no longer listed.
    repo.update_collection(winter.id, &title("Also winter"), &desc(""), None).await.unwrap().unwrap();
    repo.remove_from_collection(summer.id, &[m]).await.unwrap().unwrap();
    let titles: Vec<String> = repo.media_collections(m).await.unwrap().into_iter().map(|r| r.title).collect();
    assert_eq!(titles, ["Also winter", "Autumn"]);
    assert!(repo.media_collections(Uuid::new_v4()).await.unwrap().is_empty());
}
