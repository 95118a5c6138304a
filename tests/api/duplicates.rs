//! Duplicates: content the library holds is not uploaded again (`/api/uploads/start` answers
//! `duplicate_of` before any PUT) unless the file says "upload anyway"; the store refuses
//! bytes that do not match the SHA-256 signed into the PUT; `/api/media/duplicates` lists
//! what is held more than once, and keeping one moves the others to the trash.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, TestApp};

fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(24, 16, image::Rgb([shade, 120, 200]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn spec(name: &str, bytes: &[u8], anyway: bool) -> Value {
    json!({"name": name, "size": bytes.len(), "content_type": "image/png", "sha256": sha256(bytes), "allow_duplicate": anyway})
}

/// Uploads `bytes` with its hash announced; the new item's id.
async fn upload_hashed(app: &TestApp, name: &str, bytes: &[u8], anyway: bool) -> String {
    let started = app.start_ok(json!([spec(name, bytes, anyway)])).await;
    let file = &started["files"][0];
    assert_eq!(app.put_object(&file["upload"], bytes.to_vec()).await.status(), 200);
    let done: Value = app.complete(&file["file"]["id"], None).await.json().await.unwrap();
    done["file"]["media_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn content_already_held_is_answered_with_its_item_before_any_put() {
    let app = spawn_app().await.signed_in().await;
    let (photo, other) = (png(10), png(200));
    let held = upload_hashed(&app, "photo.png", &photo, false).await;

    let again = app.start_ok(json!([spec("copy of photo.png", &photo, false)])).await;
    assert_eq!(again["job"], Value::Null, "nothing to upload: no job");
    assert_eq!(again["files"], json!([{"name": "copy of photo.png", "duplicate_of": held}]));

    let mixed = app.start_ok(json!([spec("new.png", &other, false), spec("photo.png", &photo, false)])).await;
    assert_eq!(mixed["job"]["total_files"], 1, "only the new file is in the job");
    assert!(mixed["files"][0]["upload"]["url"].is_string());
    assert_eq!(mixed["files"][1]["duplicate_of"], held);

    // "Upload anyway" stores a second copy.
    let second = upload_hashed(&app, "photo again.png", &photo, true).await;
    assert_ne!(second, held);
    let library: Value = app.api("/api/media/list", json!({})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 2);

    // A trashed item does not count as held: the same content goes up again.
    app.api("/api/media/delete", json!({"ids": [held, second]})).await;
    let after = app.start_ok(json!([spec("photo.png", &photo, false)])).await;
    assert!(after["files"][0]["upload"]["url"].is_string());

    let bad =
        app.start_upload(json!([{"name": "x.png", "size": 3, "content_type": "image/png", "sha256": "abc"}])).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("64 hex digits"));
}

#[tokio::test]
async fn the_store_refuses_bytes_that_do_not_match_the_signed_hash() {
    let app = spawn_app().await.signed_in().await;
    let photo = png(40);
    let started = app.start_ok(json!([spec("photo.png", &photo, false)])).await;
    let file = &started["files"][0];
    let signed: Vec<String> =
        file["upload"]["headers"].as_array().unwrap().iter().map(|h| h[0].as_str().unwrap().to_lowercase()).collect();
    assert!(signed.contains(&"x-amz-checksum-sha256".to_string()), "{signed:?}");

    let mut corrupted = photo.clone();
    corrupted[30] ^= 0xff;
    let refused = app.put_object(&file["upload"], corrupted).await;
    assert_eq!(refused.status(), 400, "{:?}", refused.text().await);
    assert_eq!(app.complete(&file["file"]["id"], None).await.status(), 409, "nothing is there to record");
    assert_eq!(app.put_object(&file["upload"], photo).await.status(), 200, "the right bytes are taken");
    assert_eq!(app.complete(&file["file"]["id"], None).await.status(), 200);
}

#[tokio::test]
async fn duplicates_are_listed_and_keeping_one_moves_the_others_to_the_trash() {
    let app = spawn_app().await.signed_in().await;
    let photo = png(90);
    let first = upload_hashed(&app, "first.png", &photo, false).await;
    let second = upload_hashed(&app, "second.png", &photo, true).await;
    let third = upload_hashed(&app, "third.png", &photo, true).await;
    upload_hashed(&app, "alone.png", &png(91), false).await;

    let groups: Value = app.api("/api/media/duplicates", json!({})).await.json().await.unwrap();
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["sha256"], sha256(&photo));
    let ids: Vec<&str> =
        groups[0]["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str(), third.as_str()], "oldest first");

    let kept: Value = app.api("/api/media/keep_one", json!({"id": second})).await.json().await.unwrap();
    let mut trashed: Vec<&str> = kept["deleted"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    trashed.sort();
    let mut expected = [first.as_str(), third.as_str()];
    expected.sort();
    assert_eq!(trashed, expected);
    let groups: Value = app.api("/api/media/duplicates", json!({})).await.json().await.unwrap();
    assert_eq!(groups, json!([]));
    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(trash["media"].as_array().unwrap().len(), 2, "the others can be restored");

    let missing = app.api("/api/media/keep_one", json!({"id": uuid::Uuid::new_v4()})).await;
    assert_eq!(missing.status(), 404);
    let viewer = app.member("viewer@example.test", "viewer").await;
    assert_eq!(app.api_as(&viewer.client, "/api/media/keep_one", json!({"id": second})).await.status(), 403);
    assert_eq!(app.api_as(&viewer.client, "/api/media/duplicates", json!({})).await.status(), 200);
}

async fn stored(app: &TestApp, key: &str) -> bool {
    let key = vitrine::model::ObjectKey::parse(key).unwrap();
    app.storage.head(&key).await.unwrap().is_some()
}

/// A big file goes up unhashed (the browser hashes it while sending) and reports its SHA-256
/// with the completion: a copy is found then, its object deleted, and no second item made.
#[tokio::test]
async fn a_copy_hashed_while_sent_is_found_at_completion_and_its_object_deleted() {
    let app = spawn_app().await.signed_in().await;
    let photo = png(60);
    let held = upload_hashed(&app, "photo.png", &photo, false).await;
    let trip: Value = app.api("/api/collections/create", json!({"title": "Trip"})).await.json().await.unwrap();

    let unhashed = json!([{"name": "big copy.png", "size": photo.len(), "content_type": "image/png"}]);
    let started: Value = app
        .api("/api/uploads/start", json!({"files": unhashed, "collection_id": trip["id"]}))
        .await
        .json()
        .await
        .unwrap();
    let file = &started["files"][0];
    let key = file["file"]["object_key"].as_str().unwrap().to_string();
    assert_eq!(app.put_object(&file["upload"], photo.clone()).await.status(), 200);
    assert!(stored(&app, &key).await);
    let body = json!({"file_id": file["file"]["id"], "sha256": sha256(&photo)});
    let done = app.api("/api/uploads/complete", body.clone()).await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["file"]["status"], "completed");
    assert_eq!(done["file"]["duplicate_of"], held);
    assert_eq!(done["file"]["media_id"], held);
    assert_eq!(done["job"]["completed_files"], 1);
    assert!(!stored(&app, &key).await, "the second copy is deleted from the store");
    let repeated: Value = app.api("/api/uploads/complete", body).await.json().await.unwrap();
    assert_eq!(repeated, done, "a retried completion answers the same");

    let library: Value = app.api("/api/media/list", json!({})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 1, "no second item");
    let trip_items: Value = app.api("/api/collections/get", json!({"id": trip["id"]})).await.json().await.unwrap();
    let ids: Vec<&str> =
        trip_items["items"].as_array().unwrap().iter().map(|m| m["media"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [held.as_str()], "the batch's collection holds the item");
}

/// A batch for a collection puts the files the library holds into it too, without sending them.
#[tokio::test]
async fn a_copy_answered_at_the_start_joins_the_batchs_collection() {
    let app = spawn_app().await.signed_in().await;
    let photo = png(70);
    let held = upload_hashed(&app, "photo.png", &photo, false).await;
    let album: Value = app.api("/api/collections/create", json!({"title": "Album"})).await.json().await.unwrap();
    let body = json!({"files": [spec("photo.png", &photo, false)], "collection_id": album["id"]});
    let started: Value = app.api("/api/uploads/start", body).await.json().await.unwrap();
    assert_eq!(started["files"][0]["duplicate_of"], held);
    let album: Value = app.api("/api/collections/get", json!({"id": album["id"]})).await.json().await.unwrap();
    let ids: Vec<&str> =
        album["items"].as_array().unwrap().iter().map(|m| m["media"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [held.as_str()]);
}
