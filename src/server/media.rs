//! Where media are shown from.

use std::time::Duration;

use crate::error::AppError;
use crate::model::media::Media;
use crate::server::state::AppState;

/// How long a library page's links stay usable.
const DISPLAY_URL_TTL: Duration = Duration::from_secs(6 * 3600);

/// The URL an item of the library is shown from. For now the original, through a short-lived
/// presigned GET straight from the store (the CDN/local image origin builds on this).
pub async fn display_url(state: &AppState, media: &Media) -> Result<String, AppError> {
    state.storage.presign_get(&media.object_key, DISPLAY_URL_TTL).await.map(|r| r.url).map_err(|e| {
        tracing::error!(error = %e, "cannot presign a display URL");
        AppError::Internal
    })
}
