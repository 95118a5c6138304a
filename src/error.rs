//! What the client may see when something goes wrong.
//!
//! Every server function returns `Result<T, AppError>`. Internal causes (SQL,
//! file paths, store responses) are logged on the server where they happen and
//! reach the client only as [`AppError::Internal`], which carries no detail.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "message", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: sign in first.
    #[error("You need to sign in.")]
    Unauthorized,
    /// Signed in, but not allowed to do this.
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// Email or password wrong. One message for both, so nobody learns which accounts exist.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    /// The request was understood but its content is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("{0} was not found.")]
    NotFound(String),
    /// The request conflicts with the current state (a duplicate, a stale order…).
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in a little while.")]
    RateLimited,
    /// A dependency (database, store) is unreachable right now.
    #[error("The service is temporarily unavailable. Try again shortly.")]
    Unavailable,
    #[error("Something went wrong on our side. It has been logged.")]
    Internal,
    /// The request never reached the server or its answer could not be read (browser side only).
    #[error("Could not reach the server: {0}")]
    Network(String),
}

impl AppError {
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => S::UNAUTHORIZED,
            AppError::Forbidden => S::FORBIDDEN,
            AppError::Invalid(_) => S::BAD_REQUEST,
            AppError::NotFound(_) => S::NOT_FOUND,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::RateLimited => S::TOO_MANY_REQUESTS,
            AppError::Unavailable => S::SERVICE_UNAVAILABLE,
            AppError::Internal => S::INTERNAL_SERVER_ERROR,
            AppError::Network(_) => S::BAD_GATEWAY,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request body could not be decoded into the function's arguments.
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::Invalid(format!("Malformed request: {msg}"))
            }
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::Network(msg)
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function machinery failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }

    /// Encoding happens on the server inside the request's reactive owner, so this is the one
    /// place where every error passes: give the HTTP response the status that fits the error
    /// (server_fn would otherwise answer 500 for all of them).
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(self.status());
        }
        let json = serde_json::to_vec(self).unwrap_or_else(|_| br#"{"error":"internal"}"#.to_vec());
        Bytes::from(json)
    }
}
