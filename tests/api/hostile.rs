//! Hostile input and the browser-facing defences: each refused with a clear 4xx, nothing stored
//! wrongly. (Filename, size and type checks of whole batches are in `uploads.rs`.)

use serde_json::{json, Value};

use vitrine::model::ObjectKey;

use crate::helpers::{spawn_app, test_app, TestApp, ADMIN_EMAIL};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 100, 150]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A Windows executable's first bytes ("MZ" header), padded.
fn exe(len: usize) -> Vec<u8> {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    bytes.resize(len, 0);
    bytes
}

#[tokio::test]
async fn a_file_whose_bytes_lie_about_its_type_is_failed_and_deleted() {
    let app = spawn_app().await.signed_in().await;
    let bytes = exe(4096);
    let started =
        app.start_ok(json!([{"name": "holiday.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file = &started["files"][0];
    let key = file["file"]["object_key"].as_str().unwrap().to_string();
    assert!(key.ends_with(".png") && key.starts_with("media/"), "stored under our key: {key}");
    assert_eq!(app.put_object(&file["upload"], bytes).await.status(), 200, "the store takes any bytes");

    let refused = app.complete(&file["file"]["id"], None).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("holiday.png") && message.contains("not image/png"), "{message}");
    assert!(app.storage.head(&ObjectKey::parse(&key).unwrap()).await.unwrap().is_none(), "the object is deleted");
    let job = app.job(&started["job"]["id"]).await;
    assert_eq!(job["files"][0]["status"], "failed");
    assert_eq!(job["job"]["completed_files"], 0);
    let media: Value = app.api("/api/media/list", json!({"query": {}})).await.json().await.unwrap();
    assert_eq!(media["items"].as_array().unwrap().len(), 0, "no media row");
    // Asking again changes nothing.
    assert_eq!(app.complete(&file["file"]["id"], None).await.status(), 409);
}

#[tokio::test]
async fn originals_are_served_with_their_declared_type_and_nosniff() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("real.png", "image/png", png(64, 48)).await;
    let key = file["object_key"].as_str().unwrap();
    let original = reqwest::get(app.url(&format!("/cdn/{key}"))).await.unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "image/png");
    assert_eq!(original.headers()["x-content-type-options"], "nosniff");
    let csp = original.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("sandbox"), "{csp}");
}

#[tokio::test]
async fn hostile_names_sizes_and_batch_sizes_are_refused() {
    let app = spawn_app().await.signed_in().await;
    let file = |name: Value, size: Value| json!([{"name": name, "size": size, "content_type": "image/png"}]);
    let cases = [
        (file(json!("../../etc/passwd.png"), json!(10)), "path separator"),
        (file(json!("a\\b.png"), json!(10)), "path separator"),
        (file(json!("nul\u{0}.png"), json!(10)), "U+0000"),
        (file(json!("bell\u{7}.png"), json!(10)), "U+0007"),
        (file(json!("invoice\u{202e}gnp.exe"), json!(10)), "U+202E"),
        (file(json!("x".repeat(4096)), json!(10)), "4096 bytes"),
        (file(json!("..."), json!(10)), "dots"),
        (file(json!("."), json!(10)), "dots"),
        (file(json!("big.png"), json!(u64::MAX)), "big.png"),
        (file(json!("zero.png"), json!(0)), "zero.png"),
        (file(json!("neg.png"), json!(-1)), "Malformed"),
    ];
    for (files, needle) in cases {
        let response = app.start_upload(files.clone()).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 400, "{files}: {body}");
        assert!(body["message"].as_str().unwrap().contains(needle), "{needle}: {body}");
    }
    // 10,000 files in one batch, against the default cap of 1,000.
    let many: Vec<Value> =
        (0..10_000).map(|i| json!({"name": format!("{i}.png"), "size": 10, "content_type": "image/png"})).collect();
    let response = app.start_upload(json!(many)).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("at most 1000"));
    let jobs: Value = app.api("/api/uploads/list", json!({})).await.json().await.unwrap();
    assert_eq!(jobs.as_array().unwrap().len(), 0, "nothing was written");
}

