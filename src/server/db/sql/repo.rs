//! What every backend answers the same way. Compiled once per backend.

use async_trait::async_trait;

use super::{SqlRepo, BACKEND};
use crate::server::db::{Backend, DbError, Repo};

#[async_trait]
impl Repo for SqlRepo {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(DbError::Unavailable)?;
        Ok(())
    }

    async fn pending_migrations(&self) -> Result<usize, DbError> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success").fetch_all(&self.pool).await?;
        let applied: std::collections::HashSet<i64> = applied.into_iter().map(|(v,)| v).collect();
        Ok(super::MIGRATOR.iter().filter(|m| !applied.contains(&m.version)).count())
    }

    async fn close(&self) {
        self.stop_listening();
        self.pool.close().await;
    }
}
