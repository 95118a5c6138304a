//! Share links over HTTP: a private link's page for a visitor without an account (expiry,
//! password with its rate limit, revoke, the download switch, the view counter), on both
//! databases; and delivery URLs signed like Bunny's token authentication, which the local
//! origin enforces: a changed path, width or expiry, or no token, is 403, and a share page's
//! images stop loading when the link expires (the test moves the clock, it never sleeps).

use serde_json::{json, Value};

use crate::helpers::{test_app, TestApp, TestDatabase};

const KEY: &str = "test-token-key-0123456789";

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// An unpublished collection titled `title` holding two images; its id.
async fn collection(app: &TestApp, title: &str) -> Value {
    let collection: Value = app.api("/api/collections/create", json!({"title": title})).await.json().await.unwrap();
    let mut ids = Vec::new();
    for name in ["first.png", "second.png"] {
        ids.push(app.upload(name, "image/png", png(900, 600)).await["media_id"].clone());
    }
    let added = app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": ids})).await;
    assert_eq!(added.status(), 200);
    collection["id"].clone()
}

async fn create(app: &TestApp, body: Value) -> Value {
    let created = app.api("/api/shares/create", body).await;
    assert_eq!(created.status(), 200, "{:?}", created.text().await);
    created.json().await.unwrap()
}

fn visitor() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn visit(client: &reqwest::Client, url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = client.get(url).header("accept", "text/html").send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// Every "Download original" link of the page, unescaped.
fn downloads(html: &str) -> Vec<String> {
    html.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| {
            let (href, after) = rest.split_once('"')?;
            // Each original's link; not the "Download all (ZIP)" one (see `downloads.rs`).
            (after.starts_with(" download=") && !href.ends_with("/download")).then(|| href.replace("&amp;", "&"))
        })
        .collect()
}

