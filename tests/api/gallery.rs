//! Public galleries over HTTP, signed out: published or 404, srcsets, share tags, caching,
//! redirects after a rename; and the reorder API.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp, TestDatabase};

fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([shade, 100, 150]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A collection titled `title` holding three uploaded images; returns (collection, media ids).
async fn collection_with_images(app: &TestApp, title: &str) -> (Value, Vec<Value>) {
    let collection: Value = app.api("/api/collections/create", json!({"title": title})).await.json().await.unwrap();
    let mut ids = Vec::new();
    for (i, name) in ["one.png", "two.png", "three.png"].iter().enumerate() {
        let file = app.upload(name, "image/png", png(1600, 900, i as u8 * 60)).await;
        ids.push(file["media_id"].clone());
    }
    let added = app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": ids})).await;
    assert_eq!(added.status(), 200);
    (collection, ids)
}

async fn get_public(app: &TestApp, path: &str) -> reqwest::Response {
    // A fresh client: no session cookie, like any visitor.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_gallery_is_public_only_while_published() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = collection_with_images(&app, "Summer Camp 2024").await;
    let path = "/c/summer-camp-2024";
    let unknown = get_public(&app, "/c/no-such-gallery").await;
    assert_eq!(unknown.status(), 404);
    let without_nonce = |html: String| {
        let nonce = html.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("").to_string();
        html.replace(&nonce, "")
    };
    let unknown_html = without_nonce(unknown.text().await.unwrap());
    let unpublished = get_public(&app, path).await;
    assert_eq!(unpublished.status(), 404);
    assert_eq!(without_nonce(unpublished.text().await.unwrap()), unknown_html, "no hint that it exists");

    let published = app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    assert_eq!(published.status(), 200);
    let page = get_public(&app, path).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "public, no-cache");
    let etag = page.headers()["etag"].to_str().unwrap().to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Summer Camp 2024"), "{html}");
    let first = html.find("one.png").unwrap();
    assert!(first < html.find("two.png").unwrap() && html.find("two.png").unwrap() < html.find("three.png").unwrap());
    assert!(
        html.contains("srcset=\"") && html.contains("?width=320 320w") && html.contains("1600w"),
        "srcsets from the builder"
    );
    assert!(html.contains("width=\"1600\"") && html.contains("height=\"900\""));
    assert!(html.contains("property=\"og:image\"") && html.contains("?width=1200"));
    assert!(html.contains("rel=\"canonical\""));
    assert_eq!(
        html.matches("fetchpriority=\"high\"").count(),
        1,
        "the first image, the likely largest paint, comes first"
    );

    // Unchanged: 304. Reordered: a new page at once.
    let again = reqwest::Client::new().get(app.url(path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);

    // Pages not kept in the cache are gzipped on the way out, for clients that take it.
    let front_gz = reqwest::Client::new().get(app.url("/")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(front_gz.headers()["content-encoding"], "gzip");
    let mut unpacked = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&front_gz.bytes().await.unwrap()[..]),
        &mut unpacked,
    )
    .unwrap();
    assert!(unpacked.contains("href=\"/c/summer-camp-2024\""));
    // The front page lists it.
    let front = get_public(&app, "/").await.text().await.unwrap();
    assert!(front.contains("href=\"/c/summer-camp-2024\""));

    let unpublish = app.api("/api/collections/publish", json!({"id": collection["id"], "published": false})).await;
    assert_eq!(unpublish.status(), 200);
    assert_eq!(get_public(&app, path).await.status(), 404);
    assert!(!get_public(&app, "/").await.text().await.unwrap().contains("summer-camp-2024"));
}

