//! Tags: created on the fly, one per name whatever its case, added and removed in bulk, found
//! by filter and by search, renamed and merged; trashed items count in no tag.

use uuid::Uuid;
use vitrine::model::media::{MediaQuery, MediaSort};
use vitrine::model::tag::TagName;
use vitrine::server::db::{RenameRefusal, Repo};

use super::{add_media, alt, title};
use crate::helpers::TestDatabase;

fn names(list: &[&str]) -> Vec<TagName> {
    list.iter().map(|n| TagName::parse(n).unwrap()).collect()
}

async fn tagged(repo: &dyn Repo, tags: &[&str]) -> Vec<Uuid> {
    let query = MediaQuery {
        sort: MediaSort::Name,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..MediaQuery::default()
    };
    repo.list_media(&query, 100).await.unwrap().into_iter().map(|m| m.id).collect()
}

async fn found(repo: &dyn Repo, search: &str) -> Vec<Uuid> {
    let query = MediaQuery { sort: MediaSort::Name, search: Some(search.into()), ..MediaQuery::default() };
    repo.list_media(&query, 100).await.unwrap().into_iter().map(|m| m.id).collect()
}

fn counts(tags: Vec<vitrine::model::tag::Tag>) -> Vec<(String, u32)> {
    tags.into_iter().map(|t| (t.name, t.item_count)).collect()
}

pub(super) async fn tags_are_added_and_removed_in_bulk_and_filter_the_library(db: &TestDatabase) {
    let repo = db.repo().await;
    let files: Vec<(&str, u64, &str)> = ["a.png", "b.png", "c.png"].iter().map(|n| (*n, 1, "image/png")).collect();
    let ids = add_media(repo.as_ref(), &files).await;

    let done = repo.tag_media(&ids[..2], &names(&["Beach", "2024"]), &[]).await.unwrap();
    assert_eq!((done.added, done.removed), (4, 0));
    let again = repo.tag_media(&ids[..2], &names(&["beach"]), &[]).await.unwrap();
    assert_eq!(again.added, 0, "a tag is one whatever its case, and each item carries it once");
    repo.tag_media(&ids[2..], &names(&["BEACH"]), &[]).await.unwrap();
    assert_eq!(counts(repo.list_tags().await.unwrap()), [("2024".to_string(), 2), ("Beach".to_string(), 3)]);

    assert_eq!(tagged(repo.as_ref(), &["beach"]).await, ids);
    assert_eq!(tagged(repo.as_ref(), &["Beach", "2024"]).await, &ids[..2], "every tag named");
    assert!(tagged(repo.as_ref(), &["beach", "nowhere"]).await.is_empty());
    assert_eq!(tagged(repo.as_ref(), &["2024", "BEACH", "beach"]).await, &ids[..2], "a tag named twice counts once");
    assert_eq!(found(repo.as_ref(), "2024").await, &ids[..2], "tags are searched");

    let mut of: Vec<(Uuid, String)> = repo.tags_of(&[ids[0], ids[2]]).await.unwrap();
    of.sort();
    let mut expected = [(ids[0], "2024".to_string()), (ids[0], "Beach".to_string()), (ids[2], "Beach".to_string())];
    expected.sort();
    assert_eq!(of, expected);

    let removed = repo.tag_media(&[ids[0], Uuid::new_v4()], &[], &names(&["beach", "unknown"])).await.unwrap();
    assert_eq!((removed.added, removed.removed), (0, 1));
    assert_eq!(tagged(repo.as_ref(), &["beach"]).await, &ids[1..]);
    // Editing the title keeps the tags searchable.
    repo.update_media(ids[0], &title("Sunset"), &alt("")).await.unwrap().unwrap();
    assert_eq!(found(repo.as_ref(), "2024").await, [ids[1], ids[0]], "b.png, then Sunset");

    // A trashed item counts in no tag and is not tagged.
    repo.trash_media(&[ids[1]], None).await.unwrap();
    assert_eq!(counts(repo.list_tags().await.unwrap()), [("2024".to_string(), 1), ("Beach".to_string(), 1)]);
    assert_eq!(repo.tag_media(&[ids[1]], &names(&["new"]), &[]).await.unwrap().added, 0);
    repo.restore_media(&[ids[1]]).await.unwrap();
    assert_eq!(tagged(repo.as_ref(), &["2024"]).await, [ids[1], ids[0]], "tags come back with the item");
}

pub(super) async fn tags_are_renamed_and_merged(db: &TestDatabase) {
    let repo = db.repo().await;
    let files: Vec<(&str, u64, &str)> = ["a.png", "b.png", "c.png"].iter().map(|n| (*n, 1, "image/png")).collect();
    let ids = add_media(repo.as_ref(), &files).await;
    repo.tag_media(&ids[..1], &names(&["sea"]), &[]).await.unwrap();
    repo.tag_media(&ids[..2], &names(&["ocean"]), &[]).await.unwrap();
    repo.tag_media(&ids[2..], &names(&["Beach"]), &[]).await.unwrap();
    let tags = repo.list_tags().await.unwrap();
    let id_of = |name: &str| tags.iter().find(|t| t.name == name).unwrap().id;

    let renamed = repo.rename_tag(id_of("Beach"), &TagName::parse("beach").unwrap()).await.unwrap().unwrap();
    assert_eq!(renamed.name, "beach", "a change of case is a rename");
    assert_eq!(
        repo.rename_tag(id_of("sea"), &TagName::parse("OCEAN").unwrap()).await.unwrap(),
        Err(RenameRefusal::Taken(id_of("ocean")))
    );
    assert_eq!(
        repo.rename_tag(Uuid::new_v4(), &TagName::parse("x").unwrap()).await.unwrap(),
        Err(RenameRefusal::NoTag)
    );
    repo.rename_tag(id_of("ocean"), &TagName::parse("Seaside").unwrap()).await.unwrap().unwrap();
    assert_eq!(found(repo.as_ref(), "seaside").await, &ids[..2], "a rename is searchable at once");

    let merged = repo.merge_tags(&[id_of("sea"), id_of("Beach")], id_of("ocean")).await.unwrap().unwrap();
    assert_eq!((merged.name.as_str(), merged.item_count), ("Seaside", 3));
    assert_eq!(counts(repo.list_tags().await.unwrap()), [("Seaside".to_string(), 3)]);
    assert_eq!(tagged(repo.as_ref(), &["seaside"]).await, ids);
    assert!(repo.merge_tags(&[id_of("ocean")], Uuid::new_v4()).await.unwrap().is_none());
}
