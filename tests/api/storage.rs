//! The embedded store, driven through the app's own presigner with real presigned URLs.

use std::time::Duration;

use vitrine::model::{ContentType, ObjectKey};

use crate::helpers::spawn_app;

fn key(s: &str) -> ObjectKey {
    ObjectKey::parse(s).unwrap()
}

fn png() -> ContentType {
    ContentType::parse("image/png").unwrap()
}

const PNG_BYTES: &[u8] = b"\x89PNG\r\n\x1a\n pretend image body for the store test";

fn put(
    client: &reqwest::Client,
    presigned: &vitrine::model::upload::PresignedRequest,
    body: Vec<u8>,
) -> reqwest::RequestBuilder {
    let mut request = client.put(&presigned.url).body(body);
    for (name, value) in &presigned.headers {
        request = request.header(name, value);
    }
    request
}

/// The app's keys, signing for the store's own address instead of the app's origin.
fn own_origin_storage(app: &crate::helpers::TestApp) -> vitrine::server::storage::Storage {
    let vitrine::server::config::StorageConfig::External { endpoint, bucket, region, access_key_id, secret_access_key } =
        app.store_config()
    else {
        unreachable!("store_config describes the store as an external one")
    };
    use secrecy::ExposeSecret;
    let store = vitrine::server::storage::StoreEndpoint {
        endpoint,
        bucket,
        region,
        access_key_id,
        secret_access_key: secret_access_key.expose_secret().to_string(),
    };
    vitrine::server::storage::Storage::new(store, None, vitrine::server::clock::Clock::system())
}

#[tokio::test]
async fn by_default_browsers_put_to_the_apps_own_origin() {
    // One port, one certificate, no CORS: the presigned URL is on the app's origin, under the
    // bucket's path, and the bytes land in the store.
    let app = spawn_app().await;
    let presigned = app
        .storage
        .presign_put(&key("media/test/same.png"), &png(), PNG_BYTES.len() as u64, Duration::from_secs(300))
        .await
        .unwrap();
    assert!(presigned.url.starts_with(&format!("{}/vitrine/media/test/same.png?", app.origin())), "{}", presigned.url);
    let response = put(&app.client, &presigned, PNG_BYTES.to_vec()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("etag"));
    let head = app.storage.head(&key("media/test/same.png")).await.unwrap().unwrap();
    assert_eq!(head.size, PNG_BYTES.len() as u64);
    // A tampered signature is refused there too.
    let forged = presigned.url.replace("X-Amz-Expires=300", "X-Amz-Expires=301");
    assert_ne!(forged, presigned.url);
    let refused = app.client.put(&forged).header("content-type", "image/png").body(PNG_BYTES.to_vec()).send().await;
    assert_eq!(refused.unwrap().status(), 403);
}

#[tokio::test]
async fn a_presigned_put_lands_the_bytes_in_the_store() {
    let app = spawn_app().await;
    let key = "media/test/photo.png";
    let presigned = app
        .storage
        .presign_put(&self::key(key), &png(), PNG_BYTES.len() as u64, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(presigned.method, "PUT");
    assert!(presigned.url.contains("X-Amz-Signature="));
    assert!(
        presigned.url.contains("content-length%3Bcontent-type%3Bhost"),
        "length and type are signed: {}",
        presigned.url
    );

    let response = put(&app.client, &presigned, PNG_BYTES.to_vec()).send().await.unwrap();
    assert_eq!(response.status(), 200, "{:?}", response.text().await);

    // The bytes are really there: on disk, and readable back from the store with their type.
    let on_disk = std::fs::read(app.data_dir.join("objects/vitrine").join(key)).unwrap();
    assert_eq!(on_disk, PNG_BYTES);
    let head = app.storage.head(&self::key(key)).await.unwrap().expect("stored");
    assert_eq!(head.content_type, Some(png()));
    assert_eq!(app.storage.get_bytes(&self::key(key)).await.unwrap().unwrap(), PNG_BYTES);
}

#[tokio::test]
async fn puts_that_differ_from_what_was_signed_are_refused() {
    let app = spawn_app().await;
    let key = "media/test/refused.png";
    let len = PNG_BYTES.len() as u64;
    let presigned = app.storage.presign_put(&self::key(key), &png(), len, Duration::from_secs(300)).await.unwrap();

    // Wrong length.
    let mut longer = PNG_BYTES.to_vec();
    longer.push(b'!');
    let response = put(&app.client, &presigned, longer).send().await.unwrap();
    assert_eq!(response.status(), 403, "wrong length");

    // Wrong content type.
    let response = app
        .client
        .put(&presigned.url)
        .header("content-type", "application/x-msdownload")
        .body(PNG_BYTES.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "wrong content type");

    // Tampered signature.
    let tampered_signature = {
        let (head, signature) = presigned.url.split_once("X-Amz-Signature=").unwrap();
        let mut sig: Vec<char> = signature.chars().collect();
        sig[0] = if sig[0] == 'a' { 'b' } else { 'a' };
        format!("{head}X-Amz-Signature={}", sig.into_iter().collect::<String>())
    };
    let mut tampered = presigned.clone();
    tampered.url = tampered_signature;
    assert_eq!(
        put(&app.client, &tampered, PNG_BYTES.to_vec()).send().await.unwrap().status(),
        403,
        "tampered signature"
    );

    // Same signature, another key.
    let mut other_key = presigned.clone();
    other_key.url = presigned.url.replace("refused.png", "elsewhere.png");
    assert_eq!(put(&app.client, &other_key, PNG_BYTES.to_vec()).send().await.unwrap().status(), 403, "tampered key");

    // Nothing was stored by any of them.
    assert!(!app.data_dir.join("objects/vitrine").join(key).exists());
    assert!(!app.data_dir.join("objects/vitrine/media/test/elsewhere.png").exists());
}

#[tokio::test]
async fn an_expired_put_is_refused() {
    let app = spawn_app().await;
    // Signed an hour ago, valid for a minute: already expired, without waiting for it.
    app.clock.advance(chrono::Duration::hours(-1));
    let presigned = app
        .storage
        .presign_put(&key("media/test/late.png"), &png(), PNG_BYTES.len() as u64, Duration::from_secs(60))
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::hours(1));
    let response = put(&app.client, &presigned, PNG_BYTES.to_vec()).send().await.unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn cors_lets_the_app_origin_put_and_read_the_etag() {
    // The store on an origin of its own (`VITRINE_STORE_PUBLIC_URL`): the browser's PUT is
    // cross-origin, and the store's CORS rule must let the app's pages in and show the ETag.
    let app = spawn_app().await;
    let key = "media/test/cors.png";
    let own_origin = own_origin_storage(&app);
    let presigned = own_origin
        .presign_put(&self::key(key), &png(), PNG_BYTES.len() as u64, Duration::from_secs(300))
        .await
        .unwrap();

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, &presigned.url)
        .header("origin", app.origin())
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], app.origin().as_str());
    let methods = preflight.headers()["access-control-allow-methods"].to_str().unwrap().to_uppercase();
    assert!(methods.contains("PUT"), "{methods}");
    let allowed = preflight.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("content-type"), "{allowed}");

    let response =
        put(&app.client, &presigned, PNG_BYTES.to_vec()).header("origin", app.origin()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("etag"));
    let exposed = response.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");

    // Another site's page gets no CORS grant.
    let foreign = app
        .client
        .request(reqwest::Method::OPTIONS, &presigned.url)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert!(!foreign.headers().contains_key("access-control-allow-origin"));
}
