//! Teams: roles, the last owner, invitations, sessions, tokens, sign-in limits across
//! instances, and the forms that work without JavaScript.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestApp, TestDatabase, ADMIN_EMAIL, ADMIN_PASSWORD};

async fn owner_id(app: &TestApp) -> Value {
    app.api("/api/auth/me", json!({})).await.json::<Value>().await.unwrap()["id"].clone()
}

#[tokio::test]
async fn the_last_active_owner_cannot_be_demoted_disabled_or_deleted() {
    let app = spawn_app().await.signed_in().await;
    let me = owner_id(&app).await;
    for (path, body) in [
        ("/api/people/update", json!({"id": me, "role": "editor"})),
        ("/api/people/disable", json!({"id": me})),
        ("/api/people/delete", json!({"id": me})),
    ] {
        let refused = app.api(path, body).await;
        assert_eq!(refused.status(), 409, "{path}");
        let body: Value = refused.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("last active owner"), "{body}");
    }
    // A second owner, then the first may step down; the second is now the last.
    let second = app.member("second@example.test", "owner").await;
    assert_eq!(app.api("/api/people/update", json!({"id": me, "role": "editor"})).await.status(), 200);
    let refused = app.api_as(&second.client, "/api/people/disable", json!({"id": second.id})).await;
    assert_eq!(refused.status(), 409);
    let people: Value = app.api_as(&second.client, "/api/people/list", json!({})).await.json().await.unwrap();
    let roles: Vec<(&str, &str)> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["email"].as_str().unwrap(), p["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("second@example.test", "owner"), (ADMIN_EMAIL, "editor")]);
}

#[tokio::test]
async fn an_invitation_works_once_and_not_after_it_expires_or_is_revoked() {
    let app = spawn_app().await.signed_in().await;
    let invite = |email: &'static str| {
        let app = &app;
        async move {
            let made: Value =
                app.api("/api/people/invite", json!({"email": email, "role": "viewer"})).await.json().await.unwrap();
            made["link"].as_str().unwrap().trim_start_matches("/invite/").to_string()
        }
    };
    let accept = |token: String| {
        let app = &app;
        async move {
            app.api_as(
                &app.new_browser(),
                "/api/invitations/accept",
                json!({"token": token, "display_name": "Vi", "password": "a long password"}),
            )
            .await
        }
    };
    // Used once, then gone.
    let token = invite("once@example.test").await;
    let pending: Value = app.api("/api/invitations/list", json!({})).await.json().await.unwrap();
    assert_eq!(pending[0]["email"], "once@example.test");
    assert_eq!(accept(token.clone()).await.status(), 200);
    let again = accept(token.clone()).await;
    assert_eq!(again.status(), 410);
    assert!(again.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("already used"));
    // The page for a used link says so (not a 500).
    let page = reqwest::get(app.url(&format!("/invite/{token}"))).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("already used"));
    // Bad input loses nothing: a short password leaves the link usable.
    let token = invite("later@example.test").await;
    let short = app
        .api_as(
            &app.new_browser(),
            "/api/invitations/accept",
            json!({"token": token, "display_name": "L", "password": "short"}),
        )
        .await;
    assert_eq!(short.status(), 400);
    // Revoked.
    let revoked_token = invite("revoked@example.test").await;
    let pending: Value = app.api("/api/invitations/list", json!({})).await.json().await.unwrap();
    let id = pending.as_array().unwrap().iter().find(|i| i["email"] == "revoked@example.test").unwrap()["id"].clone();
    assert_eq!(app.api("/api/invitations/revoke", json!({"id": id})).await.status(), 200);
    let refused = accept(revoked_token).await;
    assert_eq!(refused.status(), 410);
    assert!(refused.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("withdrawn"));
    // Expired: seven days by default.
    app.clock.advance(chrono::Duration::days(8));
    let refused = accept(token).await;
    assert_eq!(refused.status(), 410);
    assert!(refused.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("expired"));
    // A member cannot be invited twice; an unknown link is refused.
    let dup = app.api("/api/people/invite", json!({"email": "once@example.test", "role": "editor"})).await;
    assert_eq!(dup.status(), 409);
    assert_eq!(accept("nonsense".into()).await.status(), 410);
}

async fn disabled_elsewhere(first: TestApp, second: TestApp) {
    let member = first.member("editor@example.test", "editor").await;
    let token = first.token_for(&member.client, "write", None).await;
    // Both instances know them.
    assert_eq!(second.api_as(&member.client, "/api/auth/me", json!({})).await.status(), 200);
    assert_eq!(second.api_with_token(&token, "/api/media/list", json!({})).await.status(), 200);
    // Disabled on the first: refused on the second at the very next request.
    assert_eq!(first.api("/api/people/disable", json!({"id": member.id})).await.status(), 200);
    assert_eq!(second.api_as(&member.client, "/api/media/list", json!({})).await.status(), 401);
    assert_eq!(second.api_with_token(&token, "/api/media/list", json!({})).await.status(), 401);
    // Signing in again is refused with a clear message; re-enabled, they may.
    let again = second
        .api_as(&member.client, "/api/auth/login", json!({"email": member.email, "password": "a long password"}))
        .await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("disabled"));
    assert_eq!(first.api("/api/people/enable", json!({"id": member.id})).await.status(), 200);
    assert_eq!(second.api_with_token(&token, "/api/media/list", json!({})).await.status(), 200);
}

#[tokio::test]
async fn a_disabled_person_is_refused_on_the_next_request_sqlite() {
    let db = TestDatabase::sqlite();
    let first = test_app().database(db.shared()).spawn().await.signed_in().await;
    let second = test_app().database(db).spawn().await;
    disabled_elsewhere(first, second).await;
}

#[tokio::test]
async fn a_disabled_person_is_refused_on_the_next_request_on_another_instance_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let first = test_app().database(db.shared()).spawn().await.signed_in().await;
    let second = test_app().database(db).spawn().await;
    disabled_elsewhere(first, second).await;
}

async fn limits_shared(first: TestApp, second: TestApp) {
    let wrong = json!({"email": ADMIN_EMAIL, "password": "not the password"});
    for _ in 0..10 {
        assert_eq!(first.api_as(&first.new_browser(), "/api/auth/login", wrong.clone()).await.status(), 401);
    }
    // The second instance has seen none of them itself, and still refuses.
    let right = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let refused = second.api_as(&second.new_browser(), "/api/auth/login", right.clone()).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    // Time drains the bucket (the clock moves; nothing sleeps).
    first.clock.advance(chrono::Duration::seconds(31));
    second.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(second.api_as(&second.new_browser(), "/api/auth/login", right).await.status(), 200);
}

#[tokio::test]
async fn sign_in_limits_hold_across_instances_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let first = test_app().database(db.shared()).spawn().await;
    let second = test_app().database(db).spawn().await;
    limits_shared(first, second).await;
}

#[tokio::test]
async fn sign_in_limits_hold_across_instances_sqlite() {
    let db = TestDatabase::sqlite();
    let first = test_app().database(db.shared()).spawn().await;
    let second = test_app().database(db).spawn().await;
    limits_shared(first, second).await;
}
