//! `POST /trash` (form): the trash page's controls as plain form POSTs, so restoring and
//! deleting for good work before the page hydrates and without JavaScript. The answer is a
//! redirect (303) back to the page with a short code it turns into a sentence. Hydrated pages
//! call the JSON API instead; both run the same code in `trash`.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::error::AppError;
use crate::model::people::Access;
use crate::model::trash::TrashSelection;
use crate::model::CurrentUser;
use crate::pages::trash::{TrashCommand, TrashKind};
use crate::server::media::trash;
use crate::server::state::AppState;

#[derive(Deserialize)]
pub struct TrashForm {
    action: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

fn error_code(error: &AppError) -> &'static str {
    match error {
        AppError::Forbidden => "forbidden",
        AppError::Conflict(_) => "store",
        AppError::Unavailable => "unavailable",
        _ => "error",
    }
}

pub async fn submit(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Form(form): Form<TrashForm>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let outcome = match TrashCommand::parse(&form.action, &form.kind, &form.id) {
        _ if !user.may(Access::Write) => Err(AppError::Forbidden),
        None => Err(AppError::invalid("not a trash command")),
        Some(command) => run(&state, command).await,
    };
    match outcome {
        Ok(code) => Redirect::to(&format!("/trash?done={code}")).into_response(),
        Err(e) => Redirect::to(&format!("/trash?error={}", error_code(&e))).into_response(),
    }
}

async fn run(state: &AppState, command: TrashCommand) -> Result<&'static str, AppError> {
    let one = |kind, id| match kind {
        TrashKind::Media => TrashSelection { media: vec![id], collections: Vec::new() },
        TrashKind::Collection => TrashSelection { media: Vec::new(), collections: vec![id] },
    };
    Ok(match command {
        TrashCommand::Restore(kind, id) => {
            let done = trash::restore(state, &one(kind, id)).await?;
            if done.is_empty() {
                "nothing"
            } else {
                "restored"
            }
        }
        TrashCommand::Purge(kind, id) => {
            let done = trash::purge(state, Some(&one(kind, id))).await?;
            if done.is_empty() {
                "nothing"
            } else {
                "purged"
            }
        }
        TrashCommand::Empty => {
            trash::purge(state, None).await?;
            "emptied"
        }
    })
}
