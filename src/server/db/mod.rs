//! Persistence: repository traits by domain (users, access, uploads and their parts, transcoding,
//! collections, media, tags, the trash, share links), and `Repo`, all of them together, implemented once per database.
//!
//! The SQL of each domain lives in `sql/<domain>.rs`, written once in the dialect both
//! databases share (`$n` placeholders, `ON CONFLICT`, `RETURNING`, row values) and compiled
//! twice: `sqlite.rs` and `postgres.rs` each include the domain files with their own `Db` type,
//! so each backend is concrete code with concrete types. Each backend has its own
//! `migrations/<backend>/`; one contract suite (`tests/api/repo_contract/`) checks both.
//!
//! This layer knows the shared model types and nothing of the services above it.

// Each `sql/<domain>.rs` is included by both backends on purpose (see above).
#![allow(clippy::duplicate_mod)]

mod access;
mod access_rows;
mod books;
mod changes;
mod collections;
mod media;
mod postgres;
mod rows;
mod session_store;
mod shares;
mod sqlite;
mod tags;
mod transcode;
mod trash;
mod uploads;
mod users;

use std::sync::Arc;

use async_trait::async_trait;

pub use access::{
    InvitationRefusal, InvitationRepo, NewInvitationRecord, NewTokenRecord, SessionRecord, SessionRepo, SignInRepo,
    TokenRepo, TOUCH_EVERY,
};
pub use books::BooksRepo;
pub use changes::ContentChanges;
pub use collections::{CollectionRepo, CoverCandidates, Missing, ReorderRefusal};
pub use media::MediaRepo;
pub use postgres::PostgresRepo;
pub use session_store::DbSessionStore;
pub use shares::{InboxRecord, PasswordChange, ShareFields, ShareRecord, ShareRepo};
pub use sqlite::SqliteRepo;
pub use tags::{RenameRefusal, TagRepo};
pub use transcode::{TranscodeClaim, TranscodeJob, TranscodeRepo};
pub use trash::{TrashRepo, TrashScope};
pub use uploads::{NewMedia, NewMultipart, NewUploadFile, NewUploadJob, PartRepo, Transition, UploadQuota, UploadRepo};
pub use users::{PeopleRefusal, PersonChange, UserRecord, UserRepo};

use crate::server::clock::Clock;
pub use crate::server::config::Backend;
use crate::server::config::DatabaseConfig;

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
    /// A file request's batch would pass the link's quota (nothing was written).
    #[error("the batch would pass the link's quota")]
    OverQuota,
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(dbe) if dbe.is_unique_violation() => {
                DbError::UniqueViolation { constraint: dbe.constraint().unwrap_or("unknown").to_string() }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => DbError::Unavailable(e),
            _ => DbError::Sqlx(e),
        }
    }
}

impl DbError {
    /// Whether this is the unique index `constraint` refusing a row (SQLite does not always
    /// name the constraint, so an unnamed violation counts too).
    pub fn violates(&self, constraint: &str) -> bool {
        matches!(self, DbError::UniqueViolation { constraint: c } if c.contains(constraint) || c == "unknown")
    }
}

impl From<DbError> for crate::error::AppError {
    fn from(e: DbError) -> Self {
        tracing::error!(error = %e, "database error");
        match e {
            DbError::Unavailable(_) => crate::error::AppError::Unavailable,
            DbError::OverQuota => crate::error::AppError::invalid("These files would pass what this link takes."),
            _ => crate::error::AppError::Internal,
        }
    }
}

/// Every domain's repository in one object, as the app holds it (`Arc<dyn Repo>`).
#[async_trait]
pub trait Repo:
    UserRepo
    + BooksRepo
    + SessionRepo
    + InvitationRepo
    + TokenRepo
    + SignInRepo
    + UploadRepo
    + PartRepo
    + TranscodeRepo
    + CollectionRepo
    + MediaRepo
    + TrashRepo
    + TagRepo
    + ShareRepo
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// A round trip to the database; `/healthz` uses it.
    async fn ping(&self) -> Result<(), DbError>;

    /// Migrations this build knows that the database has not applied (the self-test).
    async fn pending_migrations(&self) -> Result<usize, DbError>;

    /// Waits for checked-out connections to come back, then closes them all (shutdown).
    async fn close(&self);
}

/// A connected database: the repo, the session store living in the same database, and the
/// counter of content changes the repo keeps (and, on PostgreSQL, hears of from other
/// instances).
pub struct Database {
    pub repo: Arc<dyn Repo>,
    pub sessions: DbSessionStore,
    pub changes: ContentChanges,
}

/// Connects, runs the migrations of the configured backend, and prepares the session table.
/// Every timestamp the repo writes is read from `clock`.
pub async fn connect(config: &DatabaseConfig, clock: Clock) -> Result<Database, DbError> {
    let changes = ContentChanges::default();
    match config.backend {
        Backend::Sqlite => {
            let repo = SqliteRepo::connect(&config.url, clock, changes.clone()).await?;
            let sessions = DbSessionStore::sqlite(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions, changes })
        }
        Backend::Postgres => {
            let repo = PostgresRepo::connect(&config.url, clock, changes.clone()).await?;
            let sessions = DbSessionStore::postgres(repo.pool().clone()).await?;
            Ok(Database { repo: Arc::new(repo), sessions, changes })
        }
    }
}
