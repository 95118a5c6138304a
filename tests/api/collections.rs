//! Collections over HTTP: slugs under concurrency, membership, and library integration.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp, TestDatabase};

async fn concurrent_slugs(app: TestApp) {
    let creates = (0..20).map(|_| app.api("/api/collections/create", json!({"title": "Summer Camp 2024"})));
    let mut slugs = Vec::new();
    for response in futures::future::join_all(creates).await {
        assert_eq!(response.status(), 200);
        slugs.push(response.json::<Value>().await.unwrap()["slug"].as_str().unwrap().to_string());
    }
    let mut expected: Vec<String> = vec!["summer-camp-2024".into()];
    expected.extend((2..=20).map(|n| format!("summer-camp-2024-{n}")));
    slugs.sort();
    expected.sort();
    assert_eq!(slugs, expected, "20 creations, 20 distinct slugs");
}

#[tokio::test]
async fn twenty_concurrent_creations_of_one_title_get_twenty_slugs_on_sqlite() {
    concurrent_slugs(spawn_app().await.signed_in().await).await;
}

#[tokio::test]
async fn twenty_concurrent_creations_of_one_title_get_twenty_slugs_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    concurrent_slugs(test_app().database(db).spawn().await.signed_in().await).await;
}

#[tokio::test]
async fn media_join_collections_and_the_detail_panel_says_so() {
    let app = spawn_app().await.signed_in().await;
    let created: Value =
        app.api("/api/collections/create", json!({"title": "Café Zürich 2024"})).await.json().await.unwrap();
    assert_eq!(created["slug"], "cafe-zurich-2024");
    let file = app.upload("a.png", "image/png", b"\x89PNG\r\n\x1a\nnot really".to_vec()).await;
    let media_id = file["media_id"].clone();
    let added = app.api("/api/collections/add", json!({"id": created["id"], "media_ids": [media_id, media_id]})).await;
    assert_eq!(added.status(), 200);
    assert_eq!(added.json::<Value>().await.unwrap(), json!({"changed": 1, "item_count": 1}));
    let detail: Value = app.api("/api/media/get", json!({"id": media_id})).await.json().await.unwrap();
    assert_eq!(detail["collections"][0]["slug"], "cafe-zurich-2024");
    let list: Value = app.api("/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(list[0]["item_count"], 1);

    // Bad input: no title, a foreign media id, an unknown collection.
    let empty = app.api("/api/collections/create", json!({"title": "   "})).await;
    assert_eq!(empty.status(), 400);
    let foreign =
        app.api("/api/collections/add", json!({"id": created["id"], "media_ids": [uuid::Uuid::new_v4()]})).await;
    assert_eq!(foreign.status(), 400);
    let unknown = app.api("/api/collections/add", json!({"id": uuid::Uuid::new_v4(), "media_ids": [media_id]})).await;
    assert_eq!(unknown.status(), 404);

    // Deleting the collection keeps the media.
    assert_eq!(app.api("/api/collections/delete", json!({"id": created["id"]})).await.status(), 200);
    assert_eq!(app.api("/api/media/get", json!({"id": media_id})).await.status(), 200);
}

#[tokio::test]
async fn an_upload_started_for_a_collection_lands_in_it() {
    let app = spawn_app().await.signed_in().await;
    let created: Value = app.api("/api/collections/create", json!({"title": "Drop here"})).await.json().await.unwrap();
    let started: Value = app
        .api(
            "/api/uploads/start",
            json!({"files": [{"name": "x.png", "size": 12, "content_type": "image/png"}], "collection_id": created["id"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let file = &started["files"][0];
    assert_eq!(app.put_object(&file["upload"], b"\x89PNG\r\n\x1a\n1234".to_vec()).await.status(), 200);
    let done: Value = app.complete(&file["file"]["id"], None).await.json().await.unwrap();
    let detail: Value = app.api("/api/media/get", json!({"id": done["file"]["media_id"]})).await.json().await.unwrap();
    assert_eq!(detail["collections"][0]["id"], created["id"]);
}

#[tokio::test]
async fn a_long_title_created_three_times_gets_three_slugs() {
    let app = spawn_app().await.signed_in().await;
    let title = "A very long title ".repeat(11);
    let mut slugs = Vec::new();
    for _ in 0..3 {
        let response = app.api("/api/collections/create", json!({"title": title})).await;
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
        let created: Value = response.json().await.unwrap();
        let slug = created["slug"].as_str().unwrap().to_string();
        assert!(slug.len() <= 80, "{slug}");
        slugs.push(slug);
    }
    slugs.dedup();
    assert_eq!(slugs.len(), 3, "{slugs:?}");
}
