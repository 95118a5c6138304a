use serde_json::{json, Value};

use crate::helpers::{spawn_app, test_app, TestDatabase, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn sign_in_sets_a_protective_session_cookie_and_me_answers() {
    let app = spawn_app().await;

    let response = app.login().await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("vitrine_session="))
        .expect("a session cookie is set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http must not get a Secure cookie: {cookie}");
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["email"], ADMIN_EMAIL);

    let me = app.api("/api/auth/me", json!({})).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["email"], ADMIN_EMAIL);
}

#[tokio::test]
async fn cookie_is_secure_when_the_public_url_is_https() {
    let app = test_app().public_base_url("https://media.example.test").spawn().await;
    let response = app.login().await;
    assert_eq!(response.status(), 200);
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let wrong_password =
        app.api("/api/auth/login", json!({"email": ADMIN_EMAIL, "password": "not the password"})).await;
    assert_eq!(wrong_password.status(), 401);
    let wrong_body: Value = wrong_password.json().await.unwrap();

    let unknown = app.api("/api/auth/login", json!({"email": "nobody@example.test", "password": ADMIN_PASSWORD})).await;
    assert_eq!(unknown.status(), 401);
    let unknown_body: Value = unknown.json().await.unwrap();

    assert_eq!(wrong_body, unknown_body, "no hint which accounts exist");
    assert_eq!(wrong_body["error"], "invalid_credentials");
    assert!(wrong_body["message"].as_str().unwrap().contains("incorrect"));

    // And no session came of it.
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 401);
}

#[tokio::test]
async fn malformed_sign_in_requests_get_a_400_with_a_reason() {
    let app = spawn_app().await;
    let missing_password = app.api("/api/auth/login", json!({"email": ADMIN_EMAIL})).await;
    assert_eq!(missing_password.status(), 400);
    let body: Value = missing_password.json().await.unwrap();
    assert_eq!(body["error"], "invalid");

    let not_json = app
        .client
        .post(app.url("/api/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
}

#[tokio::test]
async fn email_is_matched_case_insensitively() {
    let app = spawn_app().await;
    let response =
        app.api("/api/auth/login", json!({"email": "  ADMIN@Example.Test ", "password": ADMIN_PASSWORD})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await.signed_in().await;
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 200);
    assert_eq!(app.api("/api/auth/logout", json!({})).await.status(), 200);
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 401);
}

#[tokio::test]
async fn sessions_live_in_postgres_too() {
    let Some(db) = TestDatabase::postgres().await else { return };
    let app = test_app().database(db).spawn().await.signed_in().await;
    let me = app.api("/api/auth/me", json!({})).await;
    assert_eq!(me.status(), 200);
    assert_eq!(app.api("/api/auth/logout", json!({})).await.status(), 200);
    assert_eq!(app.api("/api/auth/me", json!({})).await.status(), 401);
}
