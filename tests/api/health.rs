use serde_json::Value;

use crate::helpers::{spawn_app, test_app};

#[tokio::test]
async fn healthz_is_ok_when_database_and_store_answer() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["store"], "ok");
}

#[tokio::test]
async fn healthz_is_503_when_the_store_is_unreachable() {
    // An external store on a port nobody listens on.
    let app = test_app().unreachable_store().spawn().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["store"], "unavailable");
}
