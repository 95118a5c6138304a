//! A collection's originals as one ZIP (see `archive`): `GET /c/<slug>/download` for the team
//! (any collection, the editor's button; an API token works too) and for a public gallery's
//! visitors when its editors allow it; `GET /s/<token>/download` for a share link that allows
//! downloading. Anyone else gets the same 404 as for an unknown collection.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tower_sessions::Session;

use crate::model::people::Access;
use crate::model::CurrentUser;
use crate::server::archive;
use crate::server::sharing;
use crate::server::state::AppState;

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "No such collection to download.").into_response()
}

/// `GET /c/{slug}/download`
pub async fn collection(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<Extension<CurrentUser>>,
    headers: HeaderMap,
) -> Response {
    let team = user.is_some_and(|Extension(user)| user.may(Access::Read));
    let collection = match state.repo.find_collection_by_slug(&slug).await {
        Ok(Some(c)) if team || (c.published && c.allow_download) => c,
        Ok(_) => return not_found(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    match state.repo.collection_items(collection.id).await {
        Ok(items) => archive::respond(&state, &collection.slug, items, &headers).await,
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// `GET /s/{token}/download`
pub async fn shared(
    State(state): State<AppState>,
    Path(token): Path<String>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let link = match sharing::active(&state, &token).await {
        Ok(Ok(link)) if link.allow_download && sharing::is_unlocked(&session, &link).await => link,
        Ok(_) => return not_found(),
        Err(e) => return e.into_response(),
    };
    let collection = match state.repo.find_collection(link.collection_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return not_found(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    match state.repo.collection_items(collection.id).await {
        Ok(items) => archive::respond(&state, &collection.slug, items, &headers).await,
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}
