use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::CurrentUser;

/// `POST /api/auth/login` `{email, password}` → the user; sets the session cookie.
#[server(prefix = "/api", endpoint = "auth/login", input = Json)]
pub async fn login(email: String, password: String) -> Result<CurrentUser, AppError> {
    use crate::model::Email;
    use crate::server::people::{password, session};
    use crate::server::state::AppState;
    use secrecy::SecretString;

    let state = AppState::from_context()?;
    // Checked before any hashing: a flood of guesses costs the server nothing.
    let client =
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>().await.ok().map(|c| c.0.ip());
    let rate_limited = |wait: std::time::Duration| {
        tracing::warn!(%email, ?client, "sign-in attempts rate limited");
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(value) = http::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                response.insert_header(http::header::RETRY_AFTER, value);
            }
        }
        AppError::RateLimited
    };
    state.login_limiter.check(client, &email).map_err(rate_limited)?;
    // A malformed email cannot belong to anyone; answer exactly as for a wrong password.
    let parsed_email = Email::parse(&email).ok();
    let user = match &parsed_email {
        Some(email) => state.repo.find_user_by_email(email).await?,
        None => None,
    };
    let verified =
        password::verify_password(SecretString::from(password), user.as_ref().map(|u| u.password_hash.clone()))
            .await
            .map_err(|e| {
            tracing::error!(error = %e, "password verification failed to run");
            AppError::Internal
        })?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(%email, "failed sign-in");
        state.login_limiter.failed(&email).map_err(rate_limited)?;
        return Err(AppError::InvalidCredentials);
    };
    let session = session::current_session().await?;
    session::sign_in(&session, user.id).await?;
    tracing::info!(email = %user.email, "signed in");
    Ok(CurrentUser { id: user.id, email: user.email.to_string() })
}

/// `POST /api/auth/logout` `{}`: ends the session (harmless without one).
#[server(prefix = "/api", endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::people::session;
    let session = session::current_session().await?;
    session::sign_out(&session).await
}

/// `POST /api/auth/me` `{}` → the signed-in user, 401 without a session.
#[server(prefix = "/api", endpoint = "auth/me", input = Json)]
pub async fn me() -> Result<CurrentUser, AppError> {
    crate::server::signed_in().map(|(_, user)| user)
}

/// Endpoints that answer without a session. Every other server function requires one;
/// `tests/api/auth.rs` checks that from outside for each registered path.
pub const PUBLIC_ENDPOINTS: &[&str] = &["/api/auth/login", "/api/auth/logout", "/api/gallery/get", "/api/gallery/list"];
