//! What delivery keeps per item and collection, the same on both databases: focal points,
//! display renditions (and finding the items stored before them), remembered CRC-32s, and a
//! collection's "visitors may download it"; each change to a published page bumps its version.

#[allow(unused_imports)]
use super::*;
use vitrine::model::focus::FocalPoint;

pub(super) async fn focal_points_are_kept_and_cleared(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("a.png", 1, "image/png")]).await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Focus"), "focus", &desc(""), None).await.unwrap();
    repo.add_to_collection(c.id, &[ids[0]]).await.unwrap().unwrap();
    repo.set_published(c.id, true).await.unwrap();
    let before = repo.published_version("focus").await.unwrap().unwrap();
    let point = FocalPoint::parse(0.1234, 1.0).unwrap();
    let media = repo.set_focal_point(ids[0], Some(point)).await.unwrap().unwrap();
    assert_eq!(media.focus, Some(point));
    assert_eq!(repo.find_media(ids[0]).await.unwrap().unwrap().focus, Some(point), "read back exactly");
    assert!(repo.published_version("focus").await.unwrap().unwrap() > before, "the gallery's crops moved");
    assert_eq!(repo.set_focal_point(ids[0], None).await.unwrap().unwrap().focus, None);
    assert!(repo.set_focal_point(Uuid::new_v4(), Some(point)).await.unwrap().is_none());
}

pub(super) async fn items_without_a_display_rendition_are_found_and_given_one(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(
        repo.as_ref(),
        &[
            ("a.heic", 1, "image/heic"),
            ("b.jpg", 1, "image/jpeg"),
            ("c.tiff", 1, "image/tiff"),
            ("d.avif", 1, "image/avif"),
        ],
    )
    .await;
    let mut waiting: Vec<Uuid> = Vec::new();
    let mut after = None;
    // Pages of one, in id order, until none is left.
    while let Some(media) = repo.media_without_rendition(after, 1).await.unwrap().pop() {
        waiting.push(media.id);
        after = Some(media.id);
    }
    let mut expected = vec![ids[0], ids[2], ids[3]];
    expected.sort();
    assert_eq!(waiting, expected, "HEIC, TIFF and AVIF; never the JPEG");
    let key = ObjectKey::parse("media/x/a.heic.display.jpg").unwrap();
    repo.set_display_rendition(ids[0], &key, (400, 300), "3OcRJYB4d3h/iIeHeEh3eIhw+j2w").await.unwrap();
    let media = repo.find_media(ids[0]).await.unwrap().unwrap();
    assert_eq!((media.display_key, media.width, media.height), (Some(key), Some(400), Some(300)));
    assert_eq!(media.thumbhash.as_deref(), Some("3OcRJYB4d3h/iIeHeEh3eIhw+j2w"));
    let left: Vec<Uuid> = repo.media_without_rendition(None, 10).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&ids[0]));
}

pub(super) async fn crc32s_are_remembered_whole(db: &TestDatabase) {
    let repo = db.repo().await;
    let ids = add_media(repo.as_ref(), &[("a.png", 1, "image/png"), ("b.png", 1, "image/png")]).await;
    assert!(repo.crc32s(&ids).await.unwrap().is_empty());
    // The full unsigned range survives both databases' integer columns.
    repo.remember_crc32(ids[1], u32::MAX).await.unwrap();
    repo.remember_crc32(ids[0], 0).await.unwrap();
    let mut known = repo.crc32s(&ids).await.unwrap();
    known.sort();
    let mut expected = vec![(ids[0], 0), (ids[1], u32::MAX)];
    expected.sort();
    assert_eq!(known, expected);
}

pub(super) async fn visitors_downloads_are_a_collection_setting(db: &TestDatabase) {
    let repo = db.repo().await;
    let c = repo.create_collection(Uuid::new_v4(), &title("Zip"), "zip", &desc(""), None).await.unwrap();
    assert!(!c.allow_download, "off until the editors allow it");
    repo.set_published(c.id, true).await.unwrap();
    let before = repo.published_version("zip").await.unwrap().unwrap();
    assert!(repo.set_allow_download(c.id, true).await.unwrap().unwrap().allow_download);
    assert!(repo.find_collection(c.id).await.unwrap().unwrap().allow_download);
    assert!(repo.published_version("zip").await.unwrap().unwrap() > before, "the page shows the button");
    assert!(repo.set_allow_download(Uuid::new_v4(), true).await.unwrap().is_none());
}
