use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::CurrentUser;

/// `POST /api/auth/login` `{email, password}` → the user; sets the session cookie. The sign-in
/// page also works without JavaScript: its form posts to `/login` (see `server::people::forms`).
#[server(prefix = "/api", endpoint = "auth/login", input = Json)]
pub async fn login(email: String, password: String) -> Result<CurrentUser, AppError> {
    use crate::server::people::{session, team};
    use crate::server::state::AppState;

    let state = AppState::from_context()?;
    let (client, agent) = session::request_client().await;
    let session = session::current_session().await?;
    team::sign_in_with_password(&state, &session, client, &agent, &email, password).await.inspect_err(|e| {
        if matches!(e, AppError::RateLimited) {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                let wait = crate::server::people::login_limit::ACCOUNT_REFILL.as_secs();
                response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(wait));
            }
        }
    })
}

/// `POST /api/auth/logout` `{}`: ends the session (harmless without one).
#[server(prefix = "/api", endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::people::session;
    let state = crate::server::state::AppState::from_context()?;
    let session = session::current_session().await?;
    session::sign_out(&state, &session).await
}

/// `POST /api/auth/me` `{}` → the signed-in user (and how they signed in), 401 without one.
#[server(prefix = "/api", endpoint = "auth/me", input = Json)]
pub async fn me() -> Result<CurrentUser, AppError> {
    crate::server::signed_in().map(|(_, user)| user)
}
