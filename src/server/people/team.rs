//! What the people endpoints and the sign-in forms share: signing in with a password,
//! accepting an invitation, changing a password. The JSON API and the plain HTML forms (which
//! work before hydration and without JavaScript) both call these, so the rules live once.

use std::net::IpAddr;

use secrecy::SecretString;
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::{check_new_password, Credential, DISPLAY_NAME};
use crate::model::{CurrentUser, Email};
use crate::server::db::{InvitationRefusal, UserRecord};
use crate::server::people::login_limit::Refused;
use crate::server::people::{password, secrets, session};
use crate::server::state::AppState;

fn refused(email: &str, client: Option<IpAddr>) -> impl Fn(Refused) -> AppError + '_ {
    move |refused| match refused {
        Refused::Wait(wait) => {
            tracing::warn!(%email, ?client, ?wait, "sign-in attempts rate limited");
            AppError::RateLimited
        }
        Refused::Db(e) => e.into(),
    }
}

/// Checks an email and password and signs this browser in. Rate limited before any hashing.
pub async fn sign_in_with_password(
    state: &AppState,
    session: &Session,
    client: Option<IpAddr>,
    user_agent: &str,
    email: &str,
    password: String,
) -> Result<CurrentUser, AppError> {
    let limiter = &state.login_limiter;
    limiter.check(&*state.repo, &state.clock, client, email).await.map_err(refused(email, client))?;
    // A malformed email cannot belong to anyone; answer exactly as for a wrong password.
    let user = match Email::parse(email) {
        Ok(email) => state.repo.find_user_by_email(&email).await?,
        Err(_) => None,
    };
    let verified = verify(password, user.as_ref()).await?;
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(%email, "failed sign-in");
        limiter.failed(&*state.repo, &state.clock, email).await.map_err(refused(email, client))?;
        return Err(AppError::InvalidCredentials);
    };
    if user.disabled {
        // Only said after the right password: nobody learns which accounts exist.
        return Err(AppError::invalid("This account is disabled. Ask an owner of this Vitrine to enable it."));
    }
    session::sign_in(state, session, &user, user_agent).await?;
    tracing::info!(email = %user.email, "signed in");
    Ok(signed_in_user(user))
}

async fn verify(password: String, user: Option<&UserRecord>) -> Result<bool, AppError> {
    password::verify_password(SecretString::from(password), user.map(|u| u.password_hash.clone())).await.map_err(|e| {
        tracing::error!(error = %e, "password verification failed to run");
        AppError::Internal
    })
}

async fn hash(password: String) -> Result<String, AppError> {
    password::hash_password(SecretString::from(password)).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing failed to run");
        AppError::Internal
    })
}

fn signed_in_user(user: UserRecord) -> CurrentUser {
    CurrentUser {
        id: user.id,
        email: user.email.to_string(),
        display_name: user.display_name,
        role: user.role,
        credential: Credential::Session,
    }
}

/// What a person sees for an invitation link that cannot be used.
pub fn invitation_refusal(refusal: InvitationRefusal) -> AppError {
    AppError::Gone(
        match refusal {
            InvitationRefusal::Unknown => "This invitation link is not valid. Ask for a new one.",
            InvitationRefusal::Used => "This invitation was already used. Sign in instead.",
            InvitationRefusal::Revoked => "This invitation was withdrawn. Ask an owner for a new one.",
            InvitationRefusal::Expired => "This invitation has expired. Ask an owner for a new one.",
            InvitationRefusal::EmailTaken => "Someone already has an account with this email. Sign in instead.",
        }
        .to_string(),
    )
}

/// Uses an invitation: creates the person with the name and password they chose and signs
/// this browser in.
pub async fn accept_invitation(
    state: &AppState,
    session: &Session,
    user_agent: &str,
    secret: &str,
    display_name: &str,
    password: String,
) -> Result<CurrentUser, AppError> {
    let display_name = DISPLAY_NAME.clean(display_name).map_err(AppError::Invalid)?;
    if display_name.is_empty() {
        return Err(AppError::invalid("Choose a display name."));
    }
    check_new_password(&password).map_err(AppError::Invalid)?;
    let secret_hash = secrets::hash_secret(secret.trim());
    // Checked before the slow hash, so a dead link answers at once.
    state.repo.find_invitation(&secret_hash).await?.map_err(invitation_refusal)?;
    let password_hash = hash(password).await?;
    let user =
        state.repo.accept_invitation(&secret_hash, &display_name, &password_hash).await?.map_err(invitation_refusal)?;
    session::sign_in(state, session, &user, user_agent).await?;
    tracing::info!(email = %user.email, role = user.role.as_str(), "invitation accepted");
    Ok(signed_in_user(user))
}

/// Changes the signed-in person's password (the current one is required) and ends their other
/// sessions: whoever else held one must sign in with the new password.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    this_session: Option<Uuid>,
    current: String,
    new: String,
) -> Result<u64, AppError> {
    check_new_password(&new).map_err(AppError::Invalid)?;
    let record = state.repo.find_user(user.id).await?.ok_or(AppError::Unauthorized)?;
    if !verify(current, Some(&record)).await? {
        return Err(AppError::invalid("The current password is not right."));
    }
    state.repo.set_user_password(user.id, &hash(new).await?).await?;
    let ended = state.repo.end_other_sessions(user.id, this_session).await?;
    tracing::info!(email = %user.email, ended, "password changed");
    Ok(ended)
}