/// Every `src="…"` of the page's `<img>`s, unescaped.
fn image_sources(html: &str) -> Vec<String> {
    html.split("<img")
        .skip(1)
        .filter_map(|tag| tag.split("src=\"").nth(1)?.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

async fn lifecycle(db: TestDatabase) {
    let app = test_app().database(db).spawn().await.signed_in().await;
    let id = collection(&app, "Client Review 2026").await;

    // Bad input: a clear reason, and nothing made.
    for (body, needle) in [
        (json!({"collection_id": id, "password": "123"}), "password"),
        (json!({"collection_id": id, "expires_at": "2001-01-01T00:00:00Z"}), "past"),
        (json!({"collection_id": id, "max_files": 3}), "uploads"),
        (json!({"collection_id": uuid::Uuid::new_v4()}), "collection"),
    ] {
        let refused = app.api("/api/shares/create", body).await;
        assert!(matches!(refused.status().as_u16(), 400 | 404), "{}", refused.status());
        assert!(refused.text().await.unwrap().to_lowercase().contains(needle));
    }
    let none: Value = app.api("/api/shares/list", json!({"collection_id": id})).await.json().await.unwrap();
    assert_eq!(none.as_array().unwrap().len(), 0);

    let expires = (app.clock.now() + chrono::Duration::days(1)).to_rfc3339();
    let link = create(&app, json!({"collection_id": id, "label": " Anna ", "expires_at": expires})).await;
    assert_eq!(link["label"], "Anna");
    let url = link["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap();
    assert!(token.len() >= 40, "an unguessable token: {url}");

    let guest = visitor();
    let (status, headers, html) = visit(&guest, &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Client Review 2026"));
    assert!(html.contains("noindex"), "kept out of search engines");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    assert!(!html.contains("og:image") && !html.contains("twitter:image"), "no share card leaks a picture");
    assert!(!html.contains("Download original"), "downloads are off unless allowed");
    assert_eq!(image_sources(&html).len(), 4, "two tiles, two lightboxes");
    // The collection itself is still unpublished.
    assert_eq!(visit(&guest, &app.url("/c/client-review-2026")).await.0, 404);

    let listed: Value = app.api("/api/shares/list", json!({"collection_id": id})).await.json().await.unwrap();
    assert_eq!(listed[0]["view_count"], 1);

    // Expired: one clear page that does not say what it showed.
    app.clock.advance(chrono::Duration::days(2));
    let (status, _, html) = visit(&guest, &url).await;
    assert_eq!(status, 410);
    assert!(!html.contains("Client Review"), "an expired link does not name the collection");
    let listed: Value = app.api("/api/shares/list", json!({"collection_id": id})).await.json().await.unwrap();
    assert_eq!(listed[0]["status"], "Expired", "the editor sees it by the server's clock");
    app.clock.advance(chrono::Duration::days(-2));

    // Revoked: the same; the list keeps it, marked.
    let revoked: Value = app.api("/api/shares/revoke", json!({"id": link["id"]})).await.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(revoked["status"], "Revoked");
    let (status, _, html) = visit(&guest, &url).await;
    assert_eq!(status, 410);
    assert!(!html.contains("Client Review"));
    let listed: Value = app.api("/api/shares/list", json!({"collection_id": id})).await.json().await.unwrap();
    assert_eq!(listed[0]["view_count"], 1, "gone pages are not views");
    let again: Value = app.api("/api/shares/revoke", json!({"id": link["id"]})).await.json().await.unwrap();
    assert_eq!(again["revoked_at"], revoked["revoked_at"], "revoking twice keeps the first time");

    // Unknown tokens: 404.
    assert_eq!(visit(&guest, &app.url("/s/not-a-real-token")).await.0, 404);

    // The download switch, turned on by an update.
    let open = create(&app, json!({"collection_id": id})).await;
    let updated = app
        .api("/api/shares/update", json!({"id": open["id"], "label": "With downloads", "allow_download": true}))
        .await;
    assert_eq!(updated.status(), 200);
    let (status, _, html) = visit(&guest, open["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let downloads = downloads(&html);
    assert_eq!(downloads.len(), 2);
    let original = guest.get(&downloads[0]).send().await.unwrap();
    assert_eq!(original.status(), 200);
    assert_eq!(original.headers()["content-type"], "image/png");
    assert_eq!(original.bytes().await.unwrap().len(), png(900, 600).len(), "the original, not a variant");

    // Trashing the collection ends its links.
    assert_eq!(app.api("/api/collections/delete", json!({"id": id})).await.status(), 200);
    assert_eq!(visit(&guest, open["url"].as_str().unwrap()).await.0, 404);
}

#[tokio::test]
async fn a_share_link_shows_an_unpublished_collection_until_it_expires_or_is_revoked_sqlite() {
    lifecycle(TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn a_share_link_shows_an_unpublished_collection_until_it_expires_or_is_revoked_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    lifecycle(db).await;
}

async fn password(db: TestDatabase) {
    let app = test_app().database(db).spawn().await.signed_in().await;
    let id = collection(&app, "Private Shoot").await;
    let link = create(&app, json!({"collection_id": id, "password": "open sesame"})).await;
    assert_eq!(link["has_password"], true);
    let url = link["url"].as_str().unwrap().to_string();

    let guest = visitor();
    let (status, _, html) = visit(&guest, &url).await;
    assert_eq!(status, 401);
    assert!(html.contains("method=\"post\"") && html.contains("type=\"password\""), "a plain form asks");
    assert!(!html.contains("Private Shoot"), "nothing shown before the password");

    let post =
        |client: &reqwest::Client, password: &str| client.post(&url).form(&[("password", password.to_string())]).send();
    let wrong = post(&guest, "guess").await.unwrap();
    assert_eq!(wrong.status(), 303);
    let location = wrong.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("?error=password") && !location.contains("guess"), "{location}");
    assert!(visit(&guest, &app.url(&location)).await.2.contains("not right"));

    // Ten wrong guesses in all pause the link, for every browser; time lifts the pause.
    for _ in 0..9 {
        post(&guest, "guess").await.unwrap();
    }
    let paused = post(&guest, "open sesame").await.unwrap();
    assert!(paused.headers()["location"].to_str().unwrap().ends_with("?error=rate_limited"));
    assert_eq!(visit(&guest, &url).await.0, 401, "the right password was not taken while paused");
    app.clock.advance(chrono::Duration::seconds(31));
    let right = post(&guest, "open sesame").await.unwrap();
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"].to_str().unwrap(), format!("/s/{}", url.rsplit('/').next().unwrap()));
    let (status, _, html) = visit(&guest, &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Private Shoot"));
    // Another browser still has to ask. Only pages shown count as views.
    assert_eq!(visit(&visitor(), &url).await.0, 401);
    let listed: Value = app.api("/api/shares/list", json!({"collection_id": id})).await.json().await.unwrap();
    assert_eq!(listed[0]["view_count"], 1, "password prompts are not views");
    // A new password asks this browser again.
    let body = json!({"id": link["id"], "password": "open sesame 2"});
    assert_eq!(app.api("/api/shares/update", body).await.status(), 200);
    assert_eq!(visit(&guest, &url).await.0, 401);

    // Removing the password opens the link to everyone; a new one locks it again.
    let body = json!({"id": link["id"], "remove_password": true});
    assert_eq!(app.api("/api/shares/update", body).await.status(), 200);
    assert_eq!(visit(&visitor(), &url).await.0, 200);
    let body = json!({"id": link["id"], "password": "another one"});
    let relocked: Value = app.api("/api/shares/update", body).await.json().await.unwrap();
    assert_eq!(relocked["has_password"], true);
    assert_eq!(visit(&visitor(), &url).await.0, 401);
}

#[tokio::test]
async fn a_password_opens_a_link_for_one_browser_and_guesses_are_limited_sqlite() {
    password(TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn a_password_opens_a_link_for_one_browser_and_guesses_are_limited_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    password(db).await;
}

/// Splits a delivery URL into what follows `/cdn` and its query, to tamper with.
fn tamper(url: &str, from: &str, to: &str) -> String {
    assert!(url.contains(from), "{url} has {from}");
    url.replacen(from, to, 1)
}

#[tokio::test]
async fn the_local_origin_enforces_signed_delivery_urls() {
    let app = test_app().cdn_token_key(KEY).spawn().await.signed_in().await;
    let file = app.upload("photo.png", "image/png", png(1000, 700)).await;
    let library = app.library().await;
    let item = &library["items"][0];
    let url = item["url"].as_str().unwrap().to_string();
    assert!(url.contains("token=") && url.contains("expires="), "{url}");
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 200);
    for entry in item["srcset"].as_str().unwrap().split(", ") {
        let candidate = entry.rsplit_once(' ').unwrap().0;
        assert_eq!(app.client.get(candidate).send().await.unwrap().status(), 200, "{candidate}");
    }

    let key = file["object_key"].as_str().unwrap().to_string();
    let forbidden = [
        tamper(&url, "width=640", "width=641"),
        tamper(&url, "photo", "other"),
        tamper(&url, "expires=", "expires=9"),
        tamper(&url, "token=", "token=A"),
        app.url(&format!("/cdn/{key}?width=640")),
        app.url(&format!("/cdn/{key}")),
    ];
    for url in forbidden {
        let response = reqwest::get(&url).await.unwrap();
        assert_eq!(response.status(), 403, "{url}");
    }

    // A library URL lives for its window, then stops.
    app.clock.advance(chrono::Duration::hours(14));
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_share_pages_images_stop_loading_when_the_link_expires() {
    let app = test_app().cdn_token_key(KEY).spawn().await.signed_in().await;
    let id = collection(&app, "Week Long").await;
    let expires = (app.clock.now() + chrono::Duration::hours(2)).to_rfc3339();
    let link = create(&app, json!({"collection_id": id, "expires_at": expires, "allow_download": true})).await;
    let (status, _, html) = visit(&visitor(), link["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let sources = image_sources(&html);
    assert!(!sources.is_empty());
    let original = downloads(&html).remove(0);
    for url in sources.iter().chain([&original]) {
        assert!(url.contains("token="), "{url}");
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200, "{url}");
    }
    app.clock.advance(chrono::Duration::hours(2));
    for url in sources.iter().chain([&original]) {
        assert_eq!(reqwest::get(url).await.unwrap().status(), 403, "{url} after the link expired");
    }
}

#[tokio::test]
async fn published_galleries_stay_cacheable_and_load_when_signed() {
    let app = test_app().cdn_token_key(KEY).frozen_clock().spawn().await.signed_in().await;
    let id = collection(&app, "Open House").await;
    assert_eq!(app.api("/api/collections/publish", json!({"id": id, "published": true})).await.status(), 200);
    let guest = visitor();
    let (status, headers, html) = visit(&guest, &app.url("/c/open-house")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "public, no-cache");
    let sources = image_sources(&html);
    for url in &sources {
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200, "{url}");
    }
    // The same page (and URLs) for the rest of the day: browsers and the CDN reuse them.
    let (_, again_headers, again) = visit(&guest, &app.url("/c/open-house")).await;
    assert_eq!(again_headers["etag"], headers["etag"]);
    assert_eq!(image_sources(&again), sources);
    // A day later the page is rendered again, with URLs good for another week.
    app.clock.advance(chrono::Duration::days(1));
    let (_, _, next_day) = visit(&guest, &app.url("/c/open-house")).await;
    let fresh = image_sources(&next_day);
    assert_ne!(fresh, sources);
    app.clock.advance(chrono::Duration::days(7));
    assert_eq!(reqwest::get(&sources[0]).await.unwrap().status(), 403, "the old page's URLs ran out");
    assert_eq!(reqwest::get(&fresh[0]).await.unwrap().status(), 200);
}

#[tokio::test]
async fn hls_segments_load_under_a_directory_token() {
    use vitrine::model::ObjectKey;
    use vitrine::server::delivery::Audience;
    let app = test_app().cdn_token_key(KEY).spawn().await;
    let playlist = ObjectKey::parse("media/abc/clip.mp4.hls/master.m3u8").unwrap();
    let segment = ObjectKey::parse("media/abc/clip.mp4.hls/720p/segment_000.ts").unwrap();
    let outside = ObjectKey::parse("media/abc/clip.mp4").unwrap();
    for key in [&playlist, &segment, &outside] {
        app.storage.put_bytes(key, "application/octet-stream", b"bytes".to_vec()).await.unwrap();
    }
    let url = app.state.delivery.for_page(Audience::Library, app.clock.now()).hls(&playlist);
    assert!(url.contains("/cdn/bcdn_token="), "{url}");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200, "{url}");
    // What a player fetches relative to the playlist carries the token in its path.
    let base = reqwest::Url::parse(&url).unwrap();
    let relative = base.join("720p/segment_000.ts").unwrap();
    assert_eq!(reqwest::get(relative.clone()).await.unwrap().status(), 200, "{relative}");
    let escaped = base.join("../clip.mp4").unwrap();
    assert_eq!(reqwest::get(escaped.clone()).await.unwrap().status(), 403, "{escaped}");
    app.clock.advance(chrono::Duration::hours(14));
    assert_eq!(reqwest::get(relative.clone()).await.unwrap().status(), 403, "expired");
}
