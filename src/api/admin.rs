//! The self-test (owners): `/admin/health` and `vitrine check` run the same checks.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::selftest::{Check, Probe};

/// `POST /api/admin/check` `{}` → every check with its verdict and, when not ok, the fix.
#[server(prefix = "/api", endpoint = "admin/check", input = Json)]
pub async fn run_checks() -> Result<Vec<Check>, AppError> {
    let (state, _) = crate::server::signed_in()?;
    Ok(crate::server::selftest::run(&state).await)
}

/// `POST /api/admin/probe` `{}` → a presigned PUT of a small probe object, for the browser to
/// try the real upload path (preflight, PUT, reading the ETag) from where people sit.
#[server(prefix = "/api", endpoint = "admin/probe", input = Json)]
pub async fn start_probe() -> Result<Probe, AppError> {
    use crate::model::{ContentType, ObjectKey};
    let (state, _) = crate::server::signed_in()?;
    let key = ObjectKey::parse(&format!("selftest/{}.txt", uuid::Uuid::new_v4())).map_err(AppError::invalid)?;
    let body = "vitrine browser probe".to_string();
    let text = ContentType::parse("text/plain").map_err(AppError::Invalid)?;
    let upload =
        state.storage.presign_put(&key, &text, body.len() as u64, std::time::Duration::from_secs(300)).await.map_err(
            |e| {
                tracing::error!(error = %e, "self-test probe could not be signed");
                AppError::Unavailable
            },
        )?;
    Ok(Probe { key: key.as_str().to_string(), upload, body })
}

/// `POST /api/admin/probe_done` `{key}`: deletes a probe object (only self-test keys).
#[server(prefix = "/api", endpoint = "admin/probe_done", input = Json)]
pub async fn finish_probe(key: String) -> Result<(), AppError> {
    use crate::model::ObjectKey;
    let (state, _) = crate::server::signed_in()?;
    let key = ObjectKey::parse(&key).map_err(AppError::invalid)?;
    if !key.as_str().starts_with("selftest/") {
        return Err(AppError::invalid("Only self-test probes can be removed here."));
    }
    state.storage.delete(&key).await.map_err(|e| {
        tracing::warn!(error = %e, "self-test probe could not be deleted");
        AppError::Unavailable
    })
}