#[tokio::test]
async fn reorder_is_all_or_nothing_and_shows_on_the_next_request() {
    let app = spawn_app().await.signed_in().await;
    let (collection, ids) = collection_with_images(&app, "Order").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let before = get_public(&app, "/c/order").await;
    let etag = before.headers()["etag"].to_str().unwrap().to_string();

    let new_order = json!([ids[2], ids[0], ids[1]]);
    let reordered = app.api("/api/collections/reorder", json!({"id": collection["id"], "media_ids": new_order})).await;
    assert_eq!(reordered.status(), 200);
    let got: Value = app.api("/api/collections/get", json!({"id": collection["id"]})).await.json().await.unwrap();
    let order: Vec<Value> = got["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()).collect();
    assert_eq!(Value::Array(order), new_order);

    let after = reqwest::Client::new().get(app.url("/c/order")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(after.status(), 200, "a reorder changes the page");
    let html = after.text().await.unwrap();
    assert!(html.find("three.png").unwrap() < html.find("one.png").unwrap());

    for (bad, needle) in [
        (json!([ids[0], ids[1]]), "has 2 items"),
        (json!([ids[0], ids[0], ids[1]]), "twice"),
        (json!([ids[0], ids[1], uuid::Uuid::new_v4()]), "not in it"),
    ] {
        let refused = app.api("/api/collections/reorder", json!({"id": collection["id"], "media_ids": bad})).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains(needle), "{needle}");
    }
    let unchanged: Value = app.api("/api/collections/get", json!({"id": collection["id"]})).await.json().await.unwrap();
    let order: Vec<Value> = unchanged["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()).collect();
    assert_eq!(Value::Array(order), new_order, "a refused reorder changes nothing");
}

#[tokio::test]
async fn a_renamed_gallery_redirects_from_its_old_slug() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = collection_with_images(&app, "Old Name").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let renamed: Value = app
        .api("/api/collections/update", json!({"id": collection["id"], "title": "New Name", "description": "Fresh"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["slug"], "new-name");
    let old = get_public(&app, "/c/old-name").await;
    assert_eq!(old.status(), 301);
    assert_eq!(old.headers()["location"], "/c/new-name");
    assert_eq!(get_public(&app, "/c/new-name").await.status(), 200);
    // A new collection cannot take the old slug: it still redirects.
    let other: Value = app.api("/api/collections/create", json!({"title": "Old Name"})).await.json().await.unwrap();
    assert_eq!(other["slug"], "old-name-2");
    // Keeping the slug on rename.
    let kept: Value = app
        .api("/api/collections/update", json!({"id": collection["id"], "title": "Another", "keep_slug": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kept["slug"], "new-name");
    // Renamed back, it takes its own old slug back (not `old-name-3`), and the slug it leaves
    // redirects to it.
    let back: Value = app
        .api("/api/collections/update", json!({"id": collection["id"], "title": "Old Name"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["slug"], "old-name", "its own old slug, taken back");
    assert_eq!(get_public(&app, "/c/old-name").await.status(), 200);
    assert_eq!(get_public(&app, "/c/new-name").await.headers()["location"], "/c/old-name");
}

#[tokio::test]
async fn titles_are_escaped_everywhere_including_share_tags() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = collection_with_images(&app, "</title><script>alert(1)</script> \"quoted\"").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let slug = collection["slug"].as_str().unwrap();
    assert_eq!(slug, "title-script-alert-1-script-quoted");
    let html = get_public(&app, &format!("/c/{slug}")).await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("</title><script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn a_cached_gallery_page_is_confirmed_within_its_bound_even_when_no_change_is_heard_of() {
    use vitrine::server::collections::public_pages::CONFIRM_AFTER;
    let db = TestDatabase::sqlite();
    let elsewhere = db.shared();
    // Frozen: "within the bound" must not depend on how long this machine takes meanwhile.
    let app = test_app().database(db).frozen_clock().spawn().await.signed_in().await;
    let (collection, ids) = collection_with_images(&app, "Bounded").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    assert!(!get_public(&app, "/c/bounded").await.text().await.unwrap().contains("Changed behind its back"));
    // A change this instance hears nothing of (a writer elsewhere, a lost notification).
    let outside = elsewhere.repo().await;
    let id: uuid::Uuid = serde_json::from_value(ids[0].clone()).unwrap();
    let title = vitrine::model::text::Title::parse("Changed behind its back").unwrap();
    outside.update_media(id, &title, &vitrine::model::text::AltText::default()).await.unwrap().unwrap();
    let stale = get_public(&app, "/c/bounded").await.text().await.unwrap();
    assert!(!stale.contains("Changed behind its back"), "served from memory while within its bound");
    app.clock.advance(CONFIRM_AFTER - chrono::Duration::milliseconds(100));
    assert!(!get_public(&app, "/c/bounded").await.text().await.unwrap().contains("Changed behind its back"));
    // Past the bound, the page is confirmed against the database and rendered again.
    app.clock.advance(chrono::Duration::milliseconds(200));
    let fresh = get_public(&app, "/c/bounded").await.text().await.unwrap();
    assert!(fresh.contains("Changed behind its back"), "never older than CONFIRM_AFTER");
}

#[tokio::test]
async fn a_cached_gallery_page_is_never_stale() {
    let app = spawn_app().await.signed_in().await;
    let (collection, ids) = collection_with_images(&app, "Fresh").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let first = get_public(&app, "/c/fresh").await;
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let html = first.text().await.unwrap();
    // Served again from memory: the same bytes and tag.
    let second = get_public(&app, "/c/fresh").await;
    assert_eq!(second.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(second.text().await.unwrap(), html);
    // Gzipped once when cached, for clients that take it: the same page, a fraction of the bytes.
    let packed =
        reqwest::Client::new().get(app.url("/c/fresh")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert_eq!(packed.headers()["vary"], "accept-encoding");
    let gz_etag = packed.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(gz_etag, etag, "each encoding has its own tag");
    let bytes = packed.bytes().await.unwrap();
    assert!(bytes.len() * 4 < html.len(), "{} gzipped vs {} plain", bytes.len(), html.len());
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, html);
    let not_modified = reqwest::Client::new()
        .get(app.url("/c/fresh"))
        .header("accept-encoding", "gzip")
        .header("if-none-match", &gz_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);

    // Each change shows on the very next request.
    let saved = app
        .api("/api/media/update", json!({"id": ids[1], "title": "Renamed item", "alt_text": "A new alt text"}))
        .await;
    assert_eq!(saved.status(), 200);
    let html = get_public(&app, "/c/fresh").await.text().await.unwrap();
    assert!(html.contains("A new alt text"), "an item's alt text shows at once");
    let removed = app.api("/api/collections/remove", json!({"id": collection["id"], "media_ids": [ids[0]]})).await;
    assert_eq!(removed.status(), 200);
    let html = get_public(&app, "/c/fresh").await.text().await.unwrap();
    assert!(!html.contains("one.png") && html.contains("two.png"), "a removed item is gone at once");
    let deleted = app.api("/api/media/delete", json!({"ids": [ids[2]]})).await;
    assert_eq!(deleted.status(), 200);
    let html = get_public(&app, "/c/fresh").await.text().await.unwrap();
    assert!(!html.contains("three.png"), "a deleted item is gone at once");
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": false})).await;
    assert_eq!(get_public(&app, "/c/fresh").await.status(), 404, "unpublished at once, though it was cached");
}

#[tokio::test]
async fn public_pages_ship_no_wasm_and_signed_in_pages_do() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = collection_with_images(&app, "Light").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    for path in ["/c/light", "/"] {
        let html = get_public(&app, path).await.text().await.unwrap();
        assert!(!html.contains("/pkg/vitrine.js") && !html.contains("nonce="), "{path} does not hydrate: {html}");
    }
    let gallery = get_public(&app, "/c/light").await.text().await.unwrap();
    assert!(gallery.contains("<script src=\"/gallery.js\" defer"), "the lightbox keys come from a small script");
    let library = app.client.get(app.url("/library")).send().await.unwrap().text().await.unwrap();
    assert!(library.contains("/pkg/vitrine.js"), "signed-in pages hydrate");
}

#[tokio::test]
async fn the_chosen_cover_is_the_share_image() {
    let app = spawn_app().await.signed_in().await;
    let (collection, ids) = collection_with_images(&app, "Covers").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let og_image = |html: &str| {
        let at =
            html.find("property=\"og:image\" content=\"").expect("og:image") + "property=\"og:image\" content=\"".len();
        html[at..].split('"').next().unwrap().to_string()
    };
    let html = get_public(&app, "/c/covers").await.text().await.unwrap();
    assert!(og_image(&html).contains("one.png"), "the first item by default");
    let chosen = app.api("/api/collections/cover", json!({"id": collection["id"], "media_id": ids[2]})).await;
    assert_eq!(chosen.status(), 200);
    let html = get_public(&app, "/c/covers").await.text().await.unwrap();
    assert!(og_image(&html).contains("three.png"), "the chosen cover");
    let front = get_public(&app, "/").await.text().await.unwrap();
    assert!(front.contains("three.png"), "the front page card too");

    let stranger: Value = app.upload("stranger.png", "image/png", png(100, 100, 9)).await;
    let refused =
        app.api("/api/collections/cover", json!({"id": collection["id"], "media_id": stranger["media_id"]})).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("not in this collection"));
    let html = get_public(&app, "/c/covers").await.text().await.unwrap();
    assert!(og_image(&html).contains("three.png"), "a refused cover changes nothing");

    let clip = {
        let mut bytes = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom".to_vec();
        bytes.resize(500, 1);
        app.upload("clip.mp4", "video/mp4", bytes).await
    };
    app.api("/api/collections/add", json!({"id": collection["id"], "media_ids": [clip["media_id"]]})).await;
    let video_cover =
        app.api("/api/collections/cover", json!({"id": collection["id"], "media_id": clip["media_id"]})).await;
    assert_eq!(video_cover.status(), 400);
    assert!(video_cover.text().await.unwrap().contains("must be an image"));

    let reset = app.api("/api/collections/cover", json!({"id": collection["id"], "media_id": null})).await;
    assert_eq!(reset.status(), 200);
    let html = get_public(&app, "/c/covers").await.text().await.unwrap();
    assert!(og_image(&html).contains("one.png"), "back to the first item");
}

/// A browser's first visit takes gzip: the page rendered for the cache must be the plain HTML
/// (gzipped once, here), never the compressed bytes gzipped a second time.
#[tokio::test]
async fn a_first_visit_that_takes_gzip_gets_the_page_gzipped_once() {
    let app = spawn_app().await.signed_in().await;
    let (collection, _) = collection_with_images(&app, "First Visit").await;
    app.api("/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let gunzip = |bytes: &[u8]| {
        let mut unpacked = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut unpacked)
            .map(|_| unpacked)
            .expect("one layer of gzip around UTF-8 HTML")
    };
    for round in ["renders and caches", "from the cache"] {
        let packed = reqwest::Client::new()
            .get(app.url("/c/first-visit"))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(packed.status(), 200, "{round}");
        assert_eq!(packed.headers()["content-encoding"], "gzip", "{round}");
        let html = gunzip(&packed.bytes().await.unwrap());
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<h1>First Visit"), "{round}: {html:.200}");
        assert!(html.ends_with("</html>"), "{round}: hydration data is dropped");
    }
    // A client that takes no gzip gets the same page plain from the cache.
    let plain = get_public(&app, "/c/first-visit").await;
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().contains("<h1>First Visit"));
}
