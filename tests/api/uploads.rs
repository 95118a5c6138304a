//! The upload flow over HTTP: the real server, real presigned PUTs to the embedded store.

use std::time::Duration;

use serde_json::{json, Value};

use vitrine::model::ObjectKey;

use crate::helpers::{spawn_app, test_app, TestApp, TestDatabase};

/// Bytes that look like each type's real header, so a file is what it says it is.
pub fn png_bytes(n: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..n.saturating_sub(8)).map(|i| (i % 251) as u8));
    bytes
}

impl TestApp {
    pub async fn start_upload(&self, files: Value) -> reqwest::Response {
        self.api("/api/uploads/start", json!({ "files": files })).await
    }

    pub async fn start_ok(&self, files: Value) -> Value {
        let response = self.start_upload(files).await;
        assert_eq!(response.status(), 200, "start: {:?}", response.text().await);
        response.json().await.unwrap()
    }

    /// PUTs `body` the way the browser does: the presigned URL and exactly the headers it lists.
    pub async fn put_object(&self, upload: &Value, body: Vec<u8>) -> reqwest::Response {
        let mut request = self.client.put(upload["url"].as_str().unwrap()).body(body);
        for header in upload["headers"].as_array().unwrap() {
            request = request.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
        }
        request.send().await.unwrap()
    }

    pub async fn complete(&self, file_id: &Value, etag: Option<&str>) -> reqwest::Response {
        self.api("/api/uploads/complete", json!({ "file_id": file_id, "etag": etag })).await
    }

