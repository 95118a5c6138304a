//! SQLite: the zero-config default. The domain SQL in `sql/` is compiled here with `Db = Sqlite`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

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
type Db = sqlx::Sqlite;
type SqlRepo = SqliteRepo;
const BACKEND: Backend = Backend::Sqlite;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, Clone)]
pub struct SqliteRepo {
    pool: SqlitePool,
    clock: Clock,
    changes: ContentChanges,
    /// One writer at a time (SQLite's rule), queued here (see `rows::WriteTx`).
    write_lane: Arc<tokio::sync::Mutex<()>>,
}

impl SqliteRepo {
    pub async fn connect(url: &str, clock: Clock, changes: ContentChanges) -> Result<Self, DbError> {
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
        Ok(SqliteRepo { pool, clock, changes, write_lane: Arc::default() })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that takes SQLite's write lock at BEGIN (so no reader has to upgrade),
    /// in its turn in the write lane.
    async fn begin_write(&self) -> Result<WriteTx<'_, Db>, sqlx::Error> {
        let lane = self.write_lane.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx::new(tx, Some(lane)))
    }

    /// A connection for one writing statement, in its turn.
    async fn writer(&self) -> Result<Writer<'_, Db>, sqlx::Error> {
        let lane = self.write_lane.lock().await;
        Ok(Writer::new(self.pool.acquire().await?, Some(lane)))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Before the pool closes: nothing listens on SQLite.
    fn stop_listening(&self) {}

    /// After a commit that changed what a public page shows. One instance owns a SQLite file,
    /// so telling this instance is telling all.
    async fn content_changed(&self) {
        self.changes.bump();
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
