//! `POST /s/<token>` (form): a share link's password, as a plain form post, so it works
//! without JavaScript (share pages do not hydrate) and never lands in the address bar. The
//! answer is a redirect (303) back to the link; a failure carries a short `error` code.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use tower_sessions::Session;

use crate::server::people::forms::error_code;
use crate::server::people::session::client_address;
use crate::server::state::AppState;

#[derive(Deserialize)]
pub struct Unlock {
    password: String,
}

pub async fn unlock(
    State(state): State<AppState>,
    Path(token): Path<String>,
    session: Session,
    connect: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<Unlock>,
) -> Response {
    // The token goes back into a URL: only the characters a token has.
    let token: String =
        token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(100).collect();
    let client = connect.map(|Extension(ConnectInfo(peer))| client_address(&state, peer, &headers));
    let page = format!("/s/{token}");
    let unlocked = match super::active(&state, &token).await {
        // Gone or unknown: the page says so.
        Ok(Err(_)) => return Redirect::to(&page).into_response(),
        Ok(Ok(link)) => super::unlock(&state, &session, client, &link, Some(form.password)).await,
        Err(e) => Err(e),
    };
    match unlocked {
        Ok(true) => Redirect::to(&page).into_response(),
        Ok(false) => Redirect::to(&format!("{page}?error=password")).into_response(),
        Err(e) => Redirect::to(&format!("{page}?error={}", error_code(&e))).into_response(),
    }
}
