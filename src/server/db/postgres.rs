use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Backend, DbError, Repo, UserRecord};
use crate::model::Email;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct PostgresRepo {
    pool: PgPool,
}

impl PostgresRepo {
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(DbError::Unavailable)?;
        // sqlx takes an advisory lock around migrations, so instances starting together are safe.
        MIGRATOR.run(&pool).await?;
        Ok(PostgresRepo { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

type UserRow = (Uuid, String, String, DateTime<Utc>);

fn user_from_row((id, email, password_hash, created_at): UserRow) -> Result<UserRecord, DbError> {
    let email = Email::parse(&email).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(e.into())))?;
    Ok(UserRecord { id, email, password_hash, created_at })
}

#[async_trait]
impl Repo for PostgresRepo {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(DbError::Unavailable)?;
        Ok(())
    }

    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(email.as_str())
        .bind(password_hash)
        .bind(Utc::now())
        .execute(&self.pool)
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
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(user_from_row).transpose()
    }

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(user_from_row).transpose()
    }
}
