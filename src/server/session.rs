//! Who is signed in. The session cookie holds only an id; the record lives in the database.

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

/// The signed-in user, or `Unauthorized`. Every admin server function starts with this.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    let session = current_session().await?;
    let user_id: Option<Uuid> = session.get(USER_ID_KEY).await.map_err(session_failed)?;
    let Some(user_id) = user_id else {
        return Err(AppError::Unauthorized);
    };
    let state = AppState::from_context()?;
    match state.repo.find_user(user_id).await? {
        Some(user) => Ok(CurrentUser { id: user.id, email: user.email.to_string() }),
        // The account was removed while the session lived on.
        None => {
            let _ = session.flush().await;
            Err(AppError::Unauthorized)
        }
    }
}

fn session_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Unavailable
}

/// Middleware in front of every server function: without a signed-in session, anything but the
/// public endpoints answers 401 before its body is even read, so no admin endpoint can forget
/// the check or leak a validation message to a stranger. (Each function still calls
/// `require_user` for the user it acts for.)
pub async fn guard_api(session: Session, request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    if path.starts_with("/api/") && !crate::api::auth::PUBLIC_ENDPOINTS.contains(&path) {
        let refused = match session.get::<Uuid>(USER_ID_KEY).await {
            Ok(Some(_)) => None,
            Ok(None) => Some(AppError::Unauthorized),
            Err(e) => Some(session_failed(e)),
        };
        if let Some(error) = refused {
            return (error.status(), axum::Json(error)).into_response();
        }
    }
    next.run(request).await
}
