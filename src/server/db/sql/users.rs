//! Users, in the SQL both databases speak. Compiled once per backend (see `db/mod.rs`).

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlRepo;
use crate::model::Email;
use crate::server::db::rows::{UserRow, USER_COLUMNS};
use crate::server::db::{DbError, UserRecord, UserRepo};

#[async_trait]
impl UserRepo for SqlRepo {
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
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
}
