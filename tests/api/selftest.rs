//! The self-test: all ok on the default setup; a bucket on its own origin whose CORS rule
//! hides the ETag is named with the rule to paste; `vitrine check` runs the same checks.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

async fn checks(app: &TestApp) -> Vec<Value> {
    let response = app.api("/api/admin/check", json!({})).await;
    assert_eq!(response.status(), 200);
    response.json::<Vec<Value>>().await.unwrap()
}

fn verdict<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

#[tokio::test]
async fn on_the_default_setup_every_check_passes() {
    let app = spawn_app().await.signed_in().await;
    let checks = checks(&app).await;
    for check in &checks {
        assert_ne!(check["verdict"], "fail", "{check}");
    }
    assert_eq!(verdict(&checks, "Database")["verdict"], "ok");
    assert_eq!(verdict(&checks, "Bucket")["verdict"], "ok");
    assert_eq!(verdict(&checks, "Uploads from browsers (CORS)")["verdict"], "skipped", "same origin: no CORS");
    assert_eq!(verdict(&checks, "Clock")["verdict"], "ok");
    assert_eq!(verdict(&checks, "Image resizing")["verdict"], "ok");
    assert_eq!(verdict(&checks, "Public URL")["verdict"], "ok");
    // The probes are gone.
    let left = std::fs::read_dir(app.data_dir.join("objects/vitrine/selftest")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0);
}

/// A stand-in for a bucket on its own origin: forwards to a real store, answers CORS as a
/// bucket rule would (this origin allowed), exposing the ETag or not.
async fn cors_proxy(store: url::Url, expose_etag: bool) -> SocketAddr {
    #[derive(Clone)]
    struct Proxy {
        store: url::Url,
        expose_etag: bool,
        client: reqwest::Client,
    }
    async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
        let origin = request.headers().get("origin").cloned();
        let mut response = if request.method() == Method::OPTIONS {
            let mut preflight = Response::new(Body::empty());
            preflight.headers_mut().insert("access-control-allow-methods", HeaderValue::from_static("PUT, GET, HEAD"));
            preflight.headers_mut().insert("access-control-allow-headers", HeaderValue::from_static("content-type"));
            preflight
        } else {
            let url = format!("{}{}", proxy.store.as_str().trim_end_matches('/'), request.uri());
            let mut outgoing = proxy.client.request(request.method().clone(), url);
            for (name, value) in request.headers() {
                outgoing = outgoing.header(name, value);
            }
            let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap();
            let answer = outgoing.body(body).send().await.unwrap();
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            for (name, value) in answer.headers() {
                if !name.as_str().starts_with("access-control-") {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            *response.body_mut() = Body::from(answer.bytes().await.unwrap());
            if proxy.expose_etag {
                response.headers_mut().insert("access-control-expose-headers", HeaderValue::from_static("ETag"));
            }
            response
        };
        if let Some(origin) = origin {
            response.headers_mut().insert("access-control-allow-origin", origin);
        }
        response
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let proxy = Proxy { store, expose_etag, client: reqwest::Client::new() };
    let router = axum::Router::new().fallback(forward).with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

#[tokio::test]
async fn a_bucket_that_hides_the_etag_is_named_with_the_rule_to_paste() {
    let store_host = spawn_app().await;
    for expose_etag in [false, true] {
        let proxy = cors_proxy(store_host.storage.endpoint().clone(), expose_etag).await;
        let mut storage = store_host.store_config();
        if let vitrine::server::config::StorageConfig::External { endpoint, .. } = &mut storage {
            *endpoint = url::Url::parse(&format!("http://{proxy}")).unwrap();
        }
        let app = test_app().storage(storage).spawn().await.signed_in().await;
        let checks = checks(&app).await;
        let cors = verdict(&checks, "Uploads from browsers (CORS)");
        if expose_etag {
            assert_eq!(cors["verdict"], "ok", "{cors}");
        } else {
            assert_eq!(cors["verdict"], "fail", "{cors}");
            assert!(cors["detail"].as_str().unwrap().contains("does not expose the ETag"), "{cors}");
            let fix = cors["fix"].as_str().unwrap();
            assert!(fix.contains(r#""ExposeHeaders":["ETag"]"#) && fix.contains(&app.origin()), "{fix}");
        }
    }
}

#[tokio::test]
async fn vitrine_check_prints_each_check_and_exits_zero_when_all_pass() {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["check", "--config"])
        .current_dir(dir.path())
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("VITRINE_DATA_DIR", dir.path().join("data"))
        .env("VITRINE_STORE_ADDR", "127.0.0.1:0")
        .env("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .await
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}\n{}", String::from_utf8_lossy(&output.stderr));
    for name in ["Database", "Bucket", "Clock", "Image resizing", "Session cookies", "Public URL"] {
        assert!(printed.lines().any(|l| l.starts_with(name)), "{name} in:\n{printed}");
    }
    // A database it cannot reach: a failed check (exit 1) or a refusal to start, never success.
    let broken = tokio::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["check", "--config"])
        .current_dir(dir.path())
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("VITRINE_DATA_DIR", dir.path().join("data"))
        .env("VITRINE_STORE_ADDR", "127.0.0.1:0")
        .env("VITRINE_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .output()
        .await
        .unwrap();
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("database"));
}
