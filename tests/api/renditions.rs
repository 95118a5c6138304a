//! Every accepted photo displays: a real HEIC, AVIF and TIFF (made here with libheif and
//! `image`) uploaded through the real flow get a display rendition and a server-made
//! placeholder; every srcset candidate loads; "download original" still gives the original;
//! with a CDN configured the URLs resize the rendition. A file that only claims to be a HEIC is
//! refused, not kept as a broken picture.

use std::io::Cursor;

use libheif_rs::CompressionFormat;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp};

/// Left half red, right half blue: a picture whose pixels can be checked after resizing.
fn picture(width: u32, height: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            image::Rgb([220, 30, 30])
        } else {
            image::Rgb([30, 30, 220])
        }
    }))
}

pub fn heic(width: u32, height: u32) -> Vec<u8> {
    vitrine::server::images::encode_heif(&picture(width, height), CompressionFormat::Hevc, 85).unwrap()
}

pub fn avif(width: u32, height: u32) -> Vec<u8> {
    vitrine::server::images::encode_heif(&picture(width, height), CompressionFormat::Av1, 85).unwrap()
}

pub fn tiff(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    picture(width, height).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Tiff).unwrap();
    out
}

/// The three formats, each with its name and type.
fn photos() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("iphone.heic", "image/heic", heic(1200, 800)),
        ("web.avif", "image/avif", avif(1200, 800)),
        ("scan.tiff", "image/tiff", tiff(1200, 800)),
    ]
}

async fn item_named(app: &TestApp, name: &str) -> Value {
    let library = app.library().await;
    library["items"].as_array().unwrap().iter().find(|i| i["media"]["original_filename"] == name).unwrap().clone()
}

