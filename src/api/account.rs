//! A person's own account: name, password, sessions, and API tokens. Browser sessions only
//! (see `Access::Session`), except `account/get`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::{ApiToken, NewApiToken, Scope, SessionInfo};
use crate::model::CurrentUser;

/// `POST /api/account/get` `{}` → who is signed in (and how: session or token scope).
#[server(prefix = "/api", endpoint = "account/get", input = Json)]
pub async fn get_account() -> Result<CurrentUser, AppError> {
    crate::server::signed_in().map(|(_, user)| user)
}

/// `POST /api/account/update` `{display_name}` → the account as it now is.
#[server(prefix = "/api", endpoint = "account/update", input = Json)]
pub async fn update_account(display_name: String) -> Result<CurrentUser, AppError> {
    use crate::model::people::DISPLAY_NAME;
    let (state, mut user) = crate::server::signed_in()?;
    let display_name = DISPLAY_NAME.clean(&display_name).map_err(AppError::Invalid)?;
    if display_name.is_empty() {
        return Err(AppError::invalid("The display name must not be empty."));
    }
    state.repo.set_display_name(user.id, &display_name).await?;
    user.display_name = display_name;
    Ok(user)
}

/// `POST /api/account/password` `{current_password, new_password}` → how many other sessions
/// ended (all of them: they must sign in with the new password).
#[server(prefix = "/api", endpoint = "account/password", input = Json)]
pub async fn change_password(current_password: String, new_password: String) -> Result<u64, AppError> {
    use crate::server::people::{session, team};
    let (state, user) = crate::server::signed_in()?;
    team::change_password(&state, &user, session::current_session_id(), current_password, new_password).await
}

/// `POST /api/account/sessions` `{}` → this person's signed-in browsers, this one marked.
#[server(prefix = "/api", endpoint = "account/sessions", input = Json)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let this = crate::server::people::session::current_session_id();
    let sessions = state.repo.list_sessions(user.id).await?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionInfo {
            current: Some(s.id) == this,
            user_agent: s.user_agent,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect())
}

/// `POST /api/account/sign_out_others` `{}` → how many sessions ended.
#[server(prefix = "/api", endpoint = "account/sign_out_others", input = Json)]
pub async fn sign_out_others() -> Result<u64, AppError> {
    let (state, user) = crate::server::signed_in()?;
    let this = crate::server::people::session::current_session_id();
    Ok(state.repo.end_other_sessions(user.id, this).await?)
}

/// `POST /api/tokens/create` `{name, scope, expires_in_days?}` → the token and, this once, its
/// `secret` (`vt_…`), to send as `Authorization: Bearer <secret>`.
#[server(prefix = "/api", endpoint = "tokens/create", input = Json)]
pub async fn create_token(name: String, scope: Scope, expires_in_days: Option<u32>) -> Result<NewApiToken, AppError> {
    use crate::model::people::TOKEN_NAME;
    use crate::server::db::NewTokenRecord;
    use crate::server::people::secrets::{Secret, TOKEN_PREFIX};

    let (state, user) = crate::server::signed_in()?;
    let name = TOKEN_NAME.clean(&name).map_err(AppError::Invalid)?;
    if name.is_empty() {
        return Err(AppError::invalid("Name the token after what will use it (\"backup script\")."));
    }
    if !scope.allowed_for(user.role) {
        return Err(AppError::invalid(format!("A {} may only create read tokens.", user.role.label().to_lowercase())));
    }
    let expires_at = match expires_in_days {
        Some(0) | Some(3651..) => return Err(AppError::invalid("A token expires in 1 to 3650 days, or never.")),
        Some(days) => Some(state.clock.now() + chrono::Duration::days(i64::from(days))),
        None => None,
    };
    let secret = Secret::new(TOKEN_PREFIX);
    let token = state
        .repo
        .create_token(&NewTokenRecord {
            user_id: user.id,
            name,
            scope,
            prefix: secret.shown_prefix(),
            secret_hash: secret.hash.clone(),
            expires_at,
        })
        .await?;
    tracing::info!(email = %user.email, token = %token.prefix, scope = scope.as_str(), "API token created");
    Ok(NewApiToken { token, secret: secret.value })
}

/// `POST /api/tokens/list` `{}` → this person's tokens (never their secrets).
#[server(prefix = "/api", endpoint = "tokens/list", input = Json)]
pub async fn list_tokens() -> Result<Vec<ApiToken>, AppError> {
    let (state, user) = crate::server::signed_in()?;
    Ok(state.repo.list_tokens(user.id).await?)
}

/// `POST /api/tokens/revoke` `{id}`: the token stops working at once.
#[server(prefix = "/api", endpoint = "tokens/revoke", input = Json)]
pub async fn revoke_token(id: Uuid) -> Result<(), AppError> {
    let (state, user) = crate::server::signed_in()?;
    match state.repo.revoke_token(user.id, id).await? {
        true => Ok(()),
        false => Err(AppError::NotFound("Token".into())),
    }
}
