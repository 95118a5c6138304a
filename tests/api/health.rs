use serde_json::Value;
use vitrine::server::config::StorageConfig;

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
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let app = test_app()
        .storage(StorageConfig::External {
            endpoint: url::Url::parse(&format!("http://{closed}")).unwrap(),
            bucket: "vitrine".into(),
            region: "auto".into(),
            access_key_id: "key".into(),
            secret_access_key: "secret".to_string().into(),
        })
        .spawn()
        .await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    assert_eq!(body["store"], "unavailable");
}