#[tokio::test]
async fn script_in_titles_and_alt_text_is_text_everywhere() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("x.png", "image/png", png(64, 48)).await;
    let hostile = "\"><script>alert('alt')</script><img src=x onerror=alert(1)>";
    let saved =
        app.api("/api/media/update", json!({"id": file["media_id"], "title": hostile, "alt_text": hostile})).await;
    assert_eq!(saved.status(), 200);
    let item: Value = saved.json().await.unwrap();
    assert_eq!(item["media"]["alt_text"], hostile, "stored exactly as typed");
    let collection: Value = app
        .api("/api/collections/create", json!({"title": hostile, "description": hostile}))
        .await
        .json()
        .await
        .unwrap();
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [file["media_id"]]})).await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let page = reqwest::get(app.url(&format!("/c/{}", collection["slug"].as_str().unwrap()))).await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("alt=\"&quot;&gt;&lt;script&gt;alert('alt')"), "the quote cannot end the attribute: {html}");
    for tag in ["og:title", "og:description", "twitter:title"] {
        let at =
            html.find(&format!("property=\"{tag}\"")).or_else(|| html.find(&format!("name=\"{tag}\""))).expect(tag);
        let content = &html[at..html[at..].find('>').unwrap() + at];
        assert!(content.contains("&lt;script&gt;") || content.contains("&quot;&gt;&lt;script"), "{tag}: {content}");
    }
    let library = app.client.get(app.url("/library")).send().await.unwrap().text().await.unwrap();
    assert!(!library.contains("<script>alert"));
}

#[tokio::test]
async fn sql_metacharacters_are_just_characters() {
    let app = spawn_app().await.signed_in().await;
    let file = app.upload("quote.png", "image/png", png(8, 8)).await;
    let title = "Robert'); DROP TABLE media;-- 100% _done_ \\ \"";
    let saved = app.api("/api/media/update", json!({"id": file["media_id"], "title": title, "alt_text": ""})).await;
    assert_eq!(saved.status(), 200);
    // Search is by words: punctuation separates them and is never query syntax (a search of
    // punctuation alone matches nothing), on the FTS5 and the tsquery side alike.
    for (search, hits) in [
        ("'); DROP TABLE media;--", 1),
        ("100%", 1),
        ("_done_", 1),
        ("%", 0),
        ("_", 0),
        ("\\", 0),
        ("' OR '1'='1", 0),
        ("\"robert\" NEAR(media) *", 0),
        ("rob* -drop", 1),
    ] {
        let found: Value = app.api("/api/media/list", json!({"query": {"search": search}})).await.json().await.unwrap();
        let items = found["items"].as_array().unwrap_or_else(|| panic!("{search}: {found}"));
        assert_eq!(items.len(), hits, "{search}");
    }
    let collection = app.api("/api/collections/create", json!({"title": title})).await;
    assert_eq!(collection.status(), 200);
    let listed: Value = app.api("/api/media/get", json!({"id": file["media_id"]})).await.json().await.unwrap();
    assert_eq!(listed["item"]["media"]["title"], title, "the table is still there, the title intact");
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let app = spawn_app().await.signed_in().await;
    let huge = json!({"title": "x".repeat(3 * 1024 * 1024)});
    let response = app.api("/api/collections/create", huge).await;
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "too_large");
    // Without a Content-Length, the limit applies while reading.
    let chunks =
        futures::stream::iter((0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 100 * 1024]))));
    let streamed = app
        .client
        .post(app.url("/api/collections/create"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert!(streamed.status().is_client_error(), "{}", streamed.status());
    let listed: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0);
}

