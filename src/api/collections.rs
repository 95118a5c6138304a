//! `/api/collections/*`: organising media into named, ordered groups.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::collection::{Collection, CollectionSummary, MembershipChange};

/// `POST /api/collections/create` `{title, description?}` → the collection, with its unique slug.
#[server(prefix = "/api", endpoint = "collections/create", input = Json)]
pub async fn create_collection(title: String, #[server(default)] description: String) -> Result<Collection, AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::collections::create(&state, &title, &description, user.id).await
}

/// `POST /api/collections/list` `{}` → every collection, newest first, with item counts.
#[server(prefix = "/api", endpoint = "collections/list", input = Json)]
pub async fn list_collections() -> Result<Vec<CollectionSummary>, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::list(&state).await
}

/// `POST /api/collections/add` `{id, media_ids}` → appended at the end, each at most once.
#[server(prefix = "/api", endpoint = "collections/add", input = Json)]
pub async fn add_to_collection(id: Uuid, media_ids: Vec<Uuid>) -> Result<MembershipChange, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::add(&state, id, &media_ids).await
}

/// `POST /api/collections/remove` `{id, media_ids}` → removed from the collection (the media stay).
#[server(prefix = "/api", endpoint = "collections/remove", input = Json)]
pub async fn remove_from_collection(id: Uuid, media_ids: Vec<Uuid>) -> Result<MembershipChange, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::remove(&state, id, &media_ids).await
}

/// `POST /api/collections/delete` `{id}`: the collection moves to the trash (its media stay in
/// the library); `/api/trash/restore` brings it back whole.
#[server(prefix = "/api", endpoint = "collections/delete", input = Json)]
pub async fn delete_collection(id: Uuid) -> Result<(), AppError> {
    let (state, user) = crate::server::signed_in()?;
    crate::server::collections::delete(&state, id, user.id).await
}

/// `POST /api/collections/get` `{id}` → the collection and its items in order.
#[server(prefix = "/api", endpoint = "collections/get", input = Json)]
pub async fn get_collection(id: Uuid) -> Result<crate::model::collection::CollectionWithItems, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::get(&state, id).await
}

/// `POST /api/collections/update` `{id, title, description, keep_slug?}` → the collection. A new
/// title gets a new slug unless `keep_slug`; the old slug then answers 301 to the new one.
#[server(prefix = "/api", endpoint = "collections/update", input = Json)]
pub async fn update_collection(
    id: Uuid,
    title: String,
    #[server(default)] description: String,
    #[server(default)] keep_slug: bool,
) -> Result<Collection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::update(&state, id, &title, &description, keep_slug).await
}

/// `POST /api/collections/reorder` `{id, media_ids}`: the full new order, written in one
/// transaction; 409 if it is not exactly the collection's items.
#[server(prefix = "/api", endpoint = "collections/reorder", input = Json)]
pub async fn reorder_collection(id: Uuid, media_ids: Vec<Uuid>) -> Result<(), AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::reorder(&state, id, &media_ids).await
}

/// `POST /api/collections/cover` `{id, media_id}` → the collection. `media_id: null` goes back
/// to the default (the first item); an id that is not one of its items is refused (400).
#[server(prefix = "/api", endpoint = "collections/cover", input = Json)]
pub async fn set_collection_cover(id: Uuid, #[server(default)] media_id: Option<Uuid>) -> Result<Collection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::set_cover(&state, id, media_id).await
}

/// `POST /api/collections/downloads` `{id, allowed}` → the collection: whether its public
/// gallery's visitors may download it as one ZIP (`/c/<slug>/download`; the team always may).
#[server(prefix = "/api", endpoint = "collections/downloads", input = Json)]
pub async fn allow_collection_download(id: Uuid, allowed: bool) -> Result<Collection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    state.repo.set_allow_download(id, allowed).await?.ok_or_else(|| AppError::NotFound("The collection".into()))
}

/// `POST /api/collections/publish` `{id, published}` → the collection.
#[server(prefix = "/api", endpoint = "collections/publish", input = Json)]
pub async fn publish_collection(id: Uuid, published: bool) -> Result<Collection, AppError> {
    let (state, _user) = crate::server::signed_in()?;
    crate::server::collections::publish(&state, id, published).await
}
