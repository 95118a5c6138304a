//! `vitrine user add|reset-password|list`: for the operator on the server machine, on the
//! configured database directly (no running server or token needed). New passwords are
//! generated and printed once.

use crate::model::{Email, Role};
use crate::server::clock::Clock;
use crate::server::config::Config;
use crate::server::db::{self, PersonChange, Repo};
use crate::server::people::password;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

async fn repo() -> Result<std::sync::Arc<dyn Repo>, UserError> {
    let config = Config::from_env().map_err(|e| UserError(format!("configuration error: {e}")))?;
    let database =
        db::connect(&config.database, Clock::system()).await.map_err(|e| UserError(format!("database: {e}")))?;
    Ok(database.repo)
}

fn generated_password() -> String {
    let secret = crate::server::people::secrets::Secret::new("");
    secret.value.chars().take(20).collect()
}

async fn hash(password: &str) -> Result<String, UserError> {
    password::hash_password(password.to_string().into()).await.map_err(|e| UserError(e.to_string()))
}

pub async fn add(email: &str, role: Role) -> Result<(), UserError> {
    let email = Email::parse(email).map_err(UserError)?;
    let repo = repo().await?;
    // A team starts with an owner: the first account cannot be anything else.
    if role != Role::Owner && repo.list_people().await.map_err(db_error)?.is_empty() {
        return Err(UserError(format!(
            "{email} would be the only account: the first one must be an owner (--role owner)."
        )));
    }
    let password = generated_password();
    let (user, created) = repo.create_user_if_absent(&email, &hash(&password).await?).await.map_err(db_error)?;
    if !created {
        return Err(UserError(format!("{email} already has an account (use `vitrine user reset-password {email}`).")));
    }
    if role != Role::Owner {
        repo.change_person(user.id, PersonChange::Role(role))
            .await
            .map_err(db_error)?
            .map_err(|_| UserError("could not set the role".into()))?;
    }
    println!("added {email} as {}; password (shown once): {password}", role.as_str());
    Ok(())
}

pub async fn reset_password(email: &str) -> Result<(), UserError> {
    let email = Email::parse(email).map_err(UserError)?;
    let repo = repo().await?;
    let user = repo
        .find_user_by_email(&email)
        .await
        .map_err(db_error)?
        .ok_or_else(|| UserError(format!("no account for {email}")))?;
    let password = generated_password();
    repo.set_user_password(user.id, &hash(&password).await?).await.map_err(db_error)?;
    let ended = repo.end_other_sessions(user.id, None).await.map_err(db_error)?;
    println!("new password for {email} (shown once): {password}; {ended} session(s) signed out");
    Ok(())
}

pub async fn list() -> Result<(), UserError> {
    let repo = repo().await?;
    for person in repo.list_people().await.map_err(db_error)? {
        let state = if person.disabled { "disabled" } else { "active" };
        println!("{:<40} {:<8} {:<9} {}", person.email, person.role.as_str(), state, person.display_name);
    }
    Ok(())
}

fn db_error(e: db::DbError) -> UserError {
    UserError(format!("database: {e}"))
}
