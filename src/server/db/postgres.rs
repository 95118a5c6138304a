use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use uuid::Uuid;

use super::queries::*;
use super::{Backend, DbError, NewMedia, NewUploadJob, Transition, UserRecord};
use crate::model::media::{search_text, sort_name, CollectionRef, Media, MediaKind, MediaQuery, MediaSort};
use crate::model::upload::{FileOutcome, JobWithFiles, UploadFile, UploadJob, UploadPart};
use crate::model::collection::{Collection, CollectionSummary, MembershipChange};
use crate::model::Email;
use crate::server::collections::{Missing, ReorderRefusal};

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

    pub(super) async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

/// The database `impl_repo!` builds queries for.
type Db = sqlx::Postgres;

impl_repo!(PostgresRepo, Backend::Postgres);

