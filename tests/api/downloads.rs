//! A collection as one ZIP over HTTP: exact `Content-Length`, what `unzip -t` and Python's
//! `zipfile` accept (the originals, byte for byte, names made unique), `Range` answered so a
//! resumed download is byte-identical to a whole one, who may download, and an archive above
//! 4 GiB made of sparse objects.

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;

use futures::StreamExt;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([seed, (x % 256) as u8, (y % 256) as u8]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A collection "Trip" of three images, two of them named alike; returns (collection, originals).
async fn trip(app: &TestApp) -> (Value, Vec<(String, Vec<u8>)>) {
    let collection: Value = app.api("/api/collections/create", json!({"title": "Trip"})).await.json().await.unwrap();
    let mut ids = Vec::new();
    let mut originals = Vec::new();
    for (i, name) in ["beach.png", "Beach.png", "dunes.png"].iter().enumerate() {
        let bytes = png(i as u8 * 80);
        ids.push(app.upload(name, "image/png", bytes.clone()).await["media_id"].clone());
        originals.push((name.to_string(), bytes));
    }
    assert_eq!(app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": ids})).await.status(), 200);
    (collection, originals)
}

async fn get(client: &reqwest::Client, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut request = client.get(url);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    request.send().await.unwrap()
}

/// Python's `zipfile`: every entry's CRC checked, then names and sizes, one per line.
fn python_zipfile(path: &Path) -> String {
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n\
                  for i in z.infolist(): print(i.filename, i.file_size, i.compress_type)";
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3");
    assert!(out.status.success(), "zipfile refused it: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn unzip_t(path: &Path) -> String {
    let out = Command::new("unzip").arg("-t").arg(path).output().expect("unzip (apt-get install unzip)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "unzip -t: {text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

#[tokio::test]
async fn a_collection_downloads_as_one_zip_that_tools_accept() {
    let app = spawn_app().await.signed_in().await;
    let (_, originals) = trip(&app).await;
    let response = get(&app.client, &app.url("/c/trip/download"), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("filename=\"trip.zip\""));
    let length: u64 = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let body = response.bytes().await.unwrap();
    assert_eq!(body.len() as u64, length, "the length said up front is the length sent");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trip.zip");
    std::fs::write(&path, &body).unwrap();
    let tested = unzip_t(&path);
    assert!(tested.contains("No errors detected"), "{tested}");
    let listing = python_zipfile(&path);
    let names: Vec<&str> = listing.lines().map(|line| line.rsplitn(3, ' ').last().unwrap()).collect();
    assert_eq!(names, ["beach.png", "Beach (2).png", "dunes.png"], "unique even where case is ignored");
    assert!(listing.lines().all(|line| line.ends_with(" 0")), "stored, not compressed: {listing}");
    let mut archive = zip_entries(&path);
    for (name, bytes) in &originals {
        let (stored_name, stored) = archive.remove(0);
        assert_eq!(&stored, bytes, "{name}: the original, byte for byte");
        assert!(stored_name == *name || stored_name == "Beach (2).png", "{stored_name}");
    }
}

/// Every entry's name and bytes, through Python's `zipfile`.
fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n\
                  for i in z.infolist(): print(i.filename + '\\t' + z.read(i).hex())";
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, hex) = line.split_once('\t').unwrap();
            let bytes = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            (name.to_string(), bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_resumed_download_is_byte_identical_to_a_whole_one() {
    let app = spawn_app().await.signed_in().await;
    trip(&app).await;
    let url = app.url("/c/trip/download");
    // Resumed before any whole download: no CRC is remembered yet, so the skipped parts are read.
    let head = get(&app.client, &url, Some("bytes=0-")).await;
    let length: u64 = head.headers()["content-length"].to_str().unwrap().parse().unwrap();
    drop(head);
    let splits = [1, 30, 31, 100, 200, length / 2, length - 200, length - 22, length - 1];
    let mut resumed = Vec::new();
    for &at in &splits {
        let first = get(&app.client, &url, Some(&format!("bytes=0-{}", at - 1))).await;
        assert_eq!(first.status(), 206);
        let rest = get(&app.client, &url, Some(&format!("bytes={at}-"))).await;
        assert_eq!(rest.status(), 206);
        assert_eq!(rest.headers()["content-range"], format!("bytes {at}-{}/{length}", length - 1).as_str());
        let mut joined = first.bytes().await.unwrap().to_vec();
        joined.extend(rest.bytes().await.unwrap());
        resumed.push(joined);
    }
    let whole = get(&app.client, &url, None).await.bytes().await.unwrap().to_vec();
    // Every entry's CRC-32 is now remembered, so a later resume reads nothing it does not send.
    let media = app.repo.list_media(&vitrine::model::media::MediaQuery::default(), 10).await.unwrap();
    let ids: Vec<uuid::Uuid> = media.iter().map(|m| m.id).collect();
    assert_eq!(app.repo.crc32s(&ids).await.unwrap().len(), 3, "each entry's CRC-32 is remembered");
    assert_eq!(whole.len() as u64, length);
    for (at, joined) in splits.iter().zip(&resumed) {
        assert!(joined == &whole, "split at {at} differs");
    }
    // Past the end: 416 with the length; another archive's tag in If-Range: the whole anew.
    let past = get(&app.client, &url, Some(&format!("bytes={length}-"))).await;
    assert_eq!(past.status(), 416);
    assert_eq!(past.headers()["content-range"], format!("bytes */{length}").as_str());
    let etag = get(&app.client, &url, None).await.headers()["etag"].clone();
    let same = app.client.get(&url).header("range", "bytes=10-").header("if-range", etag).send().await.unwrap();
    assert_eq!(same.status(), 206);
    let stale = app.client.get(&url).header("range", "bytes=10-").header("if-range", "\"zip-0\"").send().await.unwrap();
    assert_eq!(stale.status(), 200);
}

#[tokio::test]
async fn visitors_download_only_what_the_collection_or_its_link_allows() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = trip(&app).await;
    let visitor = app.new_browser();
    let url = app.url("/c/trip/download");
    assert_eq!(get(&visitor, &url, None).await.status(), 404, "unpublished");
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    assert_eq!(get(&visitor, &url, None).await.status(), 404, "published, downloads not allowed");
    let gallery = get(&visitor, &app.url("/c/trip"), None).await.text().await.unwrap();
    assert!(!gallery.contains("/c/trip/download"), "no button then");
    let allowed = app.api("/api/collections/downloads", json!({"id": collection["id"], "allowed": true})).await;
    assert_eq!(allowed.status(), 200);
    assert_eq!(get(&visitor, &url, None).await.status(), 200);
    let gallery = get(&visitor, &app.url("/c/trip"), None).await.text().await.unwrap();
    assert!(gallery.contains("/c/trip/download"), "the gallery offers it");

    for (allow_download, expected) in [(false, 404), (true, 200)] {
        let body = json!({"collection_id": collection["id"], "allow_download": allow_download});
        let link: Value = app.api("/api/shares/create", body).await.json().await.unwrap();
        let page = link["url"].as_str().unwrap_or_else(|| panic!("{link}"));
        let shared = get(&app.new_browser(), &format!("{page}/download"), None).await;
        assert_eq!(shared.status(), expected, "link allowing downloads: {allow_download}");
    }
}

/// Writes `bytes` chunks to `file`, seeking over runs of zeros so the copy on disk stays sparse.
fn write_sparse(file: &mut std::fs::File, chunk: &[u8]) {
    static ZEROS: [u8; 1 << 20] = [0; 1 << 20];
    // Compared with memcmp, not byte by byte: this is a debug build reading 4 GiB.
    if chunk.len() <= ZEROS.len() && chunk == &ZEROS[..chunk.len()] {
        file.seek(SeekFrom::Current(chunk.len() as i64)).unwrap();
    } else {
        file.write_all(chunk).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_above_4_gib_of_sparse_objects_is_valid_zip64() {
    let app = spawn_app().await.signed_in().await;
    let collection: Value = app.api("/api/collections/create", json!({"title": "Big"})).await.json().await.unwrap();
    // Two real uploads, then their objects grow on disk into sparse files of zeros (the store
    // keeps objects as files), and their rows are told the new sizes.
    const BIG: u64 = 4 * 1024 * 1024 * 1024 + 64 * 1024 * 1024;
    let mut ids = Vec::new();
    for (name, size) in [("huge.mp4", BIG), ("small.mp4", 5_000_000u64)] {
        let file = app.upload(name, "video/mp4", b"\0\0\0\x18ftypisom\0\0\0\0isommp41".to_vec()).await;
        let key = file["object_key"].as_str().unwrap();
        let path = app.data_dir.join("objects/vitrine").join(key);
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(size).unwrap();
        set_size(&app, &file["media_id"], size).await;
        ids.push(file["media_id"].clone());
    }
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": ids})).await;
    let response = get(&app.client, &app.url("/c/big/download"), None).await;
    assert_eq!(response.status(), 200);
    let length: u64 = response.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(length > BIG + 5_000_000, "{length}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zip");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut stream = response.bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        received += chunk.len() as u64;
        write_sparse(&mut file, &chunk);
    }
    file.set_len(received).unwrap();
    drop(file);
    assert_eq!(received, length);
    let tested = unzip_t(&path);
    assert!(tested.contains("No errors detected"), "{tested}");
    let listing = python_zipfile(&path);
    assert_eq!(listing, format!("huge.mp4 {BIG} 0\nsmall.mp4 5000000 0\n"));
}

/// Tells an item's row a new size (its object was grown on disk behind the store's back).
async fn set_size(app: &TestApp, id: &Value, size: u64) {
    let id: uuid::Uuid = serde_json::from_value(id.clone()).unwrap();
    let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
    sqlx::query("UPDATE media SET size_bytes = $1 WHERE id = $2")
        .bind(i64::try_from(size).unwrap())
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
}
