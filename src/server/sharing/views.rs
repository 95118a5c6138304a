//! A share link's view counter: one view is its page answered 200 to a `GET` (a password
//! prompt, a gone link or a `HEAD` is none), counted here once per request whatever the page
//! rendering does.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::server::state::AppState;

/// The token of a share page's path (`/s/<token>`), not of its upload page.
fn share_token(path: &str) -> Option<&str> {
    path.strip_prefix("/s/").filter(|token| !token.is_empty() && !token.contains('/'))
}

pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let token = (request.method() == Method::GET).then(|| share_token(request.uri().path())).flatten();
    let token = token.map(str::to_string);
    let response = next.run(request).await;
    if let (Some(token), StatusCode::OK) = (token, response.status()) {
        if let Err(e) = state.repo.count_share_view(&token).await {
            tracing::warn!(error = %e, "could not count a share link view");
        }
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_share_pages_count() {
        assert_eq!(super::share_token("/s/abc"), Some("abc"));
        assert_eq!(super::share_token("/s/abc/upload"), None);
        assert_eq!(super::share_token("/s/"), None);
        assert_eq!(super::share_token("/c/abc"), None);
    }
}
