//! Share links of collections.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::media::Media;

/// A share link's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub id: Uuid,
    pub collection_id: Uuid,
    pub token: String,
    pub label: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub password_hash: Option<String>,
    pub allow_download: bool,
    pub allow_upload: bool,
    pub max_files: Option<u32>,
    pub max_bytes: Option<u64>,
    pub view_count: u64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The account everyone sending through the link uploads as, once uploads were allowed.
    pub guest_user_id: Option<Uuid>,
}

/// An item waiting in a file request's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRecord {
    pub media: Media,
    pub share_id: Uuid,
    pub share_label: String,
    pub collection_id: Uuid,
    pub received_at: DateTime<Utc>,
}

/// What a link lets visitors do, as stored (checked by `model::share::ShareRules` first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareFields {
    pub label: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub allow_download: bool,
    pub allow_upload: bool,
    pub max_files: Option<u32>,
    pub max_bytes: Option<u64>,
}

/// What an update does to the password (stored as its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    Keep,
    Set(String),
    Remove,
}

#[async_trait]
pub trait ShareRepo {
    /// A new link on a collection outside the trash; `None` if there is no such collection.
    async fn create_share(
        &self,
        id: Uuid,
        collection_id: Uuid,
        token: &str,
        fields: &ShareFields,
        password_hash: Option<&str>,
        created_by: Option<Uuid>,
    ) -> Result<Option<ShareRecord>, DbError>;

    /// A collection's links, oldest first, revoked ones included.
    async fn list_shares(&self, collection_id: Uuid) -> Result<Vec<ShareRecord>, DbError>;

    async fn find_share(&self, id: Uuid) -> Result<Option<ShareRecord>, DbError>;

    /// The link with this token, if its collection is outside the trash (whatever the link's
    /// own state: the caller tells expired and revoked apart).
    async fn find_share_by_token(&self, token: &str) -> Result<Option<ShareRecord>, DbError>;

    /// New settings; a revoked link stays revoked. `None` if there is no such link.
    async fn update_share(
        &self,
        id: Uuid,
        fields: &ShareFields,
        password: &PasswordChange,
    ) -> Result<Option<ShareRecord>, DbError>;

    /// Revokes the link (the first revocation's time stays); `None` if there is no such link.
    async fn revoke_share(&self, id: Uuid) -> Result<Option<ShareRecord>, DbError>;

    /// One more view of the page of the link with this token (none: nothing happens).
    async fn count_share_view(&self, token: &str) -> Result<(), DbError>;

    /// The link's guest account: made (disabled, a viewer, with this email, name and unusable
    /// password hash) the first time, the same one after. `None` if there is no such link.
    async fn guest_of_share(
        &self,
        id: Uuid,
        email: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<Option<Uuid>, DbError>;

    /// Files and bytes the guest's jobs hold (failed files too: a retry reuses the file): what
    /// counts against the link's quotas.
    async fn guest_upload_totals(&self, guest_user_id: Uuid) -> Result<(u32, u64), DbError>;

    /// What waits in the inbox of the collection's links (every collection's for `None`),
    /// oldest first.
    async fn inbox(&self, collection_id: Option<Uuid>) -> Result<Vec<InboxRecord>, DbError>;

    /// Of these ids, the items waiting in an inbox.
    async fn inbox_media(&self, ids: &[Uuid]) -> Result<Vec<Media>, DbError>;

    /// Takes each item out of its inbox into the library and appends it to its link's
    /// collection, each in one transaction; the ids accepted (others were not waiting).
    async fn accept_inbox(&self, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError>;
}
