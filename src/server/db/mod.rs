//! Persistence: one `Repo` trait, one implementation per database, chosen from the URL.
//!
//! Each backend has its own `migrations/<backend>/` (their SQL differs in types, not in
//! meaning) and both must pass the same contract suite in `tests/api/repo_contract.rs`.

mod postgres;
mod session_store;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::Email;
use crate::server::config::{DatabaseConfig, DatabaseKind};

pub use postgres::PostgresRepo;
pub use session_store::DbSessionStore;
pub use sqlite::SqliteRepo;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint said no; the name lets callers map it to a typed error.
    #[error("unique constraint {constraint} violated")]
    UniqueViolation { constraint: String },
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error(transparent)]
    Sqlx(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(dbe) if dbe.is_unique_violation() => DbError::UniqueViolation {
                constraint: dbe.constraint().unwrap_or("unknown").to_string(),
            },
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => DbError::Unavailable(e),
            _ => DbError::Sqlx(e),
        }
    }
}

impl From<DbError> for crate::error::AppError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        match e {
            DbError::Unavailable(_) => crate::error::AppError::Unavailable,
            _ => crate::error::AppError::Internal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Which backend a repo talks to (for logs and `/healthz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[async_trait]
pub trait Repo: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// A round trip to the database; `/healthz` uses it.
    async fn ping(&self) -> Result<(), DbError>;

    /// Creates the user unless one with that email exists. Returns the user and whether it was created.
    /// Safe to call from several instances at once: the unique index decides.
    async fn create_user_if_absent(&self, email: &Email, password_hash: &str) -> Result<(UserRecord, bool), DbError>;

    async fn set_user_password(&self, id: Uuid, password_hash: &str) -> Result<(), DbError>;

    async fn find_user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, DbError>;

    async fn find_user(&self, id: Uuid) -> Result<Option<UserRecord>, DbError>;
}

/// A connected database: the repo, and the session store living in the same database.
pub struct Database {
    pub repo: Arc<dyn Repo>,
    pub sessions: DbSessionStore,
}

/// Connects, runs the migrations of the backend named by the URL, and prepares the session table.
pub async fn connect(config: &DatabaseConfig) -> Result<Database, DbError> {
    match config.kind {
        DatabaseKind::Sqlite => {
            let repo = SqliteRepo::connect(&config.url).await?;
            let sessions = DbSessionStore::sqlite(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions })
        }
        DatabaseKind::Postgres => {
            let repo = PostgresRepo::connect(&config.url).await?;
            let sessions = DbSessionStore::postgres(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions })
        }
    }
}
