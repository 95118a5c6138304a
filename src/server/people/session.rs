//! Who is signed in. The session cookie holds only an id; the record lives in the database.
//!
//! `authenticate` reads the session and the user once per request and puts the
//! [`CurrentUser`] in the request; server functions take it from there with [`signed_in`].

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::CurrentUser;
use crate::server::state::AppState;

const USER_ID_KEY: &str = "user_id";

pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing from the request");
        AppError::Internal
    })
}

pub async fn sign_in(session: &Session, user_id: Uuid) -> Result<(), AppError> {
    // A new id at sign-in, so a session id planted before sign-in is worthless after it.
    session.cycle_id().await.map_err(session_failed)?;
    session.insert(USER_ID_KEY, user_id).await.map_err(session_failed)?;
    Ok(())
}

pub async fn sign_out(session: &Session) -> Result<(), AppError> {
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

fn session_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Unavailable
}

/// In front of every page and server function except the public ones: reads the session and
/// the user once, for the whole request. Without a signed-in user, any endpoint but the public
/// ones answers 401 before its body is even read, so no admin endpoint can forget the check or
/// leak a validation message to a stranger; pages render their sign-in redirect.
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
    let is_api = path.starts_with("/api/");
    let is_public_api = crate::api::auth::PUBLIC_ENDPOINTS.contains(&path);
    match load_user(&state, &session).await {
        Ok(Some(user)) => {
            request.extensions_mut().insert(user);
        }
        Ok(None) if is_api && !is_public_api => return AppError::Unauthorized.into_response(),
        Ok(None) => {}
        Err(error) if is_public_api || !is_api => tracing::warn!(%error, "could not read the session"),
        Err(error) => return error.into_response(),
    }
    next.run(request).await
}

async fn load_user(state: &AppState, session: &Session) -> Result<Option<CurrentUser>, AppError> {
    let Some(user_id) = session.get::<Uuid>(USER_ID_KEY).await.map_err(session_failed)? else {
        return Ok(None);
    };
    match state.repo.find_user(user_id).await? {
        Some(user) => Ok(Some(CurrentUser { id: user.id, email: user.email.to_string() })),
        // The account was removed while the session lived on.
        None => {
            let _ = session.flush().await;
            Ok(None)
        }
    }
}
