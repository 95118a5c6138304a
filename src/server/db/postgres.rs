//! PostgreSQL: for several instances behind a load balancer. The domain SQL in `sql/` is
//! compiled here with `Db = Postgres`.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use super::changes::{self, ListenerGuard};
use super::rows::{WriteTx, Writer};
use super::{Backend, ContentChanges, DbError};
use crate::server::clock::Clock;

#[path = "sql/books.rs"]
mod books;
#[path = "sql/collections.rs"]
mod collections;
#[path = "sql/invitations.rs"]
mod invitations;
#[path = "sql/media.rs"]
mod media;
#[path = "sql/new_media.rs"]
mod new_media;
#[path = "sql/parts.rs"]
mod parts;
#[path = "sql/repo.rs"]
mod repo;
#[path = "sql/search.rs"]
mod search;
#[path = "sql/sessions.rs"]
mod sessions;
#[path = "sql/shares.rs"]
mod shares;
#[path = "sql/tags.rs"]
mod tags;
#[path = "sql/transcode.rs"]
mod transcode;
#[path = "sql/trash.rs"]
mod trash;
#[path = "sql/uploads.rs"]
mod uploads;
#[path = "sql/users.rs"]
mod users;

/// What the domain SQL files build queries for and implement the traits on.
type Db = sqlx::Postgres;
type SqlRepo = PostgresRepo;
const BACKEND: Backend = Backend::Postgres;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct PostgresRepo {
    pool: PgPool,
    clock: Clock,
    changes: ContentChanges,
    /// Hears the other instances' changes while any clone of this repo lives.
    listener: Arc<ListenerGuard>,
}

impl PostgresRepo {
    pub async fn connect(url: &str, clock: Clock, changes: ContentChanges) -> Result<Self, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(DbError::Unavailable)?;
        // sqlx takes an advisory lock around migrations, so instances starting together are safe.
        MIGRATOR.run(&pool).await?;
        let listener = Arc::new(changes::listen(url, changes.clone()));
        Ok(PostgresRepo { pool, clock, changes, listener })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL takes concurrent writers itself: no lane.
    async fn begin_write(&self) -> Result<WriteTx<'_, Db>, sqlx::Error> {
        Ok(WriteTx::new(self.pool.begin().await?, None))
    }

    async fn writer(&self) -> Result<Writer<'_, Db>, sqlx::Error> {
        Ok(Writer::new(self.pool.acquire().await?, None))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Before the pool closes (shutdown): stop hearing of changes.
    fn stop_listening(&self) {
        self.listener.stop();
    }

    /// After a commit that changed what a public page shows: this instance knows at once, the
    /// others when the notification reaches them. A failed NOTIFY is only logged: the write
    /// stands, and the others' caches confirm within their bound.
    async fn content_changed(&self) {
        self.changes.bump();
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')").bind(changes::CHANNEL).execute(&self.pool).await {
            tracing::warn!(error = %e, "could not tell the other instances of a content change");
        }
    }
}
