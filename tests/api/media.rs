//! The library API over HTTP.

use serde_json::{json, Value};
use vitrine::server::db::{NewMedia, NewUploadFile, NewUploadJob};

use crate::helpers::{spawn_app, test_app};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 120, 200]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn edit_find_and_delete_an_item() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("holiday.png", "image/png", png(200, 100)).await;
    let id = file["media_id"].clone();
    let key = file["object_key"].as_str().unwrap().to_string();

    let updated = app
        .api("/api/media/update", json!({"id": id, "title": "  Lake <Bled>  ", "alt_text": "A lake & an island"}))
        .await;
    assert_eq!(updated.status(), 200);
    let item: Value = updated.json().await.unwrap();
    assert_eq!(item["media"]["title"], "Lake <Bled>");

    let detail: Value = app.api("/api/media/get", json!({"id": id})).await.json().await.unwrap();
    assert_eq!(detail["item"]["media"]["alt_text"], "A lake & an island");
    assert_eq!(detail["collections"], json!([]));

    let found: Value = app.api("/api/media/list", json!({"query": {"search": "bled"}})).await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    // A variant exists; the delete moves the item to the trash, and purging it removes object,
    // variants and row.
    assert_eq!(app.client.get(app.url(&format!("/cdn/{key}?width=50"))).send().await.unwrap().status(), 200);
    assert!(app.data_dir.join("cache").join(&key).exists());
    let deleted: Value = app.api("/api/media/delete", json!({"ids": [id]})).await.json().await.unwrap();
    assert_eq!(deleted["deleted"], json!([id]));
    assert!(app.data_dir.join("objects/vitrine").join(&key).exists(), "kept while in the trash");
    let purged: Value = app.api("/api/trash/purge", json!({"media": [id]})).await.json().await.unwrap();
    assert_eq!(purged["media"], json!([id]));
    assert!(!app.data_dir.join("objects/vitrine").join(&key).exists());
    assert!(!app.data_dir.join("cache").join(&key).exists());
    assert_eq!(app.api("/api/media/get", json!({"id": id})).await.status(), 404);
    assert_eq!(app.client.get(app.url(&format!("/cdn/{key}"))).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn bad_edits_are_refused_and_change_nothing() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("a.png", "image/png", png(10, 10)).await;
    let id = file["media_id"].clone();
    for (title, alt, needle) in [
        ("x".repeat(201), String::new(), "longer than 200"),
        (String::new(), "y".repeat(1001), "longer than 1000"),
        ("line\nbreak".to_string(), String::new(), "one line"),
    ] {
        let response = app.api("/api/media/update", json!({"id": id, "title": title, "alt_text": alt})).await;
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains(needle), "{needle}");
    }
    let detail: Value = app.api("/api/media/get", json!({"id": id})).await.json().await.unwrap();
    assert_eq!(detail["item"]["media"]["title"], "");
    let long_search = app.api("/api/media/list", json!({"query": {"search": "s".repeat(201)}})).await;
    assert_eq!(long_search.status(), 400);
    assert_eq!(app.api("/api/media/delete", json!({"ids": []})).await.status(), 400);
    let unknown = app.api("/api/media/update", json!({"id": uuid::Uuid::new_v4(), "title": "", "alt_text": ""})).await;
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn a_purge_the_store_refuses_leaves_the_item_in_the_trash() {
    // An app whose store is unreachable, with an item recorded while it was up.
    let app = test_app().unreachable_store().spawn().await.signed_in().await;
    let file_id = uuid::Uuid::new_v4();
    let job = NewUploadJob {
        quota: None,
        id: uuid::Uuid::new_v4(),
        created_by: None,
        collection_id: None,
        files: vec![NewUploadFile {
            id: file_id,
            object_key: vitrine::model::ObjectKey::parse(&format!("media/{file_id}/kept.png")).unwrap(),
            original_filename: "kept.png".into(),
            size: 10,
            content_type: vitrine::model::ContentType::parse("image/png").unwrap(),
            url_expires_at: chrono::Utc::now(),
            multipart: None,
            last_modified: None,
            fingerprint: None,
            sha256: None,
        }],
    };
    app.repo.create_upload_job(&job).await.unwrap();
    let media = NewMedia::new(uuid::Uuid::new_v4());
    app.repo.complete_upload_file(file_id, None, &media).await.unwrap();

    // Moving to the trash needs no store.
    assert_eq!(app.api("/api/media/delete", json!({"ids": [media.id]})).await.status(), 200);
    let response = app.api("/api/trash/purge", json!({"media": [media.id]})).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("refused"), "{body}");
    let trash = app.repo.trashed_media(vitrine::server::db::TrashScope::All, 10).await.unwrap();
    assert_eq!(trash.len(), 1, "the item is still in the trash");
}
