//! Share links: a collection shown to whoever holds `/s/<token>`, published or not, for as
//! long as the link allows, behind an optional password. Every image URL a share page hands
//! out expires no later than the link (see `delivery`), so with token authentication on, an
//! expired link's pictures stop loading too.

pub mod form;
pub mod requests;
pub mod views;

use std::net::IpAddr;

use secrecy::SecretString;
use tower_sessions::Session;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::collection::CollectionWithItems;
use crate::model::share::{ShareLink, ShareLookup, ShareRules, ShareSettings, ShareStatus};
use crate::server::db::{PasswordChange, ShareFields, ShareRecord};
use crate::server::delivery::Audience;
use crate::server::media::item_for;
use crate::server::people::login_limit::Refused;
use crate::server::people::{password, secrets};
use crate::server::state::AppState;

/// The session's list of links whose password this browser gave, each as `<link id>:<a
/// fingerprint of the password's hash>`: a new password locks every browser out again.
const UNLOCKED_KEY: &str = "unlocked_shares";
/// Tokens are 43 characters; anything much longer is not one.
const MAX_TOKEN_CHARS: usize = 100;

fn not_found() -> AppError {
    AppError::NotFound("The share link".into())
}

/// The link as the editor sees it, with its whole URL.
pub fn link_of(state: &AppState, record: ShareRecord) -> ShareLink {
    ShareLink {
        url: format!("{}s/{}", state.public_base_url.as_str(), record.token),
        id: record.id,
        collection_id: record.collection_id,
        label: record.label,
        expires_at: record.expires_at,
        has_password: record.password_hash.is_some(),
        allow_download: record.allow_download,
        allow_upload: record.allow_upload,
        max_files: record.max_files,
        max_bytes: record.max_bytes,
        view_count: record.view_count,
        created_at: record.created_at,
        revoked_at: record.revoked_at,
        status: ShareStatus::of(record.expires_at, record.revoked_at, state.clock.now()),
    }
}

fn fields_of(settings: &ShareSettings) -> ShareFields {
    ShareFields {
        label: settings.label.clone(),
        expires_at: settings.expires_at,
        allow_download: settings.allow_download,
        allow_upload: settings.allow_upload,
        max_files: settings.max_files,
        max_bytes: settings.max_bytes,
    }
}

pub(crate) async fn hash(password_text: &str) -> Result<String, AppError> {
    password::hash_password(SecretString::from(password_text.to_string())).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing failed to run");
        AppError::Internal
    })
}

pub async fn create(
    state: &AppState,
    collection_id: Uuid,
    settings: &ShareSettings,
    by: Uuid,
) -> Result<ShareLink, AppError> {
    let settings = ShareRules::check(settings, state.clock.now()).map_err(AppError::Invalid)?;
    if state.repo.list_shares(collection_id).await?.len() >= ShareRules::MAX_LINKS_PER_COLLECTION {
        return Err(AppError::invalid(format!(
            "A collection has at most {} share links; revoked ones count until the collection is deleted.",
            ShareRules::MAX_LINKS_PER_COLLECTION
        )));
    }
    let password_hash = match &settings.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let token = secrets::Secret::new("").value;
    let record = state
        .repo
        .create_share(Uuid::new_v4(), collection_id, &token, &fields_of(&settings), password_hash.as_deref(), Some(by))
        .await?
        .ok_or_else(|| AppError::NotFound("The collection".into()))?;
    tracing::info!(link = %record.id, collection = %collection_id, "share link created");
    Ok(link_of(state, record))
}

pub async fn list(state: &AppState, collection_id: Uuid) -> Result<Vec<ShareLink>, AppError> {
    if !state.repo.collection_exists(collection_id).await? {
        return Err(AppError::NotFound("The collection".into()));
    }
    Ok(state.repo.list_shares(collection_id).await?.into_iter().map(|r| link_of(state, r)).collect())
}

/// New settings for a link. A missing password keeps the current one.
pub async fn update(state: &AppState, id: Uuid, settings: &ShareSettings) -> Result<ShareLink, AppError> {
    let settings = ShareRules::check(settings, state.clock.now()).map_err(AppError::Invalid)?;
    let change = match (&settings.password, settings.remove_password) {
        (Some(p), _) => PasswordChange::Set(hash(p).await?),
        (None, true) => PasswordChange::Remove,
        (None, false) => PasswordChange::Keep,
    };
    let record = state.repo.update_share(id, &fields_of(&settings), &change).await?.ok_or_else(not_found)?;
    Ok(link_of(state, record))
}