    pub async fn job(&self, job_id: &Value) -> Value {
        let response = self.api("/api/uploads/get", json!({ "job_id": job_id })).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

pub fn etag_of(response: &reqwest::Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn three_files_go_through_the_whole_flow() {
    let app = spawn_app().await.signed_in().await;
    let bodies = [png_bytes(1000), png_bytes(20_000), png_bytes(333)];
    let started = app
        .start_ok(json!([
            {"name": "one.png", "size": 1000, "content_type": "image/png"},
            {"name": "Two Café.PNG", "size": 20_000, "content_type": "image/png"},
            {"name": "three.png", "size": 333, "content_type": "image/png"},
        ]))
        .await;
    let job_id = started["job"]["id"].clone();
    assert_eq!(started["job"]["status"], "in_progress");
    assert_eq!(started["job"]["total_files"], 3);
    let files = started["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);

    for (i, (started_file, body)) in files.iter().zip(bodies.iter()).enumerate() {
        let file = &started_file["file"];
        let upload = &started_file["upload"];
        let key = file["object_key"].as_str().unwrap();
        assert!(key.starts_with("media/") && !key.contains(' '), "{key}");
        assert_eq!(file["status"], "pending");
        assert_eq!(upload["method"], "PUT");
        let headers = upload["headers"].as_array().unwrap();
        assert!(headers.iter().any(|h| h[0] == "content-type" && h[1] == "image/png"), "{headers:?}");

        let begin = app.api("/api/uploads/begin", json!({"file_id": file["id"]})).await;
        assert_eq!(begin.json::<Value>().await.unwrap()["file"]["status"], "uploading");

        let put = app.put_object(upload, body.clone()).await;
        assert_eq!(put.status(), 200);
        let browser_etag = etag_of(&put);

        // The ETag the browser read is the store's own.
        let stored = app.storage.head(&ObjectKey::parse(key).unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.etag.as_deref(), Some(browser_etag.as_str()));
        assert_eq!(stored.size, body.len() as u64);

        let done = app.complete(&file["id"], Some(&browser_etag)).await;
        assert_eq!(done.status(), 200);
        let outcome: Value = done.json().await.unwrap();
        assert_eq!(outcome["file"]["status"], "completed");
        assert!(outcome["file"]["media_id"].is_string());
        assert_eq!(outcome["job"]["completed_files"], i + 1);
        let expected_status = if i == 2 { "completed" } else { "in_progress" };
        assert_eq!(outcome["job"]["status"], expected_status);
    }

    let job = app.job(&job_id).await;
    assert_eq!(job["job"]["status"], "completed");
    assert_eq!(job["job"]["completed_files"], 3);
    assert_eq!(job["job"]["failed_files"], 0);
    assert!(job["files"].as_array().unwrap().iter().all(|f| f["status"] == "completed"));

    // The media are in the library right away, newest first, each with a working URL.
    let library: Value = app.api("/api/media/list", json!({})).await.json().await.unwrap();
    let items = library["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let mut names: Vec<&str> = items.iter().map(|i| i["media"]["original_filename"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["Two Café.PNG", "one.png", "three.png"]);
    // The fake PNG bodies are not decodable images; the original itself is still served.
    let original = app
        .client
        .get(app.url(&format!("/cdn/{}", items[0]["media"]["object_key"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(original.status(), 200);

    // And the list shows the job first with its files.
    let jobs: Value = app.api("/api/uploads/list", json!({})).await.json().await.unwrap();
    assert_eq!(jobs[0]["job"]["id"], job_id);
    assert_eq!(jobs[0]["files"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_repeated_completion_changes_nothing_and_answers_the_same() {
    let app = spawn_app().await.signed_in().await;
    let started = app
        .start_ok(json!([{"name": "a.png", "size": 100, "content_type": "image/png"},
                                     {"name": "b.png", "size": 100, "content_type": "image/png"}]))
        .await;
    let file = &started["files"][0];
    let put = app.put_object(&file["upload"], png_bytes(100)).await;
    let etag = etag_of(&put);
    let first: Value = app.complete(&file["file"]["id"], Some(&etag)).await.json().await.unwrap();
    let second = app.complete(&file["file"]["id"], Some(&etag)).await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(second["job"]["completed_files"], 1, "counted once");
    let library: Value = app.api("/api/media/list", json!({})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 1, "one media row");
}

#[tokio::test]
async fn forged_completions_are_refused_and_the_file_stays_open() {
    let app = spawn_app().await.signed_in().await;
    let started = app
        .start_ok(json!([
            {"name": "never-sent.png", "size": 100, "content_type": "image/png"},
            {"name": "short.png", "size": 100, "content_type": "image/png"},
            {"name": "real.png", "size": 100, "content_type": "image/png"},
            {"name": "other.png", "size": 50, "content_type": "image/png"},
        ]))
        .await;
    let files = started["files"].as_array().unwrap();

    // Nothing uploaded.
    let response = app.complete(&files[0]["file"]["id"], None).await;
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("has not arrived"), "{body}");

    // Wrong size: someone wrote 60 bytes at the key with another signed URL.
    let key = ObjectKey::parse(files[1]["file"]["object_key"].as_str().unwrap()).unwrap();
    let png = vitrine::model::ContentType::parse("image/png").unwrap();
    let other = app.storage.presign_put(&key, &png, 60, Duration::from_secs(60)).await.unwrap();
    let mut request = app.client.put(&other.url).body(png_bytes(60));
    for (name, value) in &other.headers {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 200);
    let response = app.complete(&files[1]["file"]["id"], None).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("60 bytes"));

    // Another file's ETag.
    let real_put = app.put_object(&files[2]["upload"], png_bytes(100)).await;
    assert_eq!(real_put.status(), 200);
    let mut other_bytes = png_bytes(50);
    other_bytes[20] = 7;
    let other_put = app.put_object(&files[3]["upload"], other_bytes).await;
    let other_etag = etag_of(&other_put);
    let response = app.complete(&files[2]["file"]["id"], Some(&other_etag)).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("ETag"));

    // None of them completed or counted.
    let job = app.job(&started["job"]["id"]).await;
    assert_eq!(job["job"]["completed_files"], 0);
    assert_eq!(job["job"]["status"], "in_progress");
    for f in job["files"].as_array().unwrap() {
        assert_ne!(f["status"], "completed");
    }
    // An unknown file is a 404, not a crash.
    let response = app.complete(&json!(uuid::Uuid::new_v4()), None).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn bad_batches_are_refused_whole_with_the_file_named() {
    let app = test_app().uploads(|u| u.max_bytes = 1_000_000).spawn().await.signed_in().await;
    let cases = [
        (
            json!([{"name": "ok.png", "size": 10, "content_type": "image/png"},
                {"name": "virus.exe", "size": 10, "content_type": "application/x-msdownload"}]),
            "virus.exe",
        ),
        (json!([{"name": "huge.mp4", "size": 1_000_001, "content_type": "video/mp4"}]), "huge.mp4"),
        (json!([{"name": "", "size": 10, "content_type": "image/png"}]), "empty"),
        (json!([{"name": "a/../../b.png", "size": 10, "content_type": "image/png"}]), "path separator"),
        (json!([{"name": "x".repeat(256), "size": 10, "content_type": "image/png"}]), "256 bytes"),
        (json!([{"name": "ctl\u{1}.png", "size": 10, "content_type": "image/png"}]), "U+0001"),
        (json!([{"name": "neg.png", "size": -5, "content_type": "image/png"}]), "Malformed"),
        (json!([]), "no files"),
    ];
    for (files, needle) in cases {
        let response = app.start_upload(files.clone()).await;
        assert_eq!(response.status(), 400, "{files}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid");
        assert!(body["message"].as_str().unwrap().contains(needle), "{needle}: {body}");
    }
    // Nothing was written for any of them.
    let jobs: Value = app.api("/api/uploads/list", json!({})).await.json().await.unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn an_expired_url_is_refused_and_the_sweeper_fails_the_file_and_deletes_its_orphan() {
    let app = test_app().uploads(|u| u.sweep_grace = Duration::ZERO).spawn().await.signed_in().await;
    // The batch is signed 90 minutes ago: its one-hour URLs expired half an hour ago, and no
    // test waits for that.
    app.clock.advance(chrono::Duration::minutes(-90));
    let started = app
        .start_ok(json!([{"name": "late.png", "size": 100, "content_type": "image/png"},
                                     {"name": "orphan.png", "size": 100, "content_type": "image/png"},
                                     {"name": "still-sending.mp4", "size": 500_000_000, "content_type": "video/mp4"}]))
        .await;
    app.clock.advance(chrono::Duration::minutes(90));
    // A big file whose upload started in time is still being sent: it must not be given up on.
    let begun = app.api("/api/uploads/begin", json!({"file_id": started["files"][2]["file"]["id"]})).await;
    assert_eq!(begun.status(), 200);
    // The second one landed in time (its PUT then was valid) but its completion never came.
    let orphan_key = ObjectKey::parse(started["files"][1]["file"]["object_key"].as_str().unwrap()).unwrap();
    app.storage.put_bytes(&orphan_key, "image/png", png_bytes(100)).await.unwrap();

    let put = app.put_object(&started["files"][0]["upload"], png_bytes(100)).await;
    assert_eq!(put.status(), 403, "the store refuses an expired URL");

    let state = app.state.clone();
    assert!(state.storage.head(&orphan_key).await.unwrap().is_some());
    let report = vitrine::server::uploads::sweep_expired(&state, app.clock.now()).await.unwrap();
    assert_eq!((report.expired, report.orphans_deleted), (2, 1));
    assert!(state.storage.head(&orphan_key).await.unwrap().is_none(), "the unconfirmed object is deleted");
    let job = app.job(&started["job"]["id"]).await;
    let late = job["files"].as_array().unwrap().iter().find(|f| f["original_filename"] == "late.png").unwrap();
    assert_eq!(late["status"], "failed");
    assert_eq!(late["error"], "expired");
    let orphan = job["files"].as_array().unwrap().iter().find(|f| f["original_filename"] == "orphan.png").unwrap();
    assert_eq!(orphan["status"], "failed");
    // Its completion, too late, adopts nothing: deleted and failed, never also completed.
    let late_completion = app.complete(&orphan["id"], None).await;
    assert_eq!(late_completion.status(), 409);
    let sending =
        job["files"].as_array().unwrap().iter().find(|f| f["original_filename"] == "still-sending.mp4").unwrap();
    assert_eq!(sending["status"], "uploading");
    assert_eq!(job["job"]["failed_files"], 2);
    assert_eq!(job["job"]["completed_files"], 0);
    assert_eq!(job["job"]["status"], "in_progress");
    // The big one fails (as the browser would report), and the job is settled.
    app.api("/api/uploads/fail", json!({"file_id": sending["id"], "reason": "cancelled"})).await;

    // A second sweep (another instance, or after a restart) finds nothing more to do.
    let again = vitrine::server::uploads::sweep_expired(&state, app.clock.now()).await.unwrap();
    assert_eq!((again.expired, again.orphans_deleted), (0, 0));

    // Retry gives a fresh URL; the upload then succeeds and the job counters follow.
    let retry = app.api("/api/uploads/retry", json!({"file_id": late["id"]})).await;
    assert_eq!(retry.status(), 200);
    let retried: Value = retry.json().await.unwrap();
    assert_eq!(retried["file"]["status"], "pending");
    assert_ne!(retried["file"]["object_key"], late["object_key"], "a retry uploads to a fresh key");
    let put = app.put_object(&retried["upload"], png_bytes(100)).await;
    assert_eq!(put.status(), 200);
    let done: Value = app.complete(&late["id"], Some(&etag_of(&put))).await.json().await.unwrap();
    assert_eq!(done["job"]["status"], "completed_with_errors");
    assert_eq!(done["job"]["failed_files"], 2);
    assert_eq!(done["job"]["completed_files"], 1);
}

#[tokio::test]
async fn fail_is_counted_once_and_a_failed_file_cannot_complete() {
    let app = spawn_app().await.signed_in().await;
    let started = app.start_ok(json!([{"name": "x.png", "size": 100, "content_type": "image/png"}])).await;
    let file_id = &started["files"][0]["file"]["id"];
    for _ in 0..2 {
        let response = app.api("/api/uploads/fail", json!({"file_id": file_id, "reason": "network\nerror"})).await;
        assert_eq!(response.status(), 200);
        let outcome: Value = response.json().await.unwrap();
        assert_eq!(outcome["file"]["error"], "network error");
        assert_eq!(outcome["job"]["failed_files"], 1);
        assert_eq!(outcome["job"]["status"], "completed_with_errors");
    }
    assert_eq!(app.put_object(&started["files"][0]["upload"], png_bytes(100)).await.status(), 200);
    let response = app.complete(file_id, None).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("retry"));
}

/// 1,000 completions across 10 jobs, each sent twice, 200 requests in flight at a time:
/// none lost, none counted twice, every job settled right, no request failing (a busy database
/// would show as a 5xx here).
async fn concurrent_completions(app: TestApp) {
    use futures::StreamExt;
    const JOBS: usize = 10;
    const FILES_PER_JOB: usize = 100;
    let mut job_ids = Vec::new();
    let mut completions = Vec::new();
    for j in 0..JOBS {
        let specs: Vec<Value> = (0..FILES_PER_JOB)
            .map(|i| json!({"name": format!("j{j}-f{i:03}.png"), "size": 64, "content_type": "image/png"}))
            .collect();
        let started = app.start_ok(Value::Array(specs)).await;
        job_ids.push(started["job"]["id"].clone());
        // Upload every object first (32 at a time), so only completions race below.
        let files = started["files"].as_array().unwrap().clone();
        for (i, chunk) in files.chunks(32).enumerate() {
            let puts = chunk.iter().map(|f| app.put_object(&f["upload"], png_bytes(64)));
            for (k, put) in futures::future::join_all(puts).await.into_iter().enumerate() {
                assert_eq!(put.status(), 200);
                completions.push((i * 32 + k, chunk[k]["file"]["id"].clone(), etag_of(&put)));
            }
        }
    }
    // Interleave the jobs, and send every completion twice.
    completions.sort_by_key(|(position, _, _)| *position);
    let requests = completions.iter().flat_map(|c| [c.clone(), c.clone()]);
    let results: Vec<_> = futures::stream::iter(requests)
        .map(|(_, id, etag)| {
            let app = &app;
            async move { app.complete(&id, Some(&etag)).await.status() }
        })
        .buffer_unordered(200)
        .collect()
        .await;
    assert_eq!(results.len(), 2 * JOBS * FILES_PER_JOB);
    let failures: Vec<_> = results.iter().filter(|s| !s.is_success()).collect();
    assert!(failures.is_empty(), "{} of {} requests failed: {failures:?}", failures.len(), results.len());

    for id in &job_ids {
        let job = app.job(id).await;
        assert_eq!(job["job"]["completed_files"], FILES_PER_JOB, "no file lost or counted twice");
        assert_eq!(job["job"]["failed_files"], 0);
        assert_eq!(job["job"]["status"], "completed");
    }
    let media = app.repo.list_media(&vitrine::model::media::MediaQuery::default(), 2000).await.unwrap();
    assert_eq!(media.len(), JOBS * FILES_PER_JOB, "exactly one media row per file");
}

#[tokio::test]
async fn a_thousand_concurrent_completions_twice_over_count_exactly_once_on_sqlite() {
    concurrent_completions(spawn_app().await.signed_in().await).await;
}

#[tokio::test]
async fn a_thousand_concurrent_completions_twice_over_count_exactly_once_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    concurrent_completions(test_app().database(db).spawn().await.signed_in().await).await;
}
