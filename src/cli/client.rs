//! The command line's way to a running Vitrine: the same JSON endpoints as the browser, with
//! an API token (`Authorization: Bearer`), and refusals turned into sentences.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A running Vitrine and the token to use with it.
#[derive(Clone)]
pub struct Api {
    pub base: url::Url,
    token: String,
    pub http: reqwest::Client,
}

/// Why a call did not give an answer, as a sentence for the terminal.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ApiError(pub String);

impl Api {
    pub fn new(base: &str, token: &str) -> Result<Api, ApiError> {
        let base = url::Url::parse(base).map_err(|e| ApiError(format!("--server {base}: {e}")))?;
        if !token.starts_with("vt_") {
            return Err(ApiError(
                "A token is needed: create one on your account page (/account, \"API tokens\") and pass it as \
                 --token or VITRINE_TOKEN."
                    .into(),
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| ApiError(e.to_string()))?;
        Ok(Api { base, token: token.to_string(), http })
    }

    /// `POST /api/<endpoint>` with a JSON body; the JSON answer, or the server's own message.
    pub async fn call<T: DeserializeOwned>(&self, endpoint: &str, body: &impl Serialize) -> Result<T, ApiError> {
        let url = self.base.join(&format!("api/{endpoint}")).map_err(|e| ApiError(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|e| ApiError(format!("cannot reach {}: {e}", self.base)))?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(|e| ApiError(format!("unreadable answer from {endpoint}: {e}")));
        }
        let message = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| status.to_string());
        Err(ApiError(match status.as_u16() {
            401 => "The token was refused: it is wrong, revoked or expired, or its person is disabled.".into(),
            403 => format!(
                "The token may not do this ({endpoint}): {message} A write token of an editor or owner is needed."
            ),
            _ => message,
        }))
    }
}
