//! Invitations and API tokens, in the SQL both databases speak. Compiled once per backend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqlRepo;
use crate::model::people::{ApiToken, Invitation};
use crate::server::db::access::TOUCH_EVERY;
use crate::server::db::access_rows::{InvitationRow, TokenRow, INVITATION_COLUMNS, TOKEN_COLUMNS};
use crate::server::db::rows::{prefixed, UserRow, USER_COLUMNS};
use crate::server::db::{
    DbError, InvitationRefusal, InvitationRepo, NewInvitationRecord, NewTokenRecord, TokenRepo, UserRecord,
};

#[derive(sqlx::FromRow)]
struct InvitationStateRow {
    #[sqlx(flatten)]
    invitation: InvitationRow,
    accepted_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl InvitationRepo for SqlRepo {
    async fn create_invitation(&self, new: &NewInvitationRecord) -> Result<Invitation, DbError> {
        let row: InvitationRow = sqlx::query_as(&format!(
            "INSERT INTO invitations (id, email, role, secret_hash, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {INVITATION_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(new.email.as_str())
        .bind(new.role.as_str())
        .bind(&new.secret_hash)
        .bind(new.invited_by)
        .bind(self.now())
        .bind(new.expires_at)
        .fetch_one(&mut *self.writer().await?)
        .await?;
        row.try_into()
    }

    async fn pending_invitations(&self) -> Result<Vec<Invitation>, DbError> {
        let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations
             WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
             ORDER BY created_at DESC, id"
        ))
        .bind(self.now())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Invitation::try_from).collect()
    }

    async fn revoke_invitation(&self, id: Uuid) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(self.now())
        .bind(id)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_invitation(&self, secret_hash: &str) -> Result<Result<Invitation, InvitationRefusal>, DbError> {
        let row: Option<InvitationStateRow> = sqlx::query_as(&format!(
            "SELECT {INVITATION_COLUMNS}, accepted_at, revoked_at FROM invitations WHERE secret_hash = $1"
        ))
        .bind(secret_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(Err(InvitationRefusal::Unknown)) };
        Ok(if row.accepted_at.is_some() {
            Err(InvitationRefusal::Used)
        } else if row.revoked_at.is_some() {
            Err(InvitationRefusal::Revoked)
        } else if row.invitation.expires_at <= self.now() {
            Err(InvitationRefusal::Expired)
        } else {
            Ok(row.invitation.try_into()?)
        })
    }

    async fn accept_invitation(
        &self,
        secret_hash: &str,
        display_name: &str,
        password_hash: &str,
    ) -> Result<Result<UserRecord, InvitationRefusal>, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let taken: Option<InvitationRow> = sqlx::query_as(&format!(
            "UPDATE invitations SET accepted_at = $1
             WHERE secret_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $1
             RETURNING {INVITATION_COLUMNS}"
        ))
        .bind(now)
        .bind(secret_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(invitation) = taken else {
            tx.rollback().await?;
            return Ok(Err(self.find_invitation(secret_hash).await?.err().unwrap_or(InvitationRefusal::Unknown)));
        };
        let created: Result<UserRow, sqlx::Error> = sqlx::query_as(&format!(
            "INSERT INTO users (id, email, password_hash, display_name, role, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(&invitation.email)
        .bind(password_hash)
        .bind(display_name)
        .bind(&invitation.role)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        match created.map_err(DbError::from) {
            Ok(row) => {
                tx.commit().await?;
                UserRecord::try_from(row).map(Ok)
            }
            Err(e) if e.violates("users_email_key") => {
                tx.rollback().await?;
                Ok(Err(InvitationRefusal::EmailTaken))
            }
            Err(e) => Err(e),
        }
    }
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    token_id: Uuid,
    token_name: String,
    scope: String,
    prefix: String,
    token_created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
}

#[async_trait]
impl TokenRepo for SqlRepo {
    async fn create_token(&self, new: &NewTokenRecord) -> Result<ApiToken, DbError> {
        let row: TokenRow = sqlx::query_as(&format!(
            "INSERT INTO api_tokens (id, user_id, name, scope, prefix, secret_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(Uuid::new_v4())
        .bind(new.user_id)
        .bind(&new.name)
        .bind(new.scope.as_str())
        .bind(&new.prefix)
        .bind(&new.secret_hash)
        .bind(self.now())
        .bind(new.expires_at)
        .fetch_one(&mut *self.writer().await?)
        .await?;
        row.try_into()
    }

    async fn list_tokens(&self, user_id: Uuid) -> Result<Vec<ApiToken>, DbError> {
        let rows: Vec<TokenRow> = sqlx::query_as(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL
             ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    async fn revoke_token(&self, user_id: Uuid, id: Uuid) -> Result<bool, DbError> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(self.now())
                .bind(id)
                .bind(user_id)
                .execute(&mut *self.writer().await?)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn token_user(&self, secret_hash: &str) -> Result<Option<(ApiToken, UserRecord)>, DbError> {
        let now = self.now();
        let sql = format!(
            "SELECT {}, t.id AS token_id, t.name AS token_name, t.scope, t.prefix, t.created_at AS token_created_at,
                    t.expires_at, t.last_used_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
               AND u.disabled_at IS NULL",
            prefixed(USER_COLUMNS, "u")
        );
        let row: Option<TokenUserRow> =
            sqlx::query_as(&sql).bind(secret_hash).bind(now).fetch_optional(&self.pool).await?;
        let Some(row) = row else { return Ok(None) };
        if row.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row.token_id)
                .execute(&mut *self.writer().await?)
                .await?;
        }
        let token = TokenRow {
            id: row.token_id,
            name: row.token_name,
            scope: row.scope,
            prefix: row.prefix,
            created_at: row.token_created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
        };
        Ok(Some((token.try_into()?, UserRecord::try_from(row.user)?)))
    }
}
