//! People on the team: accounts, roles, and the rule that one active owner always remains.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DbError;
use crate::model::people::Person;
use crate::model::{Email, Role};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl UserRecord {
    pub fn person(&self) -> Person {
        Person {
            id: self.id,
            email: self.email.to_string(),
            display_name: self.display_name.clone(),
            role: self.role,
            disabled: self.disabled,
            created_at: self.created_at,
        }
    }
}

/// A change an owner makes to someone's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonChange {
    Role(Role),
    Disable,
    Enable,
    Delete,
}

/// Why a change to someone's account was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleRefusal {
    NotFound,
    /// It would leave the team without an active owner.
    LastOwner,
}

#[async_trait]
pub trait UserRepo {
    /// Creates the user (an owner: this is the admin from the environment) unless one with that
    /// email exists. Returns the user and whether it was created. Safe to call from several
    /// instances at once: the unique index decides.
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError>;

    async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError>;

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError>;

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError>;

    /// Everyone, owners first, then by name.
    async fn list_people(&self) -> Result<Vec<Person>, DbError>;

    /// `false` if there is no such person.
    async fn set_display_name(&self, id: Uuid, display_name: &str) -> Result<bool, DbError>;

    /// Changes a role, disables, enables or deletes, in one transaction that refuses to leave
    /// no active owner (owners are locked first, so two owners demoting each other at once
    /// cannot both succeed). Disabling ends the person's sessions.
    async fn change_person(&self, id: Uuid, change: PersonChange) -> Result<Result<(), PeopleRefusal>, DbError>;
}
