//! Video poster frames: the browser PUTs a JPEG beside the video on its own presigned URL and
//! reports what it read from the video; the server keeps the poster only if it is a JPEG in the
//! store, shows it in galleries, and deletes it with the video.

use serde_json::{json, Value};
use vitrine::model::ObjectKey;

use crate::helpers::{spawn_app, TestApp};

/// An MP4's first box, then filler.
fn mp4(len: usize) -> Vec<u8> {
    let mut bytes = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    bytes.extend((24..len).map(|i| (i % 256) as u8));
    bytes
}

pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| image::Rgb([(x % 256) as u8, 90, 160]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

/// Starts a one-video job; (file id, started job).
async fn start_video(app: &TestApp, bytes: &[u8]) -> (Value, Value) {
    let started = app.start_ok(json!([{"name": "clip.mp4", "size": bytes.len(), "content_type": "video/mp4"}])).await;
    let file = started["files"][0].clone();
    assert_eq!(app.put_object(&file["upload"], bytes.to_vec()).await.status(), 200);
    (file["file"]["id"].clone(), started)
}

#[tokio::test]
async fn a_poster_frame_is_kept_shown_and_deleted_with_its_video() {
    let app = spawn_app().await.signed_in().await;
    let bytes = mp4(4000);
    let (file_id, _) = start_video(&app, &bytes).await;
    let poster = jpeg(320, 180);
    let signed = app.api("/api/uploads/poster", json!({"file_id": file_id, "size": poster.len()})).await;
    assert_eq!(signed.status(), 200);
    let signed: Value = signed.json().await.unwrap();
    assert_eq!(app.put_object(&signed, poster).await.status(), 200);
    let done = app
        .api(
            "/api/uploads/complete",
            json!({"file_id": file_id,
            "video": {"width": 640, "height": 360, "duration_ms": 3000, "poster": true}}),
        )
        .await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    let media_id = done["file"]["media_id"].clone();

    let item: Value = app.api("/api/media/get", json!({"id": media_id})).await.json().await.unwrap();
    let item = &item["item"];
    assert_eq!((item["media"]["width"].as_u64(), item["media"]["height"].as_u64()), (Some(640), Some(360)));
    assert_eq!(item["media"]["duration_ms"], 3000);
    let poster_url = item["poster"].as_str().expect("a poster URL").to_string();
    assert!(poster_url.contains(".poster.jpg?width="), "{poster_url}");
    let served = reqwest::get(&poster_url).await.unwrap();
    assert_eq!(served.status(), 200);
    assert!(served.headers()["content-type"].to_str().unwrap().starts_with("image/"));

    // In a published gallery the player shows it.
    let collection: Value = app.api("/api/collections/create", json!({"title": "Clips"})).await.json().await.unwrap();
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [media_id]})).await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let html = reqwest::get(app.url("/c/clips")).await.unwrap().text().await.unwrap();
    assert!(html.contains("<video controls") && html.contains("preload=\"metadata\""), "{html}");
    assert!(html.contains(&format!("poster=\"{}\"", poster_url.replace('&', "&amp;"))), "{html}");

    // The trash hides its poster; deleting the video for good deletes its poster too.
    let poster_key = ObjectKey::parse(done["file"]["object_key"].as_str().unwrap()).unwrap().poster();
    assert!(app.storage.head(&poster_key).await.unwrap().is_some());
    assert_eq!(app.api("/api/media/delete", json!({"ids": [media_id]})).await.status(), 200);
    assert_eq!(reqwest::get(app.url(&format!("/cdn/{poster_key}"))).await.unwrap().status(), 404);
    assert_eq!(app.api("/api/trash/purge", json!({"media": [media_id]})).await.status(), 200);
    assert!(app.storage.head(&poster_key).await.unwrap().is_none());
}

#[tokio::test]
async fn posters_are_only_for_videos_small_and_really_jpegs() {
    let app = spawn_app().await.signed_in().await;
    let (file_id, _) = start_video(&app, &mp4(4000)).await;
    let too_big = app.api("/api/uploads/poster", json!({"file_id": file_id, "size": 3 * 1024 * 1024})).await;
    assert_eq!(too_big.status(), 400);
    let image = app.start_ok(json!([{"name": "x.png", "size": 10, "content_type": "image/png"}])).await;
    let not_video =
        app.api("/api/uploads/poster", json!({"file_id": image["files"][0]["file"]["id"], "size": 100})).await;
    assert_eq!(not_video.status(), 400);

    // Bytes that are not a JPEG, sent on a poster URL: the video completes without a poster,
    // and the impostor is removed.
    let fake = b"GIF89a not a jpeg at all".to_vec();
    let signed: Value =
        app.api("/api/uploads/poster", json!({"file_id": file_id, "size": fake.len()})).await.json().await.unwrap();
    assert_eq!(app.put_object(&signed, fake).await.status(), 200);
    let done: Value = app
        .api(
            "/api/uploads/complete",
            json!({"file_id": file_id, "video": {"width": 99999, "duration_ms": 1000, "poster": true}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let item: Value = app.api("/api/media/get", json!({"id": done["file"]["media_id"]})).await.json().await.unwrap();
    assert!(item["item"]["poster"].is_null());
    assert!(item["item"]["media"]["width"].is_null(), "an impossible width is not kept");
    let key = ObjectKey::parse(done["file"]["object_key"].as_str().unwrap()).unwrap().poster();
    assert!(app.storage.head(&key).await.unwrap().is_none());
}
