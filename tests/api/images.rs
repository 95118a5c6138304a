//! The local image origin over HTTP: real uploads, real resizing, the disk cache, Range.

use std::io::Cursor;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

impl TestApp {
    /// Uploads `bytes` through the real flow and returns the completed file.
    pub async fn upload(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> Value {
        let started = self.start_ok(json!([{"name": name, "size": bytes.len(), "content_type": content_type}])).await;
        let file = &started["files"][0];
        let put = self.put_object(&file["upload"], bytes).await;
        assert_eq!(put.status(), 200);
        let done = self.complete(&file["file"]["id"], None).await;
        assert_eq!(done.status(), 200);
        done.json::<Value>().await.unwrap()["file"].clone()
    }

    pub async fn library(&self) -> Value {
        self.api("/api/media/list", json!({})).await.json().await.unwrap()
    }
}

#[tokio::test]
async fn dimensions_are_read_at_completion_and_srcset_never_upscales() {
    let app = spawn_app().await.signed_in().await;
    app.upload("wide.png", "image/png", png(1000, 500)).await;
    let library = app.library().await;
    let item = &library["items"][0];
    assert_eq!(item["media"]["width"], 1000);
    assert_eq!(item["media"]["height"], 500);
    let srcset = item["srcset"].as_str().unwrap();
    let widths: Vec<&str> = srcset.split(", ").map(|entry| entry.rsplit(' ').next().unwrap()).collect();
    assert_eq!(widths, ["320w", "640w", "960w", "1000w"]);
    assert!(item["url"].as_str().unwrap().ends_with("?width=640"));

    // Every srcset URL loads and is an image of the listed width.
    for entry in srcset.split(", ") {
        let (url, w) = entry.rsplit_once(' ').unwrap();
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let bytes = response.bytes().await.unwrap();
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!(format!("{}w", decoded.width()), w, "{url}");
    }
}

#[tokio::test]
async fn variants_are_resized_cached_and_revalidated() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("photo.png", "image/png", png(1200, 800)).await;
    let key = file["object_key"].as_str().unwrap();
    let url = app.url(&format!("/cdn/{key}?width=300"));

    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "image/png");
    assert!(first.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let image = image::load_from_memory(&first.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (300, 200));

    // The variant is on disk; with the original gone from the store, it is still served —
    // so the second request did not resize anything.
    std::fs::remove_file(app.data_dir.join("objects/vitrine").join(key)).unwrap();
    let second = app.client.get(&url).send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(image::load_from_memory(&second.bytes().await.unwrap()).unwrap().width(), 300);

    let revalidated = app.client.get(&url).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);

    // Kept in memory as well as on disk: with the disk copy gone too, still the same variant.
    std::fs::remove_dir_all(app.data_dir.join("cache")).unwrap();
    let from_memory = app.client.get(&url).send().await.unwrap();
    assert_eq!(from_memory.status(), 200);
    assert_eq!(from_memory.headers()["etag"].to_str().unwrap(), etag);
    // Deleting the item (to the trash) hides its variants everywhere: nothing of it is served.
    let deleted = app.api("/api/media/delete", json!({"ids": [file["media_id"]]})).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404, "no variant outlives its item");
}

#[tokio::test]
async fn format_auto_gives_webp_to_browsers_that_take_it() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("a.png", "image/png", png(400, 300)).await;
    let key = file["object_key"].as_str().unwrap();
    let url = app.url(&format!("/cdn/{key}?width=200&format=auto"));
    // A browser that takes WebP but not AVIF (one that takes AVIF gets it: `formats.rs`).
    let webp = app.client.get(&url).header("accept", "image/webp,*/*").send().await.unwrap();
    assert_eq!(webp.headers()["content-type"], "image/webp");
    assert_eq!(webp.headers()["vary"], "Accept");
    let bytes = webp.bytes().await.unwrap();
    assert_eq!(image::guess_format(&bytes).unwrap(), image::ImageFormat::WebP);
    let plain = app.client.get(&url).header("accept", "image/png,*/*").send().await.unwrap();
    assert_eq!(plain.headers()["content-type"], "image/png");
    let jpeg = app.client.get(app.url(&format!("/cdn/{key}?width=200&format=jpeg&quality=50"))).send().await.unwrap();
    assert_eq!(jpeg.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn bad_parameters_are_400_with_the_reason_and_missing_keys_404() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("a.png", "image/png", png(64, 64)).await;
    let key = file["object_key"].as_str().unwrap();
    for (query, needle) in [("width=abc", "width"), ("blur=3", "unknown parameter"), ("quality=500", "quality")] {
        let response = app.client.get(app.url(&format!("/cdn/{key}?{query}"))).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.text().await.unwrap().contains(needle), "{query}");
    }
    let missing = app.client.get(app.url("/cdn/media/nope/missing.png?width=100")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let missing_original = app.client.get(app.url("/cdn/media/nope/missing.png")).send().await.unwrap();
    assert_eq!(missing_original.status(), 404);
    let traversal = app.client.get(app.url("/cdn/media/%2e%2e/secret")).send().await.unwrap();
    assert!(traversal.status() == 400 || traversal.status() == 404, "{}", traversal.status());
}

#[tokio::test]
async fn videos_stream_with_range_so_players_can_seek() {
    let app = spawn_app().await.signed_in().await;
    // An MP4's first box (ftyp), then filler: completion checks the first bytes.
    let mut bytes = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
    bytes.extend((24..1000u32).map(|i| (i % 256) as u8));
    let file = app.upload("clip.mp4", "video/mp4", bytes.clone()).await;
    let key = file["object_key"].as_str().unwrap();
    let whole = app.client.get(app.url(&format!("/cdn/{key}"))).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let part = app.client.get(app.url(&format!("/cdn/{key}"))).header("range", "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 100-199/1000");
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    // Never gzipped, even for a client that takes gzip: ranges must stay byte-exact.
    let gz = app
        .client
        .get(app.url(&format!("/cdn/{key}")))
        .header("range", "bytes=100-199")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.status(), 206);
    assert!(gz.headers().get("content-encoding").is_none());
    assert_eq!(gz.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    // Image parameters on a video are ignored: it is served as it is.
    let with_width = app.client.get(app.url(&format!("/cdn/{key}?width=320"))).send().await.unwrap();
    assert_eq!(with_width.status(), 200);
    assert_eq!(with_width.headers()["content-type"], "video/mp4");
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_not_decoded() {
    let app = spawn_app().await.signed_in().await;
    // A valid PNG whose header claims 60000×60000 pixels (14 GB decoded), with a correct CRC.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let file = app.upload("bomb.png", "image/png", bomb).await;
    let key = file["object_key"].as_str().unwrap();
    let response = app.client.get(app.url(&format!("/cdn/{key}?width=100"))).send().await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("60000"));
}

/// CRC-32 (IEEE), as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
