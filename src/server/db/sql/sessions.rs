//! Signed-in browsers and shared sign-in failure counts, in the SQL both databases speak.
//! Compiled once per backend (see `db/mod.rs`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{SqlRepo, BACKEND};
use crate::server::db::access::TOUCH_EVERY;
use crate::server::db::rows::{prefixed, UserRow, USER_COLUMNS};
use crate::server::db::{Backend, DbError, SessionRecord, SessionRepo, SignInRepo, UserRecord};

/// The larger of two numbers, as each database spells it.
const GREATEST: &str = match BACKEND {
    Backend::Postgres => "GREATEST",
    Backend::Sqlite => "max",
};

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    last_seen_at: DateTime<Utc>,
}

#[async_trait]
impl SessionRepo for SqlRepo {
    async fn start_session(&self, user_id: Uuid, user_agent: &str) -> Result<Uuid, DbError> {
        let id = Uuid::new_v4();
        let now = self.now();
        sqlx::query(
            "INSERT INTO user_sessions (id, user_id, user_agent, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id)
        .bind(user_id)
        .bind(user_agent.chars().take(300).collect::<String>())
        .bind(now)
        .execute(&mut *self.writer().await?)
        .await?;
        Ok(id)
    }

    async fn session_user(&self, session_id: Uuid) -> Result<Option<UserRecord>, DbError> {
        let sql = format!(
            "SELECT {}, s.last_seen_at FROM user_sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND u.disabled_at IS NULL",
            prefixed(USER_COLUMNS, "u")
        );
        let Some(row) = sqlx::query_as::<_, SessionUserRow>(&sql).bind(session_id).fetch_optional(&self.pool).await?
        else {
            return Ok(None);
        };
        let now = self.now();
        if now - row.last_seen_at >= TOUCH_EVERY {
            sqlx::query("UPDATE user_sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(session_id)
                .execute(&mut *self.writer().await?)
                .await?;
        }
        UserRecord::try_from(row.user).map(Some)
    }

    async fn list_sessions(&self, user_id: Uuid) -> Result<Vec<SessionRecord>, DbError> {
        let rows: Vec<(Uuid, String, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, user_agent, created_at, last_seen_at FROM user_sessions WHERE user_id = $1
             ORDER BY last_seen_at DESC, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, user_agent, created_at, last_seen_at)| SessionRecord {
                id,
                user_agent,
                created_at,
                last_seen_at,
            })
            .collect())
    }

    async fn end_session(&self, session_id: Uuid) -> Result<(), DbError> {
        sqlx::query("DELETE FROM user_sessions WHERE id = $1")
            .bind(session_id)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(())
    }

    async fn end_other_sessions(&self, user_id: Uuid, keep: Option<Uuid>) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM user_sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)")
            .bind(user_id)
            .bind(keep)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(done.rows_affected())
    }

    async fn forget_idle_sessions(&self, before: DateTime<Utc>) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM user_sessions WHERE last_seen_at < $1")
            .bind(before)
            .execute(&mut *self.writer().await?)
            .await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl SignInRepo for SqlRepo {
    async fn sign_in_drained_at(&self, account: &str) -> Result<Option<i64>, DbError> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT drained_at FROM sign_in_failures WHERE account = $1")
            .bind(account)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(at,)| at))
    }

    async fn record_sign_in_failure(&self, account: &str, now_ms: i64, cost_ms: i64) -> Result<i64, DbError> {
        let sql = format!(
            "INSERT INTO sign_in_failures (account, drained_at) VALUES ($1, $2 + $3)
             ON CONFLICT (account) DO UPDATE SET drained_at = {GREATEST}(sign_in_failures.drained_at, $2) + $3
             RETURNING drained_at"
        );
        let (drained_at,): (i64,) =
            sqlx::query_as(&sql).bind(account).bind(now_ms).bind(cost_ms).fetch_one(&mut *self.writer().await?).await?;
        Ok(drained_at)
    }
}
