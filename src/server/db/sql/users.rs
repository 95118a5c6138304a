//! People, in the SQL both databases speak. Compiled once per backend (see `db/mod.rs`).

use async_trait::async_trait;
use uuid::Uuid;

use super::{SqlRepo, BACKEND};
use crate::model::people::Person;
use crate::model::{Email, Role};
use crate::server::db::rows::{UserRow, USER_COLUMNS};
use crate::server::db::{Backend, DbError, PeopleRefusal, PersonChange, UserRecord, UserRepo};

/// Locks the active owners for the rest of the transaction (PostgreSQL; SQLite's writer holds
/// the whole database already).
const LOCK_OWNERS: &str = match BACKEND {
    Backend::Postgres => "SELECT id FROM users WHERE role = 'owner' AND disabled_at IS NULL FOR UPDATE",
    Backend::Sqlite => "SELECT id FROM users WHERE role = 'owner' AND disabled_at IS NULL",
};

#[async_trait]
impl UserRepo for SqlRepo {
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, 'owner', $4)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(email.as_str())
        .bind(password_hash)
        .bind(self.now())
        .execute(&mut *self.writer().await?)
        .await?
        .rows_affected()
            == 1;
        let user = self.find_user_by_email(email).await?.ok_or(DbError::Sqlx(sqlx::Error::RowNotFound))?;
        Ok((user, inserted))
    }

    async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql).bind(email.as_str()).fetch_optional(&self.pool).await?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: Option<UserRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn list_people(&self) -> Result<Vec<Person>, DbError> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE NOT is_guest
             ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END,
                      lower(CASE WHEN display_name = '' THEN email ELSE display_name END), id"
        );
        let rows: Vec<UserRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(|row| UserRecord::try_from(row).map(|user| user.person())).collect()
    }

    async fn set_display_name(&self, id: Uuid, display_name: &str) -> Result<bool, DbError> {
        let done = sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
            .bind(display_name)
            .bind(id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn change_person(&self, id: Uuid, change: PersonChange) -> Result<Result<(), PeopleRefusal>, DbError> {
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let owners: Vec<(Uuid,)> = sqlx::query_as(LOCK_OWNERS).fetch_all(&mut *tx).await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let Some(row) = sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            tx.rollback().await?;
            return Ok(Err(PeopleRefusal::NotFound));
        };
        let person = UserRecord::try_from(row)?;
        let stays_active_owner = match change {
            PersonChange::Role(role) => role == Role::Owner,
            PersonChange::Disable | PersonChange::Delete => false,
            PersonChange::Enable => true,
        };
        let is_active_owner = owners.iter().any(|(owner,)| *owner == id);
        if is_active_owner && !stays_active_owner && owners.len() == 1 {
            tx.rollback().await?;
            return Ok(Err(PeopleRefusal::LastOwner));
        }
        match change {
            PersonChange::Role(role) => {
                sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            PersonChange::Disable => {
                sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                // Every browser of theirs is signed out at its next request, on every instance.
                sqlx::query("DELETE FROM user_sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            PersonChange::Enable => {
                sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            PersonChange::Delete => {
                // What they made stays (created_by becomes NULL: "former member"); their
                // sessions and tokens go with them (ON DELETE CASCADE).
                sqlx::query("DELETE FROM users WHERE id = $1").bind(person.id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}