pub async fn revoke(state: &AppState, id: Uuid) -> Result<ShareLink, AppError> {
    let record = state.repo.revoke_share(id).await?.ok_or_else(not_found)?;
    tracing::info!(link = %id, "share link revoked");
    Ok(link_of(state, record))
}

/// What a visitor of `/s/<token>` sees. `password`, when given, unlocks the link for this
/// browser's session first (see [`unlock`]). Views are counted by `views`, once per page.
pub async fn open(
    state: &AppState,
    session: &Session,
    client: Option<IpAddr>,
    token: &str,
    password_text: Option<String>,
) -> Result<ShareLookup, AppError> {
    let link = match active(state, token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(refusal),
    };
    let gave_password = password_text.is_some();
    if !unlock(state, session, client, &link, password_text).await? {
        return Ok(ShareLookup::Locked { wrong_password: gave_password });
    }
    let collection = state.repo.find_collection(link.collection_id).await?.ok_or(not_found())?;
    let audience = Audience::Shared(link.expires_at);
    let media = state.repo.collection_items(collection.id).await?;
    let originals = if link.allow_download {
        let urls = state.delivery.for_page(audience, state.clock.now());
        media.iter().map(|m| urls.original(&m.object_key)).collect()
    } else {
        Vec::new()
    };
    let items = media.into_iter().map(|m| item_for(state, m, audience)).collect();
    Ok(ShareLookup::Open {
        gallery: CollectionWithItems { collection, items },
        originals,
        allow_upload: link.allow_upload,
        expires_at: link.expires_at,
    })
}

/// The link with this token if it works now; otherwise what its page says instead.
pub async fn active(state: &AppState, token: &str) -> Result<Result<ShareRecord, ShareLookup>, AppError> {
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return Ok(Err(ShareLookup::NotFound));
    }
    let Some(link) = state.repo.find_share_by_token(token).await? else { return Ok(Err(ShareLookup::NotFound)) };
    if ShareStatus::of(link.expires_at, link.revoked_at, state.clock.now()) != ShareStatus::Active {
        return Ok(Err(ShareLookup::Gone));
    }
    Ok(Ok(link))
}

/// Whether this browser may see the link: it has no password, this session gave it before, or
/// `password_text` is it (then the session remembers). A wrong password is `Ok(false)` after
/// counting the failure; too many of them (per link, from anywhere; per address) `RateLimited`.
pub async fn unlock(
    state: &AppState,
    session: &Session,
    client: Option<IpAddr>,
    link: &ShareRecord,
    password_text: Option<String>,
) -> Result<bool, AppError> {
    let Some(stored) = &link.password_hash else { return Ok(true) };
    let mut unlocked: Vec<String> = session.get(UNLOCKED_KEY).await.ok().flatten().unwrap_or_default();
    let entry = unlocked_entry(link.id, stored);
    if unlocked.contains(&entry) {
        return Ok(true);
    }
    let Some(given) = password_text else { return Ok(false) };
    let account = format!("share:{}", link.id);
    let limiter = &state.login_limiter;
    limiter.check(&*state.repo, &state.clock, client, &account).await.map_err(rate_limited)?;
    let right = password::verify_password(SecretString::from(given), Some(stored.clone())).await.map_err(|e| {
        tracing::error!(error = %e, "password verification failed to run");
        AppError::Internal
    })?;
    if !right {
        limiter.failed(&*state.repo, &state.clock, &account).await.map_err(rate_limited)?;
        return Ok(false);
    }
    unlocked.retain(|e| !e.starts_with(&link.id.to_string()));
    unlocked.push(entry);
    session.insert(UNLOCKED_KEY, unlocked).await.map_err(|e| {
        tracing::error!(error = %e, "could not keep an unlocked share link in the session");
        AppError::Internal
    })?;
    Ok(true)
}

fn unlocked_entry(link: Uuid, password_hash: &str) -> String {
    format!("{link}:{}", &secrets::hash_secret(password_hash)[..16])
}

/// Whether this browser gave the link's current password (or it has none).
pub async fn is_unlocked(session: &Session, link: &ShareRecord) -> bool {
    let Some(stored) = &link.password_hash else { return true };
    let unlocked: Vec<String> = session.get(UNLOCKED_KEY).await.ok().flatten().unwrap_or_default();
    unlocked.contains(&unlocked_entry(link.id, stored))
}

fn rate_limited(refused: Refused) -> AppError {
    match refused {
        Refused::Wait(wait) => {
            tracing::warn!(?wait, "share link password attempts rate limited");
            AppError::RateLimited
        }
        Refused::Db(e) => e.into(),
    }
}
