//! Collections' items, slugs and what a published page shows: memberships, unique slugs,
//! byte order of titles, versions bumped by every change, and the cover rule.

#[allow(unused_imports)]
use super::*;

pub(super) async fn collections_take_media_once_in_order_and_leave_them_on_delete(db: &TestDatabase) {
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

pub(super) async fn a_taken_slug_is_a_unique_violation(db: &TestDatabase) {
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

pub(super) async fn titles_order_by_bytes_on_both_databases(db: &TestDatabase) {
    let repo = db.repo().await;
    let item = add_media(repo.as_ref(), &[("x.png", 1, "image/png")]).await[0];
    for (name, slug) in [("apple", "apple"), ("Banana", "banana"), ("Éclair", "eclair"), ("cherry", "cherry")] {
        let c = repo.create_collection(Uuid::new_v4(), &title(name), slug, &desc(""), None).await.unwrap();
        repo.add_to_collection(c.id, &[item]).await.unwrap().unwrap();
    }
    let titles: Vec<String> = repo.media_collections(item).await.unwrap().into_iter().map(|c| c.title).collect();
    assert_eq!(titles, ["Banana", "apple", "cherry", "Éclair"], "byte order, whatever the locale");
}

pub(super) async fn a_collection_may_take_back_its_own_old_slug_but_not_anothers(db: &TestDatabase) {
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

pub(super) async fn every_change_to_a_published_page_bumps_its_version(db: &TestDatabase) {
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

pub(super) async fn the_cover_must_be_one_of_the_items(db: &TestDatabase) {
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
