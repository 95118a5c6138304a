//! Optional HLS renditions (`VITRINE_TRANSCODE=1`): a video's job is queued at completion, the
//! worker makes the renditions with ffmpeg into the store beside the original, and galleries
//! offer them to browsers that play HLS. Needs ffmpeg (`make test` installs it).

use serde_json::{json, Value};

use crate::helpers::test_app;

fn ffmpeg_webm(path: &std::path::Path) -> bool {
    std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=640x360:rate=25"])
        .args(["-c:v", "libvpx", "-b:v", "300k"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn a_video_gets_hls_renditions_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.webm");
    if !ffmpeg_webm(&clip) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but ffmpeg cannot make a test video");
        }
        eprintln!("SKIPPED: ffmpeg is not installed");
        return;
    }
    let app = test_app().uploads(|u| u.transcode = true).spawn().await.signed_in().await;
    let bytes = std::fs::read(&clip).unwrap();
    let started = app.start_ok(json!([{"name": "clip.webm", "size": bytes.len(), "content_type": "video/webm"}])).await;
    let file = &started["files"][0];
    assert_eq!(app.put_object(&file["upload"], bytes).await.status(), 200);
    let done = app
        .api(
            "/api/uploads/complete",
            json!({"file_id": file["file"]["id"], "video": {"width": 640, "height": 360, "duration_ms": 2000}}),
        )
        .await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    let media_id: uuid::Uuid = serde_json::from_value(done["file"]["media_id"].clone()).unwrap();
    let job = app.repo.transcode_job(media_id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("pending", 0));

    // One job, run here as the worker would.
    let ran = vitrine::server::media::transcode::transcode_next(&app.state).await.unwrap();
    assert_eq!(ran, Some(media_id));
    let job = app.repo.transcode_job(media_id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.attempts), ("done", 1));
    assert_eq!(
        vitrine::server::media::transcode::transcode_next(&app.state).await.unwrap(),
        None,
        "nothing left to do"
    );

    let media = app.repo.find_media(media_id).await.unwrap().unwrap();
    let master_key = media.hls_key.clone().expect("renditions recorded");
    let master = String::from_utf8(app.storage.get_bytes(&master_key).await.unwrap().unwrap()).unwrap();
    let master_key = master_key.to_string();
    assert!(master.starts_with("#EXTM3U") && master.contains("360p.m3u8"), "{master}");
    assert!(!master.contains("720p.m3u8"), "no rung above the video's own height");
    let dir_key = master_key.trim_end_matches("master.m3u8");
    let stored = |name: &str| vitrine::model::ObjectKey::parse(&format!("{dir_key}{name}")).unwrap();
    let rendition = String::from_utf8(app.storage.get_bytes(&stored("360p.m3u8")).await.unwrap().unwrap()).unwrap();
    let segment = rendition.lines().find(|l| l.ends_with(".ts")).expect("a segment");
    let head = app.storage.head(&stored(segment)).await.unwrap().expect("the segment is stored");
    assert!(head.size > 1000);

    // A gallery offers HLS first and the original second.
    let collection: Value = app.api("/api/collections/create", json!({"title": "Streams"})).await.json().await.unwrap();
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [media_id]})).await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let html = reqwest::get(app.url("/c/streams")).await.unwrap().text().await.unwrap();
    let hls = html.find("type=\"application/vnd.apple.mpegurl\"").expect("an HLS source");
    let original = html.find("type=\"video/webm\"").expect("the original as a source");
    assert!(hls < original, "HLS first, where the browser plays it");
    let playlist = reqwest::get(app.url(&format!("/cdn/{master_key}"))).await.unwrap();
    assert_eq!(playlist.status(), 200);

    // The trash hides the renditions; deleting the video for good deletes them.
    assert_eq!(app.api("/api/media/delete", json!({"ids": [media_id]})).await.status(), 200);
    assert_eq!(reqwest::get(app.url(&format!("/cdn/{master_key}"))).await.unwrap().status(), 404);
    assert_eq!(app.api("/api/trash/purge", json!({"media": [media_id]})).await.status(), 200);
    assert!(app.storage.head(&stored("master.m3u8")).await.unwrap().is_none());
    assert!(app.storage.head(&stored(segment)).await.unwrap().is_none());
}

#[tokio::test]
async fn a_job_left_running_by_a_dead_worker_is_taken_again_and_failures_are_capped() {
    let app = test_app().spawn().await.signed_in().await;
    let file = app
        .upload("x.mp4", "video/mp4", {
            let mut b = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
            b.resize(2000, 7);
            b
        })
        .await;
    let media_id: uuid::Uuid = serde_json::from_value(file["media_id"].clone()).unwrap();
    app.repo.enqueue_transcode(media_id).await.unwrap();
    app.repo.enqueue_transcode(media_id).await.unwrap();
    let claim = |stale_before| {
        let repo = app.repo.clone();
        async move { repo.claim_transcode(stale_before, 3).await.unwrap() }
    };
    let now = chrono::Utc::now();
    assert_eq!(claim(now - chrono::Duration::minutes(30)).await.map(|c| c.media_id), Some(media_id));
    // Running, not stale: nobody else takes it.
    assert_eq!(claim(now - chrono::Duration::minutes(30)).await, None);
    // Its worker died long ago (stale): taken again, twice.
    let later = || chrono::Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(claim(later()).await.map(|c| c.attempt), Some(2));
    let third = claim(later()).await.expect("a third attempt");
    assert_eq!((third.media_id, third.attempt), (media_id, 3));
    // A broken video (not decodable) fails with ffmpeg's reason and no renditions.
    assert!(app.repo.finish_transcode(third, Err("ffmpeg failed: invalid data")).await.unwrap());
    let job = app.repo.transcode_job(media_id).await.unwrap().unwrap();
    assert_eq!((job.status.as_str(), job.error.as_deref()), ("failed", Some("ffmpeg failed: invalid data")));
    assert!(app.repo.find_media(media_id).await.unwrap().unwrap().hls_key.is_none());
    assert_eq!(claim(later()).await, None, "three attempts, then it is left alone");
}
