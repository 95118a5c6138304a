//! The authorization matrix, built from the server-function registry: every endpoint × every
//! kind of caller → 401, 403 or let through, with nothing but the refusal in a refusal. A new
//! endpoint fails this test until it is given a line below.

use serde_json::{json, Value};

use crate::helpers::{test_app, TestApp, TestDatabase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Public,
    Read,
    Write,
    Owner,
    /// A browser session, any role; never a token.
    Session,
}

/// What each endpoint needs, written here independently of the server's own table.
fn expected(path: &str) -> Option<Needs> {
    use Needs::*;
    Some(match path.strip_prefix("/api/")? {
        "auth/login" | "auth/logout" | "gallery/get" | "gallery/list" | "invitations/get" | "invitations/accept"
        | "shares/open" | "shares/request" => Public,
        "auth/me" | "account/get" | "people/list" | "media/list" | "media/get" | "media/download"
        | "collections/list" | "collections/get" | "uploads/get" | "uploads/list" | "trash/list" | "tags/list"
        | "media/duplicates" => Read,
        "media/update"
        | "media/delete"
        | "collections/create"
        | "collections/add"
        | "collections/remove"
        | "collections/delete"
        | "collections/update"
        | "collections/reorder"
        | "collections/cover"
        | "collections/publish"
        | "collections/downloads"
        | "uploads/start"
        | "uploads/begin"
        | "uploads/complete"
        | "uploads/fail"
        | "uploads/retry"
        | "uploads/part"
        | "uploads/sign_parts"
        | "uploads/part_done"
        | "uploads/parts"
        | "uploads/unfinished"
        | "uploads/poster"
        | "uploads/known"
        | "uploads/known_sizes"
        | "uploads/limits"
        | "media/tag"
        | "media/set_alt"
        | "media/focus"
        | "media/keep_one"
        | "tags/rename"
        | "tags/merge"
        | "trash/restore"
        | "trash/purge"
        | "shares/create"
        | "shares/list"
        | "shares/update"
        | "shares/revoke"
        | "shares/inbox"
        | "shares/accept"
        | "shares/reject" => Write,
        "people/invite" | "people/update" | "people/disable" | "people/enable" | "people/delete"
        | "invitations/list" | "invitations/revoke" | "admin/check" | "admin/probe" | "admin/probe_done" => Owner,
        "account/update"
        | "account/password"
        | "account/sessions"
        | "account/sign_out_others"
        | "tokens/create"
        | "tokens/list"
        | "tokens/revoke" => Session,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Viewer,
    Editor,
    Owner,
    ReadToken,
    /// An owner's write token: a token reaches owner endpoints only with the write scope.
    WriteToken,
    ExpiredToken,
    RevokedToken,
    DisabledSession,
}

/// The status the caller must get, `None` for "let through" (whatever the endpoint then says).
fn refusal(needs: Needs, caller: Caller) -> Option<u16> {
    use Caller::*;
    match (needs, caller) {
        (Needs::Public, _) => None,
        (_, Anonymous | ExpiredToken | RevokedToken | DisabledSession) => Some(401),
        (Needs::Read, _) => None,
        (Needs::Write, Viewer | ReadToken) => Some(403),
        (Needs::Write, _) => None,
        (Needs::Owner, Owner | WriteToken) => None,
        (Needs::Owner, _) => Some(403),
        (Needs::Session, ReadToken | WriteToken) => Some(403),
        (Needs::Session, _) => None,
    }
}

struct Callers {
    viewer: reqwest::Client,
    editor: reqwest::Client,
    read_token: String,
    write_token: String,
    expired_token: String,
    revoked_token: String,
    disabled: reqwest::Client,
}

async fn callers(app: &TestApp) -> Callers {
    let viewer = app.member("viewer@example.test", "viewer").await.client;
    let editor = app.member("editor@example.test", "editor").await.client;
    let disabled = app.member("gone@example.test", "editor").await;
    let read_token = app.token_for(&app.client, "read", None).await;
    let write_token = app.token_for(&app.client, "write", None).await;
    let expired_token = app.token_for(&app.client, "write", Some(1)).await;
    let revoked_token = app.token_for(&app.client, "write", None).await;
    let tokens: Value = app.api("/api/tokens/list", json!({})).await.json().await.unwrap();
    let revoked = tokens.as_array().unwrap().iter().find(|t| revoked_token.starts_with(t["prefix"].as_str().unwrap()));
    let revoked = app.api("/api/tokens/revoke", json!({"id": revoked.unwrap()["id"]})).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(app.api("/api/people/disable", json!({"id": disabled.id})).await.status(), 200);
    // The one-day token has expired by now.
    app.clock.advance(chrono::Duration::days(2));
    Callers { viewer, editor, read_token, write_token, expired_token, revoked_token, disabled: disabled.client }
}

async fn call(app: &TestApp, callers: &Callers, caller: Caller, path: &str) -> reqwest::Response {
    let body = json!({});
    match caller {
        Caller::Anonymous => app.api_as(&reqwest::Client::new(), path, body).await,
        Caller::Viewer => app.api_as(&callers.viewer, path, body).await,
        Caller::Editor => app.api_as(&callers.editor, path, body).await,
        Caller::Owner => app.api(path, body).await,
        Caller::ReadToken => app.api_with_token(&callers.read_token, path, body).await,
        Caller::WriteToken => app.api_with_token(&callers.write_token, path, body).await,
        Caller::ExpiredToken => app.api_with_token(&callers.expired_token, path, body).await,
        Caller::RevokedToken => app.api_with_token(&callers.revoked_token, path, body).await,
        Caller::DisabledSession => app.api_as(&callers.disabled, path, body).await,
    }
}

async fn matrix(app: TestApp) {
    let callers = callers(&app).await;
    let mut paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    paths.sort();
    paths.dedup();
    // Signing out ends the session the other rows use: last.
    paths.sort_by_key(|p| *p == "/api/auth/logout");
    for path in &paths {
        assert!(path.starts_with("/api/") && !path.chars().last().unwrap().is_ascii_digit(), "stable path: {path}");
    }
    let unlisted: Vec<&&str> = paths.iter().filter(|p| expected(p).is_none()).collect();
    assert!(unlisted.is_empty(), "endpoints without a line in the matrix: {unlisted:?}");
    assert!(paths.len() >= 55, "the registry lists every server function: {}", paths.len());
    use Caller::*;
    let all = [Anonymous, Viewer, Editor, ReadToken, WriteToken, ExpiredToken, RevokedToken, DisabledSession, Owner];
    let mut checked = 0;
    for path in &paths {
        let needs = expected(path).unwrap();
        for caller in all {
            let response = call(&app, &callers, caller, path).await;
            let status = response.status().as_u16();
            match refusal(needs, caller) {
                Some(want) => {
                    assert_eq!(status, want, "{path} as {caller:?}");
                    let body: Value = response.json().await.unwrap();
                    let kind = if want == 401 { "unauthorized" } else { "forbidden" };
                    assert_eq!(body["error"], kind, "{path} as {caller:?}");
                    assert_eq!(body.as_object().unwrap().len(), 2, "a refusal carries no data: {body}");
                }
                None => assert!(
                    status != 401 && status != 403,
                    "{path} as {caller:?} must be let through, got {status}: {:?}",
                    response.text().await
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, paths.len() * all.len());
}

#[tokio::test]
async fn every_endpoint_answers_each_kind_of_caller_as_the_matrix_says_sqlite() {
    matrix(test_app().spawn().await.signed_in().await).await;
}

#[tokio::test]
async fn every_endpoint_answers_each_kind_of_caller_as_the_matrix_says_postgres() {
    let Some(db) = TestDatabase::postgres().await else { return };
    matrix(test_app().database(db).spawn().await.signed_in().await).await;
}
