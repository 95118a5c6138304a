use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use uuid::Uuid;

use super::{Backend, DbError, Repo, UserRecord};
use crate::model::Email;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteRepo {
    pool: SqlitePool,
}

impl SqliteRepo {
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers go on while one writer commits; the busy timeout makes a second
            // writer wait its turn instead of failing with SQLITE_BUSY.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(15));
        if let Some(dir) = sqlite_parent_dir(url) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::Unavailable(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .map_err(DbError::Unavailable)?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteRepo { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The directory a `sqlite://path/file.db?…` URL points into, so it can be created first.
fn sqlite_parent_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()).map(|p| p.to_path_buf())
}

type UserRow = (Uuid, String, String, DateTime<Utc>);

fn user_from_row((id, email, password_hash, created_at): UserRow) -> Result<UserRecord, DbError> {
    let email = Email::parse(&email).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(e.into())))?;
    Ok(UserRecord { id, email, password_hash, created_at })
}

#[async_trait]
impl Repo for SqliteRepo {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(DbError::Unavailable)?;
        Ok(())
    }

    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)
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
        sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
            .bind(password_hash)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE email = ?")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(user_from_row).transpose()
    }

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, email, password_hash, created_at FROM users WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(user_from_row).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_parent_dir;

    #[test]
    fn finds_the_directory_to_create() {
        assert_eq!(sqlite_parent_dir("sqlite://data/v.db?mode=rwc").unwrap().to_str(), Some("data"));
        assert_eq!(sqlite_parent_dir("sqlite:///tmp/x/v.db").unwrap().to_str(), Some("/tmp/x"));
        assert!(sqlite_parent_dir("sqlite::memory:").is_none());
        assert!(sqlite_parent_dir("sqlite://v.db").is_none());
    }
}