#[tokio::test]
async fn heic_avif_and_tiff_display_everywhere_through_a_rendition() {
    let app = spawn_app().await.signed_in().await;
    for (name, content_type, bytes) in photos() {
        let file = app.upload(name, content_type, bytes.clone()).await;
        assert_eq!(file["status"], "completed", "{name}");
        let item = item_named(&app, name).await;
        let media = &item["media"];
        assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(1200), Some(800)), "{name}");
        let key = media["object_key"].as_str().unwrap();
        assert_eq!(media["display_key"], format!("{key}.display.jpg"), "{name}");
        assert!(media["thumbhash"].is_string(), "{name}: the server made the placeholder");
        assert!(item["placeholder"].as_str().unwrap().starts_with("data:image/png"), "{name}");

        // Every srcset candidate loads, is a JPEG of its width, and shows the photo's pixels.
        let srcset = item["srcset"].as_str().unwrap();
        assert!(srcset.contains(".display.jpg?width="), "{name}: {srcset}");
        for entry in srcset.split(", ") {
            let (url, w) = entry.rsplit_once(' ').unwrap();
            let response = app.client.get(url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
            assert_eq!(response.headers()["content-type"], "image/jpeg", "{url}");
            let decoded = image::load_from_memory(&response.bytes().await.unwrap()).unwrap().to_rgb8();
            assert_eq!(format!("{}w", decoded.width()), w, "{url}");
            let (left, right) = (decoded.get_pixel(2, decoded.height() / 2), decoded.get_pixel(decoded.width() - 3, 5));
            assert!(left[0] > 150 && right[2] > 150, "{url}: red left, blue right");
        }
        // "Download original" still gives the original's bytes.
        let download: Value = app.api("/api/media/download", json!({"id": media["id"]})).await.json().await.unwrap();
        let original = app.client.get(download["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(original.bytes().await.unwrap().to_vec(), bytes, "{name}");
        // The origin also reads the original itself.
        let direct = app.client.get(app.url(&format!("/cdn/{key}?width=320"))).send().await.unwrap();
        assert_eq!(direct.status(), 200, "{name}");
    }
}

#[tokio::test]
async fn with_a_cdn_the_urls_resize_the_rendition_and_the_original_stays_the_download() {
    let app = test_app().cdn_base_url("https://zone.b-cdn.net").spawn().await.signed_in().await;
    app.upload("iphone.heic", "image/heic", heic(900, 600)).await;
    let item = item_named(&app, "iphone.heic").await;
    let key = item["media"]["object_key"].as_str().unwrap().to_string();
    let rendition = format!("https://zone.b-cdn.net/{key}.display.jpg?width=");
    assert!(item["url"].as_str().unwrap().starts_with(&rendition), "{}", item["url"]);
    for entry in item["srcset"].as_str().unwrap().split(", ") {
        assert!(entry.starts_with(&rendition), "{entry}");
    }
    let download: Value =
        app.api("/api/media/download", json!({"id": item["media"]["id"]})).await.json().await.unwrap();
    assert!(!download["url"].as_str().unwrap().contains(".display."), "{download}");
    // The rendition is in the store for the CDN to pull.
    let stored = app.storage.head(&vitrine::model::ObjectKey::parse(&format!("{key}.display.jpg")).unwrap()).await;
    assert_eq!(stored.unwrap().unwrap().content_type.unwrap().as_str(), "image/jpeg");
}

#[tokio::test]
async fn a_file_that_only_claims_to_be_a_heic_is_refused_and_deleted() {
    let app = spawn_app().await.signed_in().await;
    // An ISO media header that says HEIC, and nothing a decoder can read behind it.
    let mut fake = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    fake.extend(std::iter::repeat_n(7u8, 4000));
    let started =
        app.start_ok(json!([{"name": "broken.heic", "size": fake.len(), "content_type": "image/heic"}])).await;
    let file = &started["files"][0];
    assert_eq!(app.put_object(&file["upload"], fake).await.status(), 200);
    let done = app.complete(&file["file"]["id"], None).await;
    assert_eq!(done.status(), 400);
    let message = done.text().await.unwrap();
    assert!(message.contains("cannot be shown"), "{message}");
    assert!(app.library().await["items"].as_array().unwrap().is_empty(), "nothing recorded");
    let key = vitrine::model::ObjectKey::parse(file["file"]["object_key"].as_str().unwrap()).unwrap();
    assert!(app.storage.head(&key).await.unwrap().is_none(), "its object is deleted");
}

#[tokio::test]
async fn trashing_and_purging_removes_the_rendition_too() {
    let app = spawn_app().await.signed_in().await;
    app.upload("iphone.heic", "image/heic", heic(400, 300)).await;
    let item = item_named(&app, "iphone.heic").await;
    let rendition = vitrine::model::ObjectKey::parse(item["media"]["display_key"].as_str().unwrap()).unwrap();
    let variant = app.client.get(item["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(variant.status(), 200);
    assert_eq!(app.api("/api/media/delete", json!({"ids": [item["media"]["id"]]})).await.status(), 200);
    let hidden = app.client.get(item["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(hidden.status(), 404, "a trashed item's rendition is gone for visitors at once");
    assert_eq!(app.api("/api/trash/purge", json!({"media": [item["media"]["id"]]})).await.status(), 200);
    assert!(app.storage.head(&rendition).await.unwrap().is_none(), "purged with its original");
}

#[tokio::test]
async fn photos_stored_before_renditions_existed_get_theirs() {
    let app = spawn_app().await.signed_in().await;
    app.upload("old.heic", "image/heic", heic(600, 400)).await;
    let item = item_named(&app, "old.heic").await;
    let rendition = vitrine::model::ObjectKey::parse(item["media"]["display_key"].as_str().unwrap()).unwrap();
    // As an earlier version left it: no rendition, no placeholder.
    app.storage.delete(&rendition).await.unwrap();
    let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
    sqlx::query("UPDATE media SET display_key = NULL, thumbhash = NULL").execute(&pool).await.unwrap();
    assert_eq!(item_named(&app, "old.heic").await["media"]["display_key"], Value::Null);

    let made = vitrine::server::media::rendition::backfill(&app.state).await.unwrap();
    assert_eq!(made, 1);
    let item = item_named(&app, "old.heic").await;
    assert_eq!(item["media"]["display_key"], rendition.as_str());
    assert!(item["media"]["thumbhash"].is_string());
    let variant = app.client.get(item["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(variant.status(), 200);
    assert_eq!(vitrine::server::media::rendition::backfill(&app.state).await.unwrap(), 0, "nothing left");
}
