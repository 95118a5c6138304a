//! Resumable multipart uploads against the embedded store over HTTP: parts signed one by one,
//! resumed after an interruption from what the store holds, re-signed after expiry, aborted,
//! and swept when abandoned.

use serde_json::{json, Value};

use vitrine::model::ObjectKey;

use crate::helpers::{test_app, TestApp};

const MIB: usize = 1024 * 1024;

/// A PNG header, then bytes that differ everywhere (so a misplaced part would show).
fn big_png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((8..len).map(|i| ((i * 31) ^ (i >> 13)) as u8));
    bytes
}

async fn multipart_app(change: impl FnOnce(&mut vitrine::server::config::UploadConfig)) -> TestApp {
    test_app()
        .uploads(|u| {
            u.multipart_threshold = 5 * MIB as u64;
            change(u);
        })
        .spawn()
        .await
        .signed_in()
        .await
}

impl TestApp {
    async fn sign_part(&self, file_id: &Value, number: u32) -> Value {
        let response = self.api("/api/uploads/part", json!({"file_id": file_id, "part_number": number})).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        response.json().await.unwrap()
    }

    /// Sends part `number` of `bytes` (5 MiB parts) and records it; the store's ETag.
    async fn send_part(&self, file_id: &Value, bytes: &[u8], number: u32) -> String {
        let request = self.sign_part(file_id, number).await;
        let start = (number as usize - 1) * 5 * MIB;
        let end = (start + 5 * MIB).min(bytes.len());
        let put = self.put_object(&request, bytes[start..end].to_vec()).await;
        assert_eq!(put.status(), 200, "part {number}");
        let etag = put.headers()["etag"].to_str().unwrap().to_string();
        let recorded =
            self.api("/api/uploads/part_done", json!({"file_id": file_id, "part_number": number, "etag": etag})).await;
        assert_eq!(recorded.status(), 200);
        etag
    }
}

