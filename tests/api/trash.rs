//! The trash over HTTP: deleting hides an item from the library, its collections, the public
//! gallery and the image origin at once; restoring gives it back in place; purging (by hand or
//! by the sweeper after the retention) deletes the objects, checked in the store.

use serde_json::{json, Value};
use vitrine::model::ObjectKey;

use crate::helpers::{spawn_app, test_app, TestApp};

fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([shade, 120, 200]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// Two images in a published collection `trip`, in the order [b, a].
async fn library_with_a_gallery(app: &TestApp) -> (Value, Value, String) {
    let a = app.upload("a.png", "image/png", png(120, 80, 10)).await;
    let b = app.upload("b.png", "image/png", png(120, 80, 90)).await;
    let c: Value = app.api("/api/collections/create", json!({"title": "Trip"})).await.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_string();
    let added = app.api("/api/collections/add", json!({"id": id, "media_ids": [b["media_id"], a["media_id"]]})).await;
    assert_eq!(added.status(), 200);
    assert_eq!(app.api("/api/collections/publish", json!({"id": id, "published": true})).await.status(), 200);
    (a, b, id)
}

async fn status_of(app: &TestApp, path: &str) -> u16 {
    reqwest::get(app.url(path)).await.unwrap().status().as_u16()
}

async fn gallery_html(app: &TestApp) -> (u16, String) {
    let response = reqwest::get(app.url("/c/trip")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn item_order(app: &TestApp, collection: &str) -> Vec<Value> {
    let got: Value = app.api("/api/collections/get", json!({"id": collection})).await.json().await.unwrap();
    got["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()).collect()
}

async fn held(app: &TestApp, key: &str) -> bool {
    app.storage.head(&ObjectKey::parse(key).unwrap()).await.unwrap().is_some()
}

#[tokio::test]
async fn a_deleted_item_leaves_every_view_at_once_and_comes_back_in_place() {
    let app = spawn_app().await.signed_in().await;
    let (a, b, trip) = library_with_a_gallery(&app).await;
    let key = b["object_key"].as_str().unwrap().to_string();
    assert_eq!(status_of(&app, &format!("/cdn/{key}?width=50")).await, 200, "a variant is cached");
    assert!(gallery_html(&app).await.1.contains(&key));

    let deleted: Value = app.api("/api/media/delete", json!({"ids": [b["media_id"]]})).await.json().await.unwrap();
    assert_eq!(deleted["deleted"], json!([b["media_id"]]));
    let library = app.library().await;
    assert_eq!(library["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.api("/api/media/get", json!({"id": b["media_id"]})).await.status(), 404);
    assert_eq!(item_order(&app, &trip).await, [a["media_id"].clone()]);
    for path in [format!("/cdn/{key}"), format!("/cdn/{key}?width=50")] {
        assert_eq!(status_of(&app, &path).await, 404, "{path}: the origin hides it, cached variant too");
    }
    let (status, html) = gallery_html(&app).await;
    assert_eq!(status, 200);
    assert!(!html.contains(&key), "the public gallery no longer shows it");
    assert!(held(&app, &key).await, "the original is still in the store");

    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(trash["retention_days"], 30);
    assert_eq!(trash["media"][0]["item"]["media"]["id"], b["media_id"]);
    assert!(trash["media"][0]["deleted_by"].is_string(), "who deleted it: {trash}");

    let restored: Value = app.api("/api/trash/restore", json!({"media": [b["media_id"]]})).await.json().await.unwrap();
    assert_eq!(restored["media"], json!([b["media_id"]]));
    assert_eq!(item_order(&app, &trip).await, [b["media_id"].clone(), a["media_id"].clone()], "at its place");
    assert_eq!(status_of(&app, &format!("/cdn/{key}?width=50")).await, 200);
    assert!(gallery_html(&app).await.1.contains(&key));
}

#[tokio::test]
async fn a_deleted_collection_is_gone_from_public_view_and_comes_back_whole() {
    let app = spawn_app().await.signed_in().await;
    let (a, b, trip) = library_with_a_gallery(&app).await;
    assert_eq!(app.api("/api/collections/delete", json!({"id": trip})).await.status(), 200);
    assert_eq!(gallery_html(&app).await.0, 404);
    let listed: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(listed, json!([]));
    assert_eq!(app.library().await["items"].as_array().unwrap().len(), 2, "its media stay");
    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(trash["collections"][0]["item"]["item_count"], 2);

    app.api("/api/trash/restore", json!({"collections": [trip]})).await;
    let (status, html) = gallery_html(&app).await;
    assert_eq!(status, 200, "published again, at the same slug");
    assert!(html.contains(a["object_key"].as_str().unwrap()));
    assert_eq!(item_order(&app, &trip).await, [b["media_id"].clone(), a["media_id"].clone()]);
}

#[tokio::test]
async fn delete_forever_removes_the_objects_and_only_what_is_in_the_trash() {
    let app = spawn_app().await.signed_in().await;
    let (a, b, _) = library_with_a_gallery(&app).await;
    let (key_a, key_b) = (a["object_key"].as_str().unwrap(), b["object_key"].as_str().unwrap());
    assert_eq!(status_of(&app, &format!("/cdn/{key_b}?width=50")).await, 200);
    app.api("/api/media/delete", json!({"ids": [b["media_id"]]})).await;

    let live: Value = app.api("/api/trash/purge", json!({"media": [a["media_id"]]})).await.json().await.unwrap();
    assert_eq!(live["media"], json!([]), "a live item is not purged");
    assert!(held(&app, key_a).await);
    let purged: Value = app.api("/api/trash/purge", json!({"media": [b["media_id"]]})).await.json().await.unwrap();
    assert_eq!(purged["media"], json!([b["media_id"]]));
    assert!(!held(&app, key_b).await, "the original is deleted from the store");
    assert!(!app.data_dir.join("cache").join(key_b).exists(), "and its cached variants");
    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(trash["media"], json!([]));
    let restored: Value = app.api("/api/trash/restore", json!({"media": [b["media_id"]]})).await.json().await.unwrap();
    assert_eq!(restored["media"], json!([]), "nothing comes back from a purge");

    // Bad requests say why and change nothing.
    for body in [json!({}), json!({"all": true, "media": [a["media_id"]]})] {
        let refused = app.api("/api/trash/purge", body.clone()).await;
        assert_eq!(refused.status(), 400, "{body}");
    }
    assert_eq!(app.api("/api/trash/restore", json!({})).await.status(), 400);
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    assert_eq!(app.api("/api/media/delete", json!({"ids": too_many})).await.status(), 400);
    assert!(held(&app, key_a).await);

    // Emptying the trash takes everything in it, and nothing else.
    app.api("/api/media/delete", json!({"ids": [a["media_id"]]})).await;
    let emptied: Value = app.api("/api/trash/purge", json!({"all": true})).await.json().await.unwrap();
    assert_eq!(emptied["media"], json!([a["media_id"]]));
    assert!(!held(&app, key_a).await);
}

#[tokio::test]
async fn the_sweeper_purges_what_is_past_the_retention() {
    let app = test_app().frozen_clock().spawn().await.signed_in().await;
    let (a, b, trip) = library_with_a_gallery(&app).await;
    app.api("/api/media/delete", json!({"ids": [b["media_id"]]})).await;
    app.api("/api/collections/delete", json!({"id": trip})).await;

    app.clock.advance(chrono::Duration::days(29));
    let swept = vitrine::server::media::trash::sweep(&app.state, app.clock.now()).await.unwrap();
    assert_eq!((swept.media, swept.collections), (0, 0), "still within the 30 days");
    assert!(held(&app, b["object_key"].as_str().unwrap()).await);

    app.clock.advance(chrono::Duration::days(2));
    let swept = vitrine::server::media::trash::sweep(&app.state, app.clock.now()).await.unwrap();
    assert_eq!((swept.media, swept.collections), (1, 1));
    assert!(!held(&app, b["object_key"].as_str().unwrap()).await, "deleted from the store");
    assert!(held(&app, a["object_key"].as_str().unwrap()).await, "a live item is left alone");
    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!((trash["media"].clone(), trash["collections"].clone()), (json!([]), json!([])));
}

#[tokio::test]
async fn the_trash_forms_work_without_javascript() {
    let app = spawn_app().await.signed_in().await;
    let a = app.upload("a.png", "image/png", png(40, 40, 10)).await;
    let id = a["media_id"].as_str().unwrap().to_string();
    app.api("/api/media/delete", json!({"ids": [id]})).await;
    let page = app.client.get(app.url("/trash")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("a.png") && page.contains("action=\"/trash\""), "the page lists it with its forms");

    let post = |fields: Vec<(&'static str, String)>| {
        let request = app.client.post(app.url("/trash")).header("origin", app.origin()).form(&fields);
        async move { request.send().await.unwrap() }
    };
    let bad = post(vec![("action", "restore".into()), ("kind", "media".into()), ("id", "nonsense".into())]).await;
    assert_eq!((bad.status().as_u16(), bad.headers()["location"].to_str().unwrap()), (303, "/trash?error=error"));
    let done = post(vec![("action", "restore".into()), ("kind", "media".into()), ("id", id.clone())]).await;
    assert_eq!((done.status().as_u16(), done.headers()["location"].to_str().unwrap()), (303, "/trash?done=restored"));
    assert_eq!(app.library().await["items"].as_array().unwrap().len(), 1);

    // A viewer may look but not restore or delete.
    app.api("/api/media/delete", json!({"ids": [id]})).await;
    let viewer = app.member("viewer@example.test", "viewer").await;
    let refused = viewer
        .client
        .post(app.url("/trash"))
        .header("origin", app.origin())
        .form(&[("action", "empty")])
        .send()
        .await
        .unwrap();
    // The viewer's browser follows the redirect to the page, which says why.
    assert!(refused.url().as_str().ends_with("/trash?error=forbidden"), "{}", refused.url());
    assert!(refused.text().await.unwrap().contains("Viewers cannot restore or delete"));
    let listed: Value = app.api_as(&viewer.client, "/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(listed["media"].as_array().unwrap().len(), 1, "nothing was purged");

    let emptied = post(vec![("action", "empty".into())]).await;
    assert_eq!(emptied.headers()["location"], "/trash?done=emptied");
    assert!(!held(&app, a["object_key"].as_str().unwrap()).await);
}
