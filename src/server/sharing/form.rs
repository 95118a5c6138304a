//! Share links as plain form posts, answered by a redirect (303) with a short code on failure:
//! `POST /s/<token>`, a visitor's password (share pages do not hydrate; it never lands in the
//! address bar); `POST /shares`, the editor's "create" and "revoke" before the page hydrates or
//! without JavaScript (the hydrated page calls the JSON API; both run `sharing`'s code).

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::people::Access;
use crate::model::share::ShareForm;
use crate::model::CurrentUser;
use tower_sessions::Session;

use crate::server::people::forms::error_code;
use crate::server::people::session::client_address;
use crate::server::state::AppState;

#[derive(Deserialize)]
pub struct Unlock {
    password: String,
}

pub async fn unlock(
    State(state): State<AppState>,
    Path(token): Path<String>,
    session: Session,
    connect: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<Unlock>,
) -> Response {
    // The token goes back into a URL: only the characters a token has.
    let token: String =
        token.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(100).collect();
    let client = connect.map(|Extension(ConnectInfo(peer))| client_address(&state, peer, &headers));
    let page = format!("/s/{token}");
    let unlocked = match super::active(&state, &token).await {
        // Gone or unknown: the page says so.
        Ok(Err(_)) => return Redirect::to(&page).into_response(),
        Ok(Ok(link)) => super::unlock(&state, &session, client, &link, Some(form.password)).await,
        Err(e) => Err(e),
    };
    match unlocked {
        Ok(true) => Redirect::to(&page).into_response(),
        Ok(false) => Redirect::to(&format!("{page}?error=password")).into_response(),
        Err(e) => Redirect::to(&format!("{page}?error={}", error_code(&e))).into_response(),
    }
}

#[derive(Deserialize)]
pub struct Manage {
    intent: String,
    collection_id: Uuid,
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(flatten)]
    form: ShareForm,
}

/// `POST /shares` (form): `intent=create` with the new link's fields, or `intent=revoke` with
/// its `id`; back to the collection's editor.
pub async fn manage(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Form(form): Form<Manage>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let editor = format!("/collections/{}", form.collection_id);
    let outcome = match form.intent.as_str() {
        _ if !user.may(Access::Write) => Err(AppError::Forbidden),
        "create" => match form.form.settings(state.clock.now()) {
            Ok(settings) => super::create(&state, form.collection_id, &settings, user.id).await.map(|_| ()),
            Err(reason) => Err(AppError::Invalid(reason)),
        },
        "revoke" => match form.id {
            Some(id) => super::revoke(&state, id).await.map(|_| ()),
            None => Err(AppError::invalid("no link named")),
        },
        _ => Err(AppError::invalid("not a share link command")),
    };
    match outcome {
        Ok(()) => Redirect::to(&editor).into_response(),
        Err(e) => {
            let code = match e {
                AppError::Invalid(_) => "invalid",
                AppError::Forbidden => "forbidden",
                AppError::NotFound(_) => "not_found",
                _ => "error",
            };
            Redirect::to(&format!("{editor}?share_error={code}")).into_response()
        }
    }
}
