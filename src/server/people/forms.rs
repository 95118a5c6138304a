//! The sign-in, invitation and password forms as plain HTML form POSTs, so they work before
//! the page hydrates and without JavaScript, and never put a credential in a URL: the form
//! posts here and the answer is a redirect (303). A failure redirects back with a short
//! `error` code the page turns into a sentence (never the message itself, so a crafted link
//! cannot make the page say anything). Hydrated pages call the JSON API instead; both paths
//! run the same code in `team`.

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use tower_sessions::Session;

use crate::error::AppError;
use crate::model::CurrentUser;
use crate::server::people::session::{self, SessionId};
use crate::server::people::team;
use crate::server::state::AppState;

/// The code a page shows a sentence for.
pub fn error_code(error: &AppError) -> &'static str {
    match error {
        AppError::InvalidCredentials => "credentials",
        AppError::RateLimited => "rate_limited",
        AppError::Invalid(_) => "invalid",
        AppError::Gone(_) => "gone",
        AppError::Unavailable => "unavailable",
        _ => "error",
    }
}

fn user_agent(headers: &HeaderMap) -> String {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
}

/// `POST /login` (form): signs in and goes to the library.
pub async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    connect: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let client = connect.map(|Extension(ConnectInfo(peer))| session::client_address(&state, peer, &headers));
    let agent = user_agent(&headers);
    match team::sign_in_with_password(&state, &session, client, &agent, &form.email, form.password).await {
        Ok(_) => Redirect::to("/library").into_response(),
        Err(e) => Redirect::to(&format!("/login?error={}", error_code(&e))).into_response(),
    }
}

#[derive(Deserialize)]
pub struct Accept {
    token: String,
    display_name: String,
    password: String,
}

/// `POST /invite` (form): accepts an invitation, signs in and goes to the library.
pub async fn accept_invitation(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<Accept>,
) -> Response {
    let agent = user_agent(&headers);
    match team::accept_invitation(&state, &session, &agent, &form.token, &form.display_name, form.password).await {
        Ok(_) => Redirect::to("/library").into_response(),
        // The link is the one the person opened; sending them back to it is no new exposure.
        Err(e) => Redirect::to(&format!("/invite/{}?error={}", url_safe(&form.token), error_code(&e))).into_response(),
    }
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// `POST /account/password` (form): changes the password, ends other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    this_session: Option<Extension<SessionId>>,
    Form(form): Form<PasswordChange>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let this_session = this_session.map(|Extension(id)| id.0);
    match team::change_password(&state, &user, this_session, form.current_password, form.new_password).await {
        Ok(_) => Redirect::to("/account?saved=password").into_response(),
        Err(e) => Redirect::to(&format!("/account?error={}", error_code(&e))).into_response(),
    }
}

/// Invitation secrets are URL-safe base64; anything else is dropped rather than echoed.
fn url_safe(token: &str) -> String {
    token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(100).collect()
}
