//! `/api/tags/*`: the library's tags.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::tag::Tag;

/// `POST /api/tags/list` `{}` → `[{id, name, item_count}]` by name.
#[server(prefix = "/api", endpoint = "tags/list", input = Json)]
pub async fn list_tags() -> Result<Vec<Tag>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::tags::list(&state).await
}

/// `POST /api/tags/rename` `{id, name}` → the tag; 409 if another tag has that name.
#[server(prefix = "/api", endpoint = "tags/rename", input = Json)]
pub async fn rename_tag(id: Uuid, name: String) -> Result<Tag, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::tags::rename(&state, id, &name).await
}

/// `POST /api/tags/merge` `{from: [ids], into}` → the tag merged into: it now carries every
/// item of the others, which are gone.
#[server(prefix = "/api", endpoint = "tags/merge", input = Json)]
pub async fn merge_tags(from: Vec<Uuid>, into: Uuid) -> Result<Tag, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::media::tags::merge(&state, &from, into).await
}
