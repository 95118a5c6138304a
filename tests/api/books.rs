//! `vitrine check`: the books against the bucket, judged at an injected time (the clock moves,
//! nothing sleeps), and repaired without touching a live file or anything too recent.

use serde_json::{json, Value};
use vitrine::model::{ContentType, ObjectKey};
use vitrine::server::books::{self, Finding};

use crate::helpers::{spawn_app, test_app, TestDatabase, ADMIN_EMAIL, ADMIN_PASSWORD};

fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(8, 8, image::Rgb([9, 9, 9]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn orphans_missing_originals_stray_uploads_and_stale_variants_are_found_and_repaired() {
    let app = spawn_app().await.signed_in().await;
    let live = app.upload("live.png", "image/png", png()).await;
    let gone = app.upload("gone.png", "image/png", png()).await;
    let gone_key = gone["object_key"].as_str().unwrap().to_string();
    app.storage.delete(&key(&gone_key)).await.unwrap();
    let orphan = format!("media/{}/orphan.png", uuid::Uuid::new_v4());
    app.storage.put_bytes(&key(&orphan), "image/png", png()).await.unwrap();
    let stray_key = format!("media/{}/stray.mp4", uuid::Uuid::new_v4());
    let stray =
        app.storage.create_multipart(&key(&stray_key), &ContentType::parse("video/mp4").unwrap()).await.unwrap();
    let variants = app.data_dir.join(format!("cache/media/{}/deleted.png", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&variants).unwrap();
    std::fs::write(variants.join("width=640"), vec![1u8; 1000]).unwrap();

    // Now: everything planted is too recent to judge, but the variants of a deleted item.
    let early = books::audit(&app.state, app.clock.now(), |_| {}).await.unwrap();
    assert!(early.too_young >= 2, "{early:?}");
    assert_eq!(early.findings, vec![Finding::StaleVariants { dir: variants.clone(), size: 1000 }]);

    // Two hours on: each problem, once, with its size; the live file is not among them.
    app.clock.advance(chrono::Duration::hours(2));
    let audit = books::audit(&app.state, app.clock.now(), |_| {}).await.unwrap();
    let gone_id: uuid::Uuid = serde_json::from_value(gone["media_id"].clone()).unwrap();
    assert!(audit.findings.contains(&Finding::Orphan { key: orphan.clone(), size: png().len() as u64 }), "{audit:?}");
    assert!(audit.findings.contains(&Finding::MissingOriginal { media_id: gone_id, key: gone_key.clone() }));
    assert!(audit.findings.contains(&Finding::StrayMultipart { key: stray_key.clone(), upload_id: stray.clone() }));
    assert_eq!(audit.findings.len(), 4, "{:?}", audit.findings);
    let live_key = live["object_key"].as_str().unwrap().to_string();
    assert!(audit.findings.iter().all(|f| !f.describe().contains(&live_key)));

    assert_eq!(books::repair(&app.state, &audit.findings).await.unwrap(), 4);
    let after = books::audit(&app.state, app.clock.now(), |_| {}).await.unwrap();
    assert_eq!(after.findings, vec![], "repaired, and the missing original is marked");
    assert!(app.storage.head(&key(&live_key)).await.unwrap().is_some(), "the live file is untouched");
    assert!(app.storage.head(&key(&orphan)).await.unwrap().is_none());
    assert!(!variants.exists());
    let library: Value = app.api("/api/media/list", json!({})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 2, "rows stay; the missing one is marked, not deleted");
}

#[tokio::test]
async fn vitrine_check_lists_the_books_and_leaves_recent_objects_alone() {
    let db = TestDatabase::sqlite();
    let app = test_app().database(db.shared()).spawn().await.signed_in().await;
    app.upload("live.png", "image/png", png()).await;
    let orphan = format!("media/{}/orphan.png", uuid::Uuid::new_v4());
    app.storage.put_bytes(&key(&orphan), "image/png", png()).await.unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["check", "--repair"])
        .current_dir(&app.data_dir)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("VITRINE_DATA_DIR", &app.data_dir)
        .env("VITRINE_DATABASE_URL", &db.config.url)
        .env("VITRINE_STORE_ADDR", "127.0.0.1:0")
        .env("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "off")
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("summary: 2 objects") && printed.contains("0 finding(s)"), "{printed}");
    assert!(printed.contains("1 too recent to judge"), "{printed}");
    assert!(app.storage.head(&key(&orphan)).await.unwrap().is_some(), "too recent to touch, even with --repair");
}
