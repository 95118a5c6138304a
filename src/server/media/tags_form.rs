//! `POST /tags` (form): the tags page's rename and merge as plain form POSTs, answered by a
//! redirect (303) back to the page with a short code it turns into a sentence. Hydrated pages
//! call the JSON API instead; both run the code in `tags`.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::error::AppError;
use crate::model::people::Access;
use crate::model::CurrentUser;
use crate::pages::tags::TagCommand;
use crate::server::media::tags;
use crate::server::state::AppState;

#[derive(Deserialize)]
pub struct TagForm {
    action: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    into: String,
}

fn error_code(error: &AppError) -> &'static str {
    match error {
        AppError::Forbidden => "forbidden",
        AppError::Conflict(_) => "taken",
        AppError::Invalid(_) => "invalid",
        AppError::NotFound(_) => "missing",
        _ => "error",
    }
}

pub async fn submit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Form(form): Form<TagForm>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let outcome = match TagCommand::parse(&form.action, &form.id, &form.name, &form.into) {
        _ if !user.may(Access::Write) => Err(AppError::Forbidden),
        None => Err(AppError::invalid("not a tag command")),
        Some(TagCommand::Rename { id, name }) => tags::rename(&state, id, &name).await.map(|_| "renamed"),
        Some(TagCommand::Merge { from, into }) => tags::merge(&state, &[from], into).await.map(|_| "merged"),
    };
    match outcome {
        Ok(code) => Redirect::to(&format!("/tags?done={code}")).into_response(),
        Err(e) => Redirect::to(&format!("/tags?error={}", error_code(&e))).into_response(),
    }
}
