//! People who sign in.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::Email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait UserRepo {
    /// Creates the user unless one with that email exists. Returns the user and whether it was created.
    /// Safe to call from several instances at once: the unique index decides.
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError>;

    async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError>;

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError>;

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError>;
}