#[tokio::test]
async fn forty_mib_in_eight_parts_interrupted_after_three_resumes_and_completes() {
    let app = multipart_app(|_| {}).await;
    let bytes = big_png(40 * MIB);
    let started = app
        .start_ok(json!([{"name": "big.png", "size": bytes.len(), "content_type": "image/png",
                          "last_modified": 1_700_000_000_000i64, "fingerprint": "ab12"}]))
        .await;
    let file = &started["files"][0];
    assert!(file["upload"].is_null(), "no single PUT for a multipart file");
    assert_eq!(file["file"]["part_size"], 5 * MIB);
    let file_id = file["file"]["id"].clone();

    for number in 1..=3 {
        app.send_part(&file_id, &bytes, number).await;
    }
    // Interrupted (a reload): the page asks what is unfinished, and the store what it has.
    let unfinished: Value = app.api("/api/uploads/unfinished", json!({})).await.json().await.unwrap();
    assert_eq!(unfinished[0]["id"], file_id);
    assert_eq!(unfinished[0]["last_modified"], 1_700_000_000_000i64);
    assert_eq!(unfinished[0]["fingerprint"], "ab12");
    let progress: Value = app.api("/api/uploads/parts", json!({"file_id": file_id})).await.json().await.unwrap();
    assert_eq!(progress["part_count"], 8);
    let have: Vec<u64> = progress["parts"].as_array().unwrap().iter().map(|p| p["number"].as_u64().unwrap()).collect();
    assert_eq!(have, [1, 2, 3]);
    // Completing now is refused, saying how far it got.
    let early = app.complete(&file_id, None).await;
    assert_eq!(early.status(), 409);
    assert!(early.text().await.unwrap().contains("3 of 8 parts"));

    // Only the missing five are sent.
    for number in 4..=8 {
        app.send_part(&file_id, &bytes, number).await;
    }
    let done = app.complete(&file_id, None).await;
    assert_eq!(done.status(), 200, "{:?}", done.text().await);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["file"]["status"], "completed");
    let key = &ObjectKey::parse(done["file"]["object_key"].as_str().unwrap()).unwrap();
    let head = app.storage.head(key).await.unwrap().unwrap();
    assert!(head.etag.as_deref().unwrap().trim_matches('"').ends_with("-8"), "multipart ETag: {:?}", head.etag);
    assert_eq!(head.size, bytes.len() as u64);
    let stored = app.storage.get_bytes(key).await.unwrap().unwrap();
    assert!(stored == bytes, "the object's bytes are the source's");
    // A repeated completion answers the same.
    assert_eq!(app.complete(&file_id, None).await.status(), 200);
    let unfinished: Value = app.api("/api/uploads/unfinished", json!({})).await.json().await.unwrap();
    assert_eq!(unfinished.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_expired_part_url_is_signed_again_not_failed() {
    let app = multipart_app(|_| {}).await;
    let bytes = big_png(6 * MIB);
    let started =
        app.start_ok(json!([{"name": "two-parts.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file_id = started["files"][0]["file"]["id"].clone();
    // Signed an hour ago (its 15 minutes are long gone), without waiting.
    app.clock.advance(chrono::Duration::hours(-1));
    let stale = app.sign_part(&file_id, 1).await;
    app.clock.advance(chrono::Duration::hours(1));
    let refused = app.put_object(&stale, bytes[..5 * MIB].to_vec()).await;
    assert_eq!(refused.status(), 403, "the store refuses the expired URL");
    // Signed again, the same part goes through and the upload completes.
    app.send_part(&file_id, &bytes, 1).await;
    app.send_part(&file_id, &bytes, 2).await;
    let done = app.complete(&file_id, None).await;
    assert_eq!(done.status(), 200);
    // Part numbers outside the file are refused.
    let outside = app.api("/api/uploads/part", json!({"file_id": file_id, "part_number": 3})).await;
    assert!(outside.status().is_client_error());
}

#[tokio::test]
async fn cancelling_aborts_the_upload_and_leaves_nothing_in_the_store() {
    let app = multipart_app(|_| {}).await;
    let bytes = big_png(12 * MIB);
    let started = app.start_ok(json!([{"name": "cancel.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file = &started["files"][0]["file"];
    let file_id = file["id"].clone();
    app.send_part(&file_id, &bytes, 1).await;
    app.send_part(&file_id, &bytes, 2).await;
    let cancelled = app.api("/api/uploads/fail", json!({"file_id": file_id, "reason": "cancelled"})).await;
    assert_eq!(cancelled.status(), 200);
    let key = &ObjectKey::parse(file["object_key"].as_str().unwrap()).unwrap();
    assert!(app.storage.head(key).await.unwrap().is_none());
    let upload_id = app.repo.find_upload_file(serde_json::from_value(file_id.clone()).unwrap()).await.unwrap().unwrap();
    let parts = app.storage.list_parts(key, upload_id.multipart_upload_id.as_deref().unwrap()).await.unwrap();
    assert!(parts.is_none(), "the multipart upload and its parts are gone: {parts:?}");
    // No more parts can be signed for it.
    assert_eq!(app.api("/api/uploads/part", json!({"file_id": file_id, "part_number": 3})).await.status(), 409);
}

#[tokio::test]
async fn the_sweeper_aborts_a_stale_multipart_upload() {
    let app = multipart_app(|_| {}).await;
    let bytes = big_png(7 * MIB);
    let started =
        app.start_ok(json!([{"name": "abandoned.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file = &started["files"][0]["file"];
    let file_id = file["id"].clone();
    app.send_part(&file_id, &bytes, 1).await;
    let id: uuid::Uuid = serde_json::from_value(file_id.clone()).unwrap();
    let upload_id = app.repo.find_upload_file(id).await.unwrap().unwrap().multipart_upload_id.unwrap();
    let key = &ObjectKey::parse(file["object_key"].as_str().unwrap()).unwrap();
    assert_eq!(app.storage.list_parts(key, &upload_id).await.unwrap().unwrap().len(), 1);

    // A sweep a day from now, when nothing has happened for 24 hours: the upload is abandoned.
    let still_fresh = vitrine::server::uploads::sweep_expired(&app.state, app.clock.now()).await.unwrap();
    assert_eq!(still_fresh.expired, 0, "a part was just sent");
    let a_day_later = app.clock.now() + chrono::Duration::hours(24) + chrono::Duration::minutes(16);
    let report = vitrine::server::uploads::sweep_expired(&app.state, a_day_later).await.unwrap();
    assert_eq!((report.expired, report.multipart_aborted), (1, 1));
    assert!(app.storage.list_parts(key, &upload_id).await.unwrap().is_none(), "no invisible parts left");
    let job = app.job(&started["job"]["id"]).await;
    assert_eq!(job["files"][0]["status"], "failed");
    assert_eq!(job["files"][0]["error"], "expired");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// How a script sends a big file with few requests to the app: parts signed a window at a time,
/// never recorded one by one (completion joins what the store lists), the hash reported with
/// the completion; the library then knows the content and the size.
#[tokio::test]
async fn parts_signed_in_a_window_and_never_recorded_are_joined_from_the_store() {
    let app = multipart_app(|_| {}).await;
    let bytes = big_png(12 * MIB);
    let started = app.start_ok(json!([{"name": "big.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file_id = started["files"][0]["file"]["id"].clone();
    let sign = |first: u32, count: u32| {
        app.api("/api/uploads/sign_parts", json!({"file_id": file_id, "first": first, "count": count}))
    };
    for (first, count, why) in [(1, 0, "none"), (1, 101, "too many"), (4, 1, "past the last part"), (0, 2, "part 0")] {
        assert_eq!(sign(first, count).await.status(), 400, "{why}");
    }
    // Asking for more than there are gives the rest: parts 2 and 3.
    let tail: Vec<Value> = sign(2, 10).await.json().await.unwrap();
    assert_eq!(tail.len(), 2);
    let window: Vec<Value> = sign(1, 3).await.json().await.unwrap();
    assert_eq!(window.len(), 3);
    for (i, request) in window.iter().enumerate() {
        let start = i * 5 * MIB;
        let part = bytes[start..(start + 5 * MIB).min(bytes.len())].to_vec();
        assert_eq!(app.put_object(request, part).await.status(), 200, "part {}", i + 1);
    }

    let sha256 = sha256_hex(&bytes);
    let bad = app.api("/api/uploads/complete", json!({"file_id": file_id, "sha256": "not-a-hash"})).await;
    assert_eq!(bad.status(), 400, "a malformed hash is refused before anything is recorded");
    let done = app.api("/api/uploads/complete", json!({"file_id": file_id, "sha256": sha256.to_uppercase()})).await;
    assert_eq!(done.status(), 200, "{:?}", done.text().await);
    let done: Value = done.json().await.unwrap();
    let media_id = done["file"]["media_id"].clone();
    let known: Value = app.api("/api/uploads/known", json!({"sha256": [sha256]})).await.json().await.unwrap();
    assert_eq!(known[0]["media_id"], media_id, "the hash reported at completion is the item's content");
    let sizes: Vec<u64> = app
        .api("/api/uploads/known_sizes", json!({"sizes": [bytes.len(), bytes.len() + 1]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sizes, [bytes.len() as u64]);
    let too_many: Vec<u64> = (0..10_001).collect();
    assert_eq!(app.api("/api/uploads/known_sizes", json!({"sizes": too_many})).await.status(), 400);
    // Signing after completion is refused like any part of a finished upload.
    assert_eq!(sign(1, 1).await.status(), 409);
}
