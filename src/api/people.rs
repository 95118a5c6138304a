//! The team: people and invitations. Which of these an owner only may call is in
//! `server::people::access`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::{Invitation, NewInvitation, Person};
use crate::model::{CurrentUser, Role};

/// `POST /api/people/list` `{}` → everyone on the team, owners first.
#[server(prefix = "/api", endpoint = "people/list", input = Json)]
pub async fn list_people() -> Result<Vec<Person>, AppError> {
    let (state, _) = crate::server::signed_in()?;
    Ok(state.repo.list_people().await?)
}

/// `POST /api/people/invite` `{email, role}` → the invitation and its one-time link
/// (`/invite/<secret>`, valid `VITRINE_INVITATION_DAYS`, 7 by default).
#[server(prefix = "/api", endpoint = "people/invite", input = Json)]
pub async fn invite(email: String, role: Role) -> Result<NewInvitation, AppError> {
    use crate::model::Email;
    use crate::server::db::NewInvitationRecord;
    use crate::server::people::secrets::Secret;

    let (state, user) = crate::server::signed_in()?;
    let email = Email::parse(&email).map_err(AppError::Invalid)?;
    if state.repo.find_user_by_email(&email).await?.is_some() {
        return Err(AppError::Conflict(format!("{email} is already a member of this team.")));
    }
    let secret = Secret::new("");
    let invitation = state
        .repo
        .create_invitation(&NewInvitationRecord {
            email,
            role,
            secret_hash: secret.hash,
            invited_by: user.id,
            expires_at: state.clock.now() + state.invitation_ttl,
        })
        .await?;
    tracing::info!(by = %user.email, email = %invitation.email, role = role.as_str(), "invitation created");
    Ok(NewInvitation { invitation, link: format!("/invite/{}", secret.value) })
}

/// `POST /api/people/update` `{id, role}`: changes someone's role. Refused (409) if it would
/// leave no active owner.
#[server(prefix = "/api", endpoint = "people/update", input = Json)]
pub async fn update_person(id: Uuid, role: Role) -> Result<Person, AppError> {
    let state = change(id, crate::server::db::PersonChange::Role(role)).await?;
    person(&state, id).await
}

/// `POST /api/people/disable` `{id}`: signs them out everywhere at once and refuses their
/// sessions and tokens until re-enabled. Refused (409) for the last active owner.
#[server(prefix = "/api", endpoint = "people/disable", input = Json)]
pub async fn disable_person(id: Uuid) -> Result<Person, AppError> {
    let state = change(id, crate::server::db::PersonChange::Disable).await?;
    person(&state, id).await
}

/// `POST /api/people/enable` `{id}`.
#[server(prefix = "/api", endpoint = "people/enable", input = Json)]
pub async fn enable_person(id: Uuid) -> Result<Person, AppError> {
    let state = change(id, crate::server::db::PersonChange::Enable).await?;
    person(&state, id).await
}

/// `POST /api/people/delete` `{id}`: removes the account; what they uploaded stays ("uploaded
/// by" then reads "former member"). Refused (409) for the last active owner.
#[server(prefix = "/api", endpoint = "people/delete", input = Json)]
pub async fn delete_person(id: Uuid) -> Result<(), AppError> {
    change(id, crate::server::db::PersonChange::Delete).await.map(|_| ())
}

#[cfg(feature = "ssr")]
async fn change(id: Uuid, change: crate::server::db::PersonChange) -> Result<crate::server::state::AppState, AppError> {
    use crate::server::db::PeopleRefusal;
    let (state, user) = crate::server::signed_in()?;
    match state.repo.change_person(id, change).await? {
        Err(PeopleRefusal::NotFound) => Err(AppError::NotFound("Person".into())),
        Err(PeopleRefusal::LastOwner) => {
            Err(AppError::Conflict("This is the last active owner: make someone else an owner first.".into()))
        }
        Ok(()) => {
            tracing::info!(by = %user.email, %id, ?change, "person changed");
            Ok(state)
        }
    }
}

#[cfg(feature = "ssr")]
async fn person(state: &crate::server::state::AppState, id: Uuid) -> Result<Person, AppError> {
    let person = state.repo.find_user(id).await?.ok_or_else(|| AppError::NotFound("Person".into()))?;
    Ok(person.person())
}

/// `POST /api/invitations/list` `{}` → pending invitations, newest first.
#[server(prefix = "/api", endpoint = "invitations/list", input = Json)]
pub async fn list_invitations() -> Result<Vec<Invitation>, AppError> {
    let (state, _) = crate::server::signed_in()?;
    Ok(state.repo.pending_invitations().await?)
}

/// `POST /api/invitations/revoke` `{id}`: the link stops working.
#[server(prefix = "/api", endpoint = "invitations/revoke", input = Json)]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    let (state, _) = crate::server::signed_in()?;
    match state.repo.revoke_invitation(id).await? {
        true => Ok(()),
        false => Err(AppError::NotFound("Pending invitation".into())),
    }
}

/// `POST /api/invitations/get` `{token}` (public) → the invitation behind a link, or 410 with
/// why it cannot be used.
#[server(prefix = "/api", endpoint = "invitations/get", input = Json)]
pub async fn get_invitation(token: String) -> Result<Invitation, AppError> {
    use crate::server::people::{secrets, team};
    let state = crate::server::state::AppState::from_context()?;
    state.repo.find_invitation(&secrets::hash_secret(token.trim())).await?.map_err(team::invitation_refusal)
}

/// `POST /api/invitations/accept` `{token, display_name, password}` (public) → the new person,
/// signed in. A link works once.
#[server(prefix = "/api", endpoint = "invitations/accept", input = Json)]
pub async fn accept_invitation(token: String, display_name: String, password: String) -> Result<CurrentUser, AppError> {
    use crate::server::people::{session, team};
    let state = crate::server::state::AppState::from_context()?;
    let (_, agent) = session::request_client().await;
    let session = session::current_session().await?;
    team::accept_invitation(&state, &session, &agent, &token, &display_name, password).await
}