/// A second account, signed in on its own client.
async fn second_user(app: &TestApp) -> reqwest::Client {
    let hash = vitrine::server::people::password::hash_password("second-password".to_string().into()).await.unwrap();
    let email = vitrine::model::Email::parse("second@example.test").unwrap();
    app.repo.create_user_if_absent(&email, &hash).await.unwrap();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(app.url("/api/auth/login"))
        .json(&json!({"email": "second@example.test", "password": "second-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    client
}

#[tokio::test]
async fn nobody_completes_another_users_or_another_jobs_file() {
    let app = spawn_app().await.signed_in().await;
    let bytes = png(16, 16);
    let started = app.start_ok(json!([{"name": "mine.png", "size": bytes.len(), "content_type": "image/png"}])).await;
    let file = &started["files"][0];
    assert_eq!(app.put_object(&file["upload"], bytes.clone()).await.status(), 200);
    let file_id = &file["file"]["id"];

    let other = second_user(&app).await;
    for (path, body) in [
        ("/api/uploads/complete", json!({"file_id": file_id})),
        ("/api/uploads/begin", json!({"file_id": file_id})),
        ("/api/uploads/fail", json!({"file_id": file_id, "reason": "sabotage"})),
        ("/api/uploads/retry", json!({"file_id": file_id})),
    ] {
        let response = other.post(app.url(path)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}: another user's file is not theirs to touch");
    }
    // Naming another job: also not found.
    let other_job = app.start_ok(json!([{"name": "other.png", "size": 10, "content_type": "image/png"}])).await;
    let wrong_job =
        app.api("/api/uploads/complete", json!({"file_id": file_id, "job_id": other_job["job"]["id"]})).await;
    assert_eq!(wrong_job.status(), 404);
    let job = app.job(&started["job"]["id"]).await;
    assert_eq!(job["files"][0]["status"], "pending", "untouched by any of that");
    // The owner, naming the right job, completes it.
    let done = app.api("/api/uploads/complete", json!({"file_id": file_id, "job_id": started["job"]["id"]})).await;
    assert_eq!(done.status(), 200);
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let app = spawn_app().await.signed_in().await;
    let forged = app
        .client
        .post(app.url("/api/collections/create"))
        .header("origin", "https://evil.example")
        .json(&json!({"title": "Forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"], "cross_site");
    let fetched = app
        .client
        .post(app.url("/api/collections/delete"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), 403);
    let listed: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0, "nothing was created");

    // The app's own pages (same origin) and scripts (no Origin) go through.
    let same = app
        .client
        .post(app.url("/api/collections/create"))
        .header("origin", app.origin())
        .json(&json!({"title": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(app.api("/api/collections/create", json!({"title": "Scripted"})).await.status(), 200);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_account() {
    let app = spawn_app().await;
    let mut limited = None;
    for attempt in 0..12 {
        let response =
            app.api("/api/auth/login", json!({"email": ADMIN_EMAIL, "password": format!("guess-{attempt}")})).await;
        match response.status().as_u16() {
            401 => {}
            429 => {
                limited = Some((attempt, response.headers().get("retry-after").cloned()));
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"], "rate_limited");
                break;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let (attempt, retry_after) = limited.expect("limited within 12 attempts");
    assert_eq!(attempt, 10, "ten failures per account, then a pause");
    assert!(retry_after.unwrap().to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // The right password is refused too while the account is paused (no oracle)…
    assert_eq!(app.login().await.status(), 429);
    // …but another account is not locked by it.
    let other = app.api("/api/auth/login", json!({"email": "nobody@example.test", "password": "x"})).await;
    assert_eq!(other.status(), 401);
}

#[tokio::test]
async fn signing_in_often_never_locks_an_account() {
    let app = spawn_app().await;
    for _ in 0..15 {
        assert_eq!(app.login().await.status(), 200);
    }
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_alike() {
    let app = test_app().spawn().await;
    let unknown = app.api("/api/auth/login", json!({"email": "ghost@example.test", "password": "whatever"})).await;
    let wrong = app.api("/api/auth/login", json!({"email": ADMIN_EMAIL, "password": "whatever"})).await;
    assert_eq!(unknown.status(), wrong.status());
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await.signed_in().await;
    let store = app.storage.origin();
    // A page that hydrates: its inline bootstrap runs by this response's nonce.
    let login = reqwest::get(app.url("/login")).await.unwrap();
    let csp = login.headers()["content-security-policy"].to_str().unwrap().to_string();
    let html = login.text().await.unwrap();
    let nonce = html.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a nonce in the page");
    assert!(csp.contains(&format!("'nonce-{nonce}'")), "{csp}");
    assert!(csp.contains(&format!("connect-src 'self' {store}")), "uploads may go to the store: {csp}");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert!(!csp.contains("'unsafe-inline' 'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    // Another request, another nonce.
    let again = reqwest::get(app.url("/login")).await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(nonce));

    // The 404 page hydrates too, under its own nonce.
    let missing = reqwest::get(app.url("/no-such-page")).await.unwrap();
    assert_eq!(missing.status(), 404);
    let csp = missing.headers()["content-security-policy"].to_str().unwrap().to_string();
    let html = missing.text().await.unwrap();
    let nonce = html.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a nonce in the 404 page");
    assert!(csp.contains(&format!("'nonce-{nonce}'")), "{csp}");

    for path in ["/", "/login", "/c/nothing-here", "/healthz", "/favicon.svg"] {
        let response = reqwest::get(app.url(path)).await.unwrap();
        let headers = response.headers();
        assert!(headers.contains_key("content-security-policy"), "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{path}");
    }
    let api = app.api("/api/auth/me", json!({})).await;
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}
