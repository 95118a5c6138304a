//! Who is making a request: a browser session (the cookie holds only an id; its record holds
//! the id of a `user_sessions` row) or an API token (`Authorization: Bearer vt_…`).
//!
//! `authenticate` finds the person once per request, applies the endpoint's access rule (see
//! `access`) and puts the [`CurrentUser`] in the request; server functions take it from there
//! with [`signed_in`]. Each request reads the session or token row and the person together, so
//! an ended session, a revoked token or a disabled person is refused at the very next request,
//! on every instance.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::{Access, Credential};
use crate::model::CurrentUser;
use crate::server::db::UserRecord;
use crate::server::people::{access, secrets};
use crate::server::state::AppState;

/// A session unused this long expires (its cookie and its row).
pub const SESSION_IDLE: chrono::Duration = chrono::Duration::days(14);

/// The key in the cookie's record: the `user_sessions` row of this browser.
const SESSION_KEY: &str = "session";

/// The `user_sessions` row of the request's browser session, next to the [`CurrentUser`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId(pub Uuid);

pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing from the request");
        AppError::Internal
    })
}

/// Signs `user` in on this browser: a new cookie id (so one planted before sign-in is
/// worthless after it) pointing at a new session row.
pub async fn sign_in(state: &AppState, session: &Session, user: &UserRecord, user_agent: &str) -> Result<(), AppError> {
    let id = state.repo.start_session(user.id, user_agent).await?;
    session.cycle_id().await.map_err(session_failed)?;
    session.insert(SESSION_KEY, id).await.map_err(session_failed)?;
    Ok(())
}

pub async fn sign_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Ok(Some(id)) = session.get::<Uuid>(SESSION_KEY).await {
        state.repo.end_session(id).await?;
    }
    session.flush().await.map_err(session_failed)
}

/// The app and the signed-in user, in a server function or a page render: the one line every
/// admin server function starts with. `Unauthorized` without a signed-in user.
pub fn signed_in() -> Result<(AppState, CurrentUser), AppError> {
    let state = AppState::from_context()?;
    let user = current_user().ok_or(AppError::Unauthorized)?;
    Ok((state, user))
}

/// The user `authenticate` found for this request, if any.
pub fn current_user() -> Option<CurrentUser> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<CurrentUser>().cloned()
}

/// This request's browser session row, if it came with one.
pub fn current_session_id() -> Option<Uuid> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.extensions.get::<SessionId>().map(|id| id.0)
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn session_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Unavailable
}

fn current(user: UserRecord, credential: Credential) -> CurrentUser {
    CurrentUser {
        id: user.id,
        email: user.email.to_string(),
        display_name: user.display_name,
        role: user.role,
        credential,
    }
}

/// In front of every page and server function except the public pages: finds the person once,
/// for the whole request, and applies the endpoint's access rule before its body is even read,
/// so no endpoint can forget the check or leak a validation message to someone not allowed.
/// Refusals say 401 (no valid session or token) or 403 (not allowed) and nothing else. Pages
/// render their own sign-in redirect.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if crate::app::is_public_path(path) {
        return next.run(request).await;
    }
    // Pages: `None`. Endpoints: their rule, `Some(None)` for one missing from the table.
    let required = path.starts_with("/api/").then(|| access::access_of(path));
    let open = matches!(required, None | Some(Some(Access::Public)));
    let found = match bearer_token(request.headers()) {
        Some(token) => token_user(&state, token).await,
        None => session_user(&state, &session).await,
    };
    // On an upload endpoint, nobody who may upload (signed out, or a viewer): maybe a file
    // request's guest (see `sharing::requests`).
    let found = match found {
        Ok(user)
            if required == Some(Some(Access::Upload)) && !user.as_ref().is_some_and(|(u, _)| u.may(Access::Upload)) =>
        {
            match crate::server::sharing::requests::guest(&state, &session).await {
                Ok(Some(guest)) => Ok(Some((guest, None))),
                Ok(None) => Ok(user),
                Err(e) => Err(e),
            }
        }
        other => other,
    };
    let user = match found {
        Ok(found) => found,
        Err(error) if open => {
            tracing::warn!(%error, "could not read the session or token");
            None
        }
        Err(error) => return error.into_response(),
    };
    if let (false, Some(required)) = (open, required) {
        let refusal = match (&user, required) {
            (None, _) => Some(AppError::Unauthorized),
            // Not in the table: refused to everyone signed in too.
            (Some(_), None) => Some(AppError::Forbidden),
            (Some((user, _)), Some(required)) => (!user.may(required)).then_some(AppError::Forbidden),
        };
        if let Some(refusal) = refusal {
            return refusal.into_response();
        }
    }
    if let Some((user, session_id)) = user {
        request.extensions_mut().insert(user);
        if let Some(id) = session_id {
            request.extensions_mut().insert(SessionId(id));
        }
    }
    next.run(request).await
}

async fn session_user(state: &AppState, session: &Session) -> Result<Option<(CurrentUser, Option<Uuid>)>, AppError> {
    let Some(id) = session.get::<Uuid>(SESSION_KEY).await.map_err(session_failed)? else {
        return Ok(None);
    };
    match state.repo.session_user(id).await? {
        Some(user) => Ok(Some((current(user, Credential::Session), Some(id)))),
        // Ended elsewhere (signed out everywhere, password changed, disabled, deleted).
        None => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

async fn token_user(state: &AppState, token: &str) -> Result<Option<(CurrentUser, Option<Uuid>)>, AppError> {
    if !token.starts_with(secrets::TOKEN_PREFIX) {
        return Ok(None);
    }
    let found = state.repo.token_user(&secrets::hash_secret(token)).await?;
    Ok(found.map(|(token, user)| (current(user, Credential::Token(token.scope)), None)))
}

/// Who is asking, for the sign-in limits and the sessions list: the client's address (through
/// trusted proxies, see [`client_address`]) and its browser's `User-Agent`.
pub async fn request_client() -> (Option<std::net::IpAddr>, String) {
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|i| i.0);
    let parts = leptos::prelude::use_context::<http::request::Parts>();
    let headers = parts.as_ref().map(|parts| &parts.headers);
    let agent = headers.and_then(|h| h.get(header::USER_AGENT)?.to_str().ok().map(str::to_string)).unwrap_or_default();
    let ip = match (AppState::from_context(), peer, headers) {
        (Ok(state), Some(peer), Some(headers)) => Some(client_address(&state, peer, headers)),
        (_, peer, _) => peer.map(|p| p.ip()),
    };
    (ip, agent)
}

/// The client's address: the peer's, unless the peer is one of `VITRINE_TRUSTED_PROXIES`; then
/// the one its `X-Forwarded-For` names.
pub fn client_address(state: &AppState, peer: std::net::SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    crate::server::config::network::client_ip(peer.ip(), forwarded, &state.trusted_proxies)
}
