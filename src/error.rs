//! What the client may see when something goes wrong.
//!
//! Every server function returns `Result<T, AppError>`. Internal causes (SQL,
//! file paths, store responses) are logged on the server where they happen and
//! reach the client only as [`AppError::Internal`], which carries no detail.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::Bytes;
use serde::{Deserialize, Serialize};

/// On the wire: `{"error": "<kind>", "message": "<sentence for people>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
pub enum AppError {
    /// No valid session: sign in first.
    #[error("You need to sign in.")]
    Unauthorized,
    /// Signed in, but this person's role (or this token's scope) does not allow it.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// Email or password wrong. One message for both, so nobody learns which accounts exist.
    #[error("Email or password is incorrect.")]
    InvalidCredentials,
    /// The request was understood but its content is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("{0} was not found.")]
    NotFound(String),
    /// A one-time thing that was used, revoked or has expired (an invitation link).
    #[error("{0}")]
    Gone(String),
    /// The request conflicts with the current state (a duplicate, a stale order…).
    #[error("{0}")]
    Conflict(String),
    /// A browser sent a state-changing request from another site (CSRF).
    #[error("Cross-site requests are refused.")]
    CrossSite,
    #[error("The request body is larger than {0} bytes.")]
    TooLarge(usize),
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
            AppError::CrossSite | AppError::Forbidden => S::FORBIDDEN,
            AppError::Gone(_) => S::GONE,
            AppError::TooLarge(_) => S::PAYLOAD_TOO_LARGE,
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

/// Outside server functions (middleware, the API guard): the same JSON body and status.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), axum::Json(self)).into_response()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ErrorBody {
    error: String,
    message: String,
}

impl AppError {
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Gone(_) => "gone",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Invalid(_) => "invalid",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::CrossSite => "cross_site",
            AppError::TooLarge(_) => "too_large",
            AppError::RateLimited => "rate_limited",
            AppError::Unavailable => "unavailable",
            AppError::Internal => "internal",
            AppError::Network(_) => "network",
        }
    }
}

impl From<AppError> for ErrorBody {
    fn from(e: AppError) -> Self {
        ErrorBody { error: e.kind().to_string(), message: e.to_string() }
    }
}

impl From<ErrorBody> for AppError {
    fn from(body: ErrorBody) -> Self {
        // Every answer the browser reads passes here: a session that ended (signed out
        // elsewhere, account disabled) sends the person to the sign-in page on their next action.
        #[cfg(feature = "hydrate")]
        if body.error == "unauthorized" {
            if let Some(window) = web_sys::window() {
                let _ = window.location().assign("/login");
            }
        }
        match body.error.as_str() {
            "unauthorized" => AppError::Unauthorized,
            "forbidden" => AppError::Forbidden,
            "gone" => AppError::Gone(body.message),
            "invalid_credentials" => AppError::InvalidCredentials,
            "invalid" => AppError::Invalid(body.message),
            // The message was built as "<what> was not found."; keep the <what>.
            "not_found" => AppError::NotFound(body.message.trim_end_matches(" was not found.").to_string()),
            "conflict" => AppError::Conflict(body.message),
            "cross_site" => AppError::CrossSite,
            "too_large" => AppError::Invalid(body.message),
            "rate_limited" => AppError::RateLimited,
            "unavailable" => AppError::Unavailable,
            "network" => AppError::Network(body.message),
            _ => AppError::Internal,
        }
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
            // On the server this is a body that is not the expected JSON; in the browser, an
            // answer that could not be read.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(msg) => AppError::Invalid(format!("Malformed request: {msg}")),
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(msg) => AppError::Network(msg),
            ServerFnErrorErr::Request(msg) => AppError::Network(msg),
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
        let json = serde_json::to_vec(self).unwrap_or_else(|_| br#"{"error":"internal","message":""}"#.to_vec());
        Bytes::from(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_round_trips_through_json_with_a_message() {
        for e in [
            AppError::Unauthorized,
            AppError::Forbidden,
            AppError::Gone("This invitation was already used.".into()),
            AppError::InvalidCredentials,
            AppError::Invalid("Name is empty.".into()),
            AppError::NotFound("Upload job".into()),
            AppError::Conflict("Already failed.".into()),
            AppError::Internal,
        ] {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["error"], e.kind());
            assert_eq!(json["message"], e.to_string());
            assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), e);
        }
    }

    #[test]
    fn internal_errors_carry_no_detail() {
        let json = serde_json::to_string(&AppError::Internal).unwrap();
        assert!(!json.contains("sql") && !json.contains('/'), "{json}");
    }
}
