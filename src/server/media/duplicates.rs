//! Duplicates already in the library: items with the same content (SHA-256), from before the
//! uploader checked, or uploaded anyway. Keeping one moves the others to the trash, so a wrong
//! click is undone like any delete.

use uuid::Uuid;

use crate::error::AppError;
use crate::model::media::DuplicateGroup;
use crate::server::state::AppState;

/// Most contents one listing shows; keeping one of each brings the rest.
pub const MAX_GROUPS: u32 = 200;

pub async fn list(state: &AppState) -> Result<Vec<DuplicateGroup>, AppError> {
    let mut groups: Vec<DuplicateGroup> = Vec::new();
    for (sha256, media) in state.repo.duplicate_media(MAX_GROUPS).await? {
        let item = super::media_item(state, media);
        match groups.last_mut() {
            Some(group) if group.sha256 == sha256 => group.items.push(item),
            _ => groups.push(DuplicateGroup { sha256, items: vec![item] }),
        }
    }
    Ok(groups)
}

/// Keeps item `id` and moves every other item with its content to the trash; their ids.
pub async fn keep_one(state: &AppState, id: Uuid, by: Uuid) -> Result<Vec<Uuid>, AppError> {
    if state.repo.find_media(id).await?.is_none() {
        return Err(AppError::NotFound("The media item".into()));
    }
    let copies = state.repo.copies_of(id).await?;
    if copies.is_empty() {
        return Ok(Vec::new());
    }
    super::trash::trash_media(state, &copies, by).await
}

#[derive(serde::Deserialize)]
pub struct KeepForm {
    keep: String,
}

/// `POST /duplicates` (form): "Keep this one" without JavaScript; a redirect (303) back to the
/// page with a code it turns into a sentence.
pub async fn submit(
    axum::extract::State(state): axum::extract::State<AppState>,
    user: Option<axum::Extension<crate::model::CurrentUser>>,
    axum::Form(form): axum::Form<KeepForm>,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    let Some(axum::Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let outcome = match form.keep.parse::<Uuid>() {
        _ if !user.may(crate::model::people::Access::Write) => Err(AppError::Forbidden),
        Err(_) => Err(AppError::NotFound("The media item".into())),
        Ok(id) => keep_one(&state, id, user.id).await,
    };
    match outcome {
        Ok(_) => Redirect::to("/duplicates?done=kept").into_response(),
        Err(AppError::Forbidden) => Redirect::to("/duplicates?error=forbidden").into_response(),
        Err(AppError::NotFound(_)) => Redirect::to("/duplicates?error=missing").into_response(),
        Err(_) => Redirect::to("/duplicates?error=error").into_response(),
    }
}
