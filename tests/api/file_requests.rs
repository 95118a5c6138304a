//! File requests over HTTP, on both databases: a guest without an account opens a link that
//! allows uploads and sends files through the real upload endpoints and the real store; within
//! the link's quotas only, as a guest that may do nothing else; what it sends waits in the inbox,
//! outside the library and the link's own page, until an editor accepts or rejects it.

use serde_json::{json, Value};

use crate::helpers::{test_app, TestApp, TestDatabase};

fn png(shade: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(300, 200, image::Rgb([shade, 90, 160]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A browser of someone without an account.
struct Guest {
    client: reqwest::Client,
}

impl Guest {
    fn new() -> Guest {
        Guest { client: reqwest::Client::builder().cookie_store(true).build().unwrap() }
    }

    async fn api(&self, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
        app.api_as(&self.client, path, body).await
    }

    /// Sends one PNG the way the uploader does: start, PUT, complete. The completion's answer.
    async fn send(&self, app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
        let spec = json!({"files": [{"name": name, "size": bytes.len(), "content_type": "image/png"}]});
        let started = self.api(app, "/api/uploads/start", spec).await;
        assert_eq!(started.status(), 200, "{:?}", started.text().await);
        let started: Value = started.json().await.unwrap();
        let file = &started["files"][0];
        let upload = &file["upload"];
        let mut put = self.client.put(upload["url"].as_str().unwrap()).body(bytes);
        for header in upload["headers"].as_array().unwrap() {
            put = put.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
        }
        assert_eq!(put.send().await.unwrap().status(), 200);
        let done = self.api(app, "/api/uploads/complete", json!({"file_id": file["file"]["id"]})).await;
        assert_eq!(done.status(), 200, "{:?}", done.text().await);
        done.json().await.unwrap()
    }
}

async fn file_request(db: TestDatabase) {
    let app = test_app().database(db).spawn().await.signed_in().await;
    let collection: Value = app.api("/api/collections/create", json!({"title": "Wedding"})).await.json().await.unwrap();
    let id = &collection["id"];
    let body = json!({"collection_id": id, "label": "Photographer", "allow_upload": true, "max_files": 2});
    let link: Value = app.api("/api/shares/create", body).await.json().await.unwrap();
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();

    let guest = Guest::new();
    // Before the link is opened, the browser is nobody.
    let early = json!({"files": [{"name": "a.png", "size": 10, "content_type": "image/png"}]});
    assert_eq!(guest.api(&app, "/api/uploads/start", early).await.status(), 401);
    let opened: Value = guest.api(&app, "/api/shares/request", json!({"token": token})).await.json().await.unwrap();
    assert_eq!(opened["Open"]["collection_title"], "Wedding");
    assert_eq!(opened["Open"]["files_left"], 2);

    // The guest sends files, and may do nothing else.
    let first = guest.send(&app, "first.png", png(10)).await;
    assert_eq!(first["file"]["status"], "completed");
    for path in ["/api/media/list", "/api/uploads/known", "/api/uploads/unfinished", "/api/collections/list"] {
        let refused = guest.api(&app, path, json!({"sha256": [], "query": {}})).await;
        assert!(matches!(refused.status().as_u16(), 401 | 403), "{path}: {}", refused.status());
    }
    // Quotas: two files in all; a batch that would pass them is refused whole, with the reason.
    let too_many = json!({"files": [
        {"name": "b.png", "size": 10, "content_type": "image/png"},
        {"name": "c.png", "size": 10, "content_type": "image/png"}]});
    let refused = guest.api(&app, "/api/uploads/start", too_many).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("1 more file"));
    let second = guest.send(&app, "second.png", png(200)).await;
    let last = json!({"files": [{"name": "d.png", "size": 10, "content_type": "image/png"}]});
    assert_eq!(guest.api(&app, "/api/uploads/start", last).await.status(), 400, "the quota is spent");

    // Nothing sent is in the library, on the link's page or in the collection.
    let library: Value = app.api("/api/media/list", json!({"query": {}})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 0);
    let page = reqwest::get(link["url"].as_str().unwrap()).await.unwrap().text().await.unwrap();
    assert!(page.contains("This gallery is empty."));
    let people: Value = app.api("/api/people/list", json!({})).await.json().await.unwrap();
    assert_eq!(people.as_array().unwrap().len(), 1, "the link's guest is nobody on the team");
    let trash: Value = app.api("/api/trash/list", json!({})).await.json().await.unwrap();
    assert_eq!(trash["media"].as_array().unwrap().len(), 0, "the inbox is not the trash");

    // The editor's inbox.
    let inbox: Value = app.api("/api/shares/inbox", json!({"collection_id": id})).await.json().await.unwrap();
    let inbox = inbox.as_array().unwrap();
    assert_eq!(inbox.len(), 2);
    assert_eq!(inbox[0]["share_label"], "from Photographer");
    assert_eq!(inbox[0]["item"]["media"]["original_filename"], "first.png");
    let accepted_id = first["file"]["media_id"].clone();
    let rejected_id = second["file"]["media_id"].clone();
    let thumbnail = reqwest::get(inbox[0]["item"]["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(thumbnail.status(), 200, "the editor sees what arrived");

    let accepted: Value =
        app.api("/api/shares/accept", json!({"media_ids": [accepted_id]})).await.json().await.unwrap();
    assert_eq!(accepted, json!([accepted_id]));
    let again: Value = app.api("/api/shares/accept", json!({"media_ids": [accepted_id]})).await.json().await.unwrap();
    assert_eq!(again, json!([]), "accepting twice changes nothing");
    let got: Value = app.api("/api/collections/get", json!({"id": id})).await.json().await.unwrap();
    assert_eq!(got["items"][0]["media"]["id"], accepted_id, "appended to the link's collection");
    let library: Value = app.api("/api/media/list", json!({"query": {}})).await.json().await.unwrap();
    assert_eq!(library["items"].as_array().unwrap().len(), 1);

    let key = vitrine::model::ObjectKey::parse(second["file"]["object_key"].as_str().unwrap()).unwrap();
    assert!(app.storage.head(&key).await.unwrap().is_some());
    let rejected: Value =
        app.api("/api/shares/reject", json!({"media_ids": [rejected_id, accepted_id]})).await.json().await.unwrap();
    assert_eq!(rejected, json!([rejected_id]), "only what waits in the inbox can be rejected");
    assert!(app.storage.head(&key).await.unwrap().is_none(), "a rejected file's object is deleted");
    let inbox: Value = app.api("/api/shares/inbox", json!({})).await.json().await.unwrap();
    assert_eq!(inbox, json!([]));

    // Bad input loses nothing.
    assert_eq!(app.api("/api/shares/accept", json!({"media_ids": []})).await.status(), 400);

    // A revoked link stops the guest at its next request.
    app.api("/api/shares/revoke", json!({"id": link["id"]})).await;
    let after = json!({"files": [{"name": "e.png", "size": 10, "content_type": "image/png"}]});
    assert_eq!(guest.api(&app, "/api/uploads/start", after).await.status(), 401);
    let gone: Value = guest.api(&app, "/api/shares/request", json!({"token": token})).await.json().await.unwrap();
    assert_eq!(gone, json!("Gone"));
}

#[tokio::test]
async fn a_guest_sends_files_into_the_inbox_within_the_quota_sqlite() {
    file_request(TestDatabase::sqlite()).await;
}

#[tokio::test]
async fn a_guest_sends_files_into_the_inbox_within_the_quota_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    file_request(db).await;
}

#[tokio::test]
async fn a_byte_quota_and_a_link_without_uploads_refuse_files() {
    let app = test_app().spawn().await.signed_in().await;
    let collection: Value = app.api("/api/collections/create", json!({"title": "Quota"})).await.json().await.unwrap();
    let body =
        json!({"collection_id": collection["id"], "allow_upload": true, "max_bytes": 1000, "password": "let me in"});
    let link: Value = app.api("/api/shares/create", body).await.json().await.unwrap();
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();

    let guest = Guest::new();
    let locked: Value = guest.api(&app, "/api/shares/request", json!({"token": token})).await.json().await.unwrap();
    assert_eq!(locked, json!("Locked"), "a password comes before uploads");
    let unlocked = guest.api(&app, "/api/shares/open", json!({"token": token, "password": "let me in"})).await;
    assert!(unlocked.json::<Value>().await.unwrap().get("Open").is_some());
    let opened: Value = guest.api(&app, "/api/shares/request", json!({"token": token})).await.json().await.unwrap();
    assert_eq!(opened["Open"]["bytes_left"], 1000);
    let big = json!({"files": [{"name": "big.png", "size": 1001, "content_type": "image/png"}]});
    let refused = guest.api(&app, "/api/uploads/start", big).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("1 kB more"));

    let plain: Value =
        app.api("/api/shares/create", json!({"collection_id": collection["id"]})).await.json().await.unwrap();
    let plain_token = plain["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let other = Guest::new();
    let gone: Value = other.api(&app, "/api/shares/request", json!({"token": plain_token})).await.json().await.unwrap();
    assert_eq!(gone, json!("Gone"), "a link without uploads takes no files");
    let spec = json!({"files": [{"name": "a.png", "size": 10, "content_type": "image/png"}]});
    assert_eq!(other.api(&app, "/api/uploads/start", spec).await.status(), 401);
}

#[tokio::test]
async fn batches_sent_at_once_take_the_quota_and_failed_files_still_count() {
    // Whether the requests really overlap depends on scheduling; the contract test
    // `a_file_requests_quota_holds_against_concurrent_batches` writes overlapping batches for sure.
    let app = test_app().spawn().await.signed_in().await;
    let collection: Value = app.api("/api/collections/create", json!({"title": "Race"})).await.json().await.unwrap();
    let body = json!({"collection_id": collection["id"], "allow_upload": true, "max_files": 3});
    let link: Value = app.api("/api/shares/create", body).await.json().await.unwrap();
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let guest = Guest::new();
    guest.api(&app, "/api/shares/request", json!({"token": token})).await;

    // Five batches of one file at once: three are taken, whatever the interleaving.
    let one = || json!({"files": [{"name": "x.png", "size": 10, "content_type": "image/png"}]});
    let starts = (0..5).map(|_| guest.api(&app, "/api/uploads/start", one()));
    let statuses: Vec<u16> = futures::future::join_all(starts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 2, "{statuses:?}");

    // A failed file still counts (a retry reuses it): failing one frees nothing.
    let inbox_files: Value = app.api("/api/shares/inbox", json!({})).await.json().await.unwrap();
    assert_eq!(inbox_files, json!([]), "nothing completed yet");
    let jobs = app.repo.guest_upload_totals(guest_id(&app, &link).await).await.unwrap();
    assert_eq!(jobs, (3, 30));
    assert_eq!(guest.api(&app, "/api/uploads/start", one()).await.status(), 400);
}

async fn guest_id(app: &TestApp, link: &Value) -> uuid::Uuid {
    let id: uuid::Uuid = link["id"].as_str().unwrap().parse().unwrap();
    app.repo.find_share(id).await.unwrap().unwrap().guest_user_id.expect("the guest was made when the link was opened")
}

#[tokio::test]
async fn a_viewer_sends_through_a_file_request_as_its_guest_and_a_new_password_locks_it() {
    let app = test_app().spawn().await.signed_in().await;
    let collection: Value = app.api("/api/collections/create", json!({"title": "Team"})).await.json().await.unwrap();
    let body = json!({"collection_id": collection["id"], "allow_upload": true, "password": "first secret"});
    let link: Value = app.api("/api/shares/create", body).await.json().await.unwrap();
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    let viewer = app.member("viewer@example.test", "viewer").await;
    let guest = Guest { client: viewer.client };
    guest.api(&app, "/api/shares/open", json!({"token": token, "password": "first secret"})).await;
    let opened: Value = guest.api(&app, "/api/shares/request", json!({"token": token})).await.json().await.unwrap();
    assert!(opened.get("Open").is_some(), "{opened}");
    let sent = guest.send(&app, "from-viewer.png", png(40)).await;
    let inbox: Value = app.api("/api/shares/inbox", json!({})).await.json().await.unwrap();
    assert_eq!(inbox[0]["item"]["media"]["id"], sent["file"]["media_id"], "a viewer's file waits in the inbox too");

    // A new password: browsers that gave the old one are asked again, and cannot send.
    app.api("/api/shares/update", json!({"id": link["id"], "allow_upload": true, "password": "second secret"})).await;
    let spec = json!({"files": [{"name": "b.png", "size": 10, "content_type": "image/png"}]});
    assert_eq!(guest.api(&app, "/api/uploads/start", spec).await.status(), 403, "the viewer is itself again");
    let page: Value = guest.api(&app, "/api/shares/open", json!({"token": token})).await.json().await.unwrap();
    assert_eq!(page, json!({"Locked": {"wrong_password": false}}));
}
