//! How people get in: browser sessions they can see and end, invitations, API tokens, and the
//! sign-in failure counts every instance shares.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DbError, UserRecord};
use crate::model::people::{ApiToken, Invitation, Scope};
use crate::model::{Email, Role};

/// One signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// How often a session's or token's "last seen" is written: not on every request.
pub const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[async_trait]
pub trait SessionRepo {
    /// Records a new signed-in browser of `user_id`; returns its id (kept in the cookie's record).
    async fn start_session(&self, user_id: Uuid, user_agent: &str) -> Result<Uuid, DbError>;

    /// The person of a session that has not been ended, if they are not disabled. Notes the
    /// visit (at most every `TOUCH_EVERY`).
    async fn session_user(&self, session_id: Uuid) -> Result<Option<UserRecord>, DbError>;

    /// A person's sessions, most recently seen first.
    async fn list_sessions(&self, user_id: Uuid) -> Result<Vec<SessionRecord>, DbError>;

    async fn end_session(&self, session_id: Uuid) -> Result<(), DbError>;

    /// Ends every session of `user_id` but `keep`; returns how many ended.
    async fn end_other_sessions(&self, user_id: Uuid, keep: Option<Uuid>) -> Result<u64, DbError>;

    /// Forgets sessions not seen since `before` (their cookies expired by then).
    async fn forget_idle_sessions(&self, before: DateTime<Utc>) -> Result<u64, DbError>;
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationRefusal {
    Unknown,
    Used,
    Revoked,
    Expired,
    /// Someone has an account with that email by now.
    EmailTaken,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitationRecord {
    pub email: Email,
    pub role: Role,
    pub secret_hash: String,
    pub invited_by: Uuid,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait InvitationRepo {
    async fn create_invitation(&self, new: &NewInvitationRecord) -> Result<Invitation, DbError>;

    /// Neither used, revoked nor expired; newest first.
    async fn pending_invitations(&self) -> Result<Vec<Invitation>, DbError>;

    /// `false` if it was not pending.
    async fn revoke_invitation(&self, id: Uuid) -> Result<bool, DbError>;

    /// A pending invitation by its secret's hash, or why it cannot be used.
    async fn find_invitation(&self, secret_hash: &str) -> Result<Result<Invitation, InvitationRefusal>, DbError>;

    /// Uses the invitation and creates its person, in one transaction: a link works once.
    async fn accept_invitation(
        &self,
        secret_hash: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<Result<UserRecord, InvitationRefusal>, DbError>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTokenRecord {
    pub user_id: Uuid,
    pub name: String,
    pub scope: Scope,
    pub prefix: String,
    pub secret_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait TokenRepo {
    async fn create_token(&self, new: &NewTokenRecord) -> Result<ApiToken, DbError>;

    /// A person's tokens that were not revoked (expired ones too, marked by their date).
    async fn list_tokens(&self, user_id: Uuid) -> Result<Vec<ApiToken>, DbError>;

    /// `false` if `user_id` has no such token.
    async fn revoke_token(&self, user_id: Uuid, id: Uuid) -> Result<bool, DbError>;

    /// The token and its person, if the token is neither revoked nor expired and the person
    /// is not disabled. Notes the use (at most every `TOUCH_EVERY`).
    async fn token_user(&self, secret_hash: &str) -> Result<Option<(ApiToken, UserRecord)>, DbError>;
}

/// Failed sign-ins per account, as a GCRA bucket every instance shares: the moment (ms since
/// the epoch) the bucket is empty again.
#[async_trait]
pub trait SignInRepo {
    async fn sign_in_drained_at(&self, account: &str) -> Result<Option<i64>, DbError>;

    /// Adds one failure worth `cost_ms` at `now_ms`; returns the new drain moment.
    async fn record_sign_in_failure(&self, account: &str, now_ms: i64, cost_ms: i64) -> Result<i64, DbError>;
}
