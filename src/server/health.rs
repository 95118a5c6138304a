//! `/healthz`: 200 when the database and the store both answer, 503 otherwise.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::server::state::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Serialize)]
pub struct Health {
    pub database: &'static str,
    pub store: &'static str,
}

pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (database, store) = tokio::join!(
        tokio::time::timeout(CHECK_TIMEOUT, state.repo.ping()),
        tokio::time::timeout(CHECK_TIMEOUT, state.storage.check()),
    );
    let database_ok = matches!(database, Ok(Ok(())));
    let store_ok = matches!(store, Ok(Ok(())));
    if let Ok(Err(e)) = &database {
        tracing::warn!(error = %e, "health: database check failed");
    }
    if let Ok(Err(e)) = &store {
        tracing::warn!(error = %e, "health: store check failed");
    }
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let status = if database_ok && store_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Health { database: word(database_ok), store: word(store_ok) }))
}
