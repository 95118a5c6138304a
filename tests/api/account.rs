//! A person's own account: tokens for scripts, sessions, password changes, the forms that work
//! without JavaScript, and who uploaded what.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn a_token_is_shown_once_works_as_bearer_and_stops_when_revoked() {
    let app = spawn_app().await.signed_in().await;
    let created: Value = app
        .api("/api/tokens/create", json!({"name": "backup script", "scope": "write", "expires_in_days": 30}))
        .await
        .json()
        .await
        .unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("vt_") && secret.len() > 40);
    assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));
    // Never again: the list has no secret, and nothing stored equals it.
    let listed = app.api("/api/tokens/list", json!({})).await.text().await.unwrap();
    assert!(!listed.contains(&secret), "{listed}");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    assert!(listed[0]["last_used_at"].is_null());

    // The same endpoints as the UI, with no cookie; a write token may upload; the cross-site
    // check does not apply to a cookie-less bearer request.
    let started = reqwest::Client::new()
        .post(app.url("/api/uploads/start"))
        .bearer_auth(&secret)
        .header("origin", "https://elsewhere.example")
        .json(&json!({"files": [{"name": "a.png", "size": 10, "content_type": "image/png"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200, "{:?}", started.text().await);
    let listed: Value = app.api("/api/tokens/list", json!({})).await.json().await.unwrap();
    assert!(listed[0]["last_used_at"].is_string(), "last use is shown");
    // A token cannot reach the account: no new tokens, no password change.
    let refused = app.api_with_token(&secret, "/api/tokens/create", json!({"name": "x", "scope": "read"})).await;
    assert_eq!(refused.status(), 403);
    // Wrong, malformed or missing: 401.
    assert_eq!(app.api_with_token("vt_wrong", "/api/media/list", json!({})).await.status(), 401);
    assert_eq!(app.api_with_token("nonsense", "/api/media/list", json!({})).await.status(), 401);
    // Revoked: refused at once.
    let id = created["token"]["id"].clone();
    assert_eq!(app.api("/api/tokens/revoke", json!({"id": id})).await.status(), 200);
    assert_eq!(app.api_with_token(&secret, "/api/media/list", json!({})).await.status(), 401);
    assert_eq!(app.api("/api/tokens/list", json!({})).await.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn a_token_never_exceeds_its_persons_role() {
    let app = spawn_app().await.signed_in().await;
    let viewer = app.member("viewer@example.test", "viewer").await;
    let refused = app.api_as(&viewer.client, "/api/tokens/create", json!({"name": "x", "scope": "write"})).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("read tokens"));
    let read = app.token_for(&viewer.client, "read", None).await;
    assert_eq!(app.api_with_token(&read, "/api/media/list", json!({})).await.status(), 200);
    // An editor demoted to viewer: their write token writes no more.
    let editor = app.member("editor@example.test", "editor").await;
    let write = app.token_for(&editor.client, "write", None).await;
    let body = json!({"title": "By token"});
    assert_eq!(app.api_with_token(&write, "/api/collections/create", body.clone()).await.status(), 200);
    assert_eq!(app.api("/api/people/update", json!({"id": editor.id, "role": "viewer"})).await.status(), 200);
    assert_eq!(app.api_with_token(&write, "/api/collections/create", body).await.status(), 403);
}

#[tokio::test]
async fn sessions_are_listed_and_others_can_be_signed_out() {
    let app = spawn_app().await.signed_in().await;
    let laptop = app.new_browser();
    let creds = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    assert_eq!(app.api_as(&laptop, "/api/auth/login", creds.clone()).await.status(), 200);
    let sessions: Value = app.api("/api/account/sessions", json!({})).await.json().await.unwrap();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(!serde_json::to_string(sessions).unwrap().contains("\"id\""), "session ids are secrets");
    let ended: Value = app.api("/api/account/sign_out_others", json!({})).await.json().await.unwrap();
    assert_eq!(ended, 1);
    assert_eq!(app.api_as(&laptop, "/api/auth/me", json!({})).await.status(), 401);
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 200);

    // A password change needs the current one and ends the other sessions.
    assert_eq!(app.api_as(&laptop, "/api/auth/login", creds).await.status(), 200);
    let wrong = app
        .api("/api/account/password", json!({"current_password": "nope", "new_password": "a new long password"}))
        .await;
    assert_eq!(wrong.status(), 400);
    let short =
        app.api("/api/account/password", json!({"current_password": ADMIN_PASSWORD, "new_password": "short"})).await;
    assert_eq!(short.status(), 400);
    assert_eq!(app.api_as(&laptop, "/api/auth/me", json!({})).await.status(), 200, "bad input changed nothing");
    let changed = app
        .api(
            "/api/account/password",
            json!({"current_password": ADMIN_PASSWORD, "new_password": "a new long password"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(app.api_as(&laptop, "/api/auth/me", json!({})).await.status(), 401);
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 200);
    let renamed: Value = app.api("/api/account/update", json!({"display_name": "  Ada  "})).await.json().await.unwrap();
    assert_eq!(renamed["display_name"], "Ada");
}

#[tokio::test]
async fn the_sign_in_form_posts_without_javascript_and_keeps_the_password_out_of_urls() {
    let app = spawn_app().await;
    let browser =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // The page's form is a POST to /login.
    let page = browser.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("method=\"post\"") && page.contains("action=\"/login\""), "{page}");
    let wrong = browser
        .post(app.url("/login"))
        .header("origin", app.origin())
        .form(&[("email", ADMIN_EMAIL), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 303);
    let location = wrong.headers()["location"].to_str().unwrap();
    assert_eq!(location, "/login?error=credentials");
    let shown = browser.get(app.url(location)).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("Email or password is incorrect."));
    let right = browser
        .post(app.url("/login"))
        .header("origin", app.origin())
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    assert_eq!(right.headers()["location"], "/library");
    assert_eq!(app.api_as(&browser, "/api/auth/me", json!({})).await.status(), 200);
    // The password form too.
    let changed = browser
        .post(app.url("/account/password"))
        .header("origin", app.origin())
        .form(&[("current_password", ADMIN_PASSWORD), ("new_password", "another long password")])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 303);
    assert_eq!(changed.headers()["location"], "/account?saved=password");
    // A cross-site form post is refused.
    let forged = browser
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", ADMIN_EMAIL), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

/// Uploads a small PNG as `client`'s person: the media id.
async fn upload_as(app: &crate::helpers::TestApp, client: &reqwest::Client, name: &str) -> Value {
    let png = {
        let img = image::RgbImage::from_pixel(4, 4, image::Rgb([1, 2, 3]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let files = json!({"files": [{"name": name, "size": png.len(), "content_type": "image/png"}]});
    let started: Value = app.api_as(client, "/api/uploads/start", files).await.json().await.unwrap();
    let file = &started["files"][0];
    let mut put = reqwest::Client::new().put(file["upload"]["url"].as_str().unwrap()).body(png);
    for header in file["upload"]["headers"].as_array().unwrap() {
        put = put.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
    }
    assert_eq!(put.send().await.unwrap().status(), 200);
    let done = app.api_as(client, "/api/uploads/complete", json!({"file_id": file["file"]["id"]})).await;
    assert_eq!(done.status(), 200);
    done.json::<Value>().await.unwrap()["file"]["media_id"].clone()
}

#[tokio::test]
async fn media_record_who_uploaded_them_and_stay_when_they_leave() {
    let app = spawn_app().await.signed_in().await;
    let editor = app.member("editor@example.test", "editor").await;
    let theirs = upload_as(&app, &editor.client, "theirs.png").await;
    let mine = upload_as(&app, &app.client, "mine.png").await;
    let owner: Value = app.api("/api/auth/me", json!({})).await.json().await.unwrap();
    let by = |uploader: &str| {
        let app = &app;
        let uploader = uploader.to_string();
        async move {
            let page: Value =
                app.api("/api/media/list", json!({"query": {"uploader": uploader}})).await.json().await.unwrap();
            page["items"].as_array().unwrap().iter().map(|i| i["media"]["id"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(by(&editor.id).await, vec![theirs.clone()]);
    assert_eq!(by(owner["id"].as_str().unwrap()).await, vec![mine]);
    let detail: Value = app.api("/api/media/get", json!({"id": theirs})).await.json().await.unwrap();
    assert_eq!(detail["item"]["media"]["created_by"], editor.id.as_str());
    // Their account goes; their upload stays, by a former member.
    assert_eq!(app.api("/api/people/delete", json!({"id": editor.id})).await.status(), 200);
    let detail: Value = app.api("/api/media/get", json!({"id": theirs})).await.json().await.unwrap();
    assert!(detail["item"]["media"]["created_by"].is_null());
    assert_eq!(app.api_as(&editor.client, "/api/auth/me", json!({})).await.status(), 401);
}
