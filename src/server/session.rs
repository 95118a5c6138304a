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
