//! Rows of the access tables (tokens, invitations) and their conversion into model types.
//! Compiled once, like `rows.rs`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::corrupt;
use super::DbError;
use crate::model::people::{ApiToken, Invitation, Scope};
use crate::model::Role;

pub(crate) const TOKEN_COLUMNS: &str = "id, name, scope, prefix, created_at, expires_at, last_used_at";

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) scope: String,
    pub(crate) prefix: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = DbError;
    fn try_from(row: TokenRow) -> Result<Self, DbError> {
        Ok(ApiToken {
            id: row.id,
            name: row.name,
            scope: Scope::parse(&row.scope).map_err(corrupt)?,
            prefix: row.prefix,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        })
    }
}

pub(crate) const INVITATION_COLUMNS: &str = "id, email, role, created_at, expires_at";

#[derive(sqlx::FromRow)]
pub(crate) struct InvitationRow {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = DbError;
    fn try_from(row: InvitationRow) -> Result<Self, DbError> {
        Ok(Invitation {
            id: row.id,
            email: row.email,
            role: Role::parse(&row.role).map_err(corrupt)?,
            created_at: row.created_at,
            expires_at: row.expires_at,
        })
    }
}
