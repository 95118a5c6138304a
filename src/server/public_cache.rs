//! Public pages (`/` and `/c/<slug>`) carry an `ETag` of their HTML and `Cache-Control:
//! public, no-cache`: a CDN or browser may keep them but asks each time, so publishing,
//! unpublishing or reordering shows on the very next request, and an unchanged page costs a 304.

use std::hash::{Hash, Hasher};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Pages are small; anything larger is passed through untouched rather than buffered.
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

fn is_public_page(method: &Method, path: &str) -> bool {
    method == Method::GET && (path == "/" || (path.starts_with("/c/") && path.len() > 3))
}

pub async fn etag_public_pages(request: Request, next: Next) -> Response {
    if !is_public_page(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "could not read a public page for its ETag");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // The page carries a fresh script nonce on every request; the content is what the tag is of.
    let html = String::from_utf8_lossy(&bytes);
    let content = match nonce_of(&html) {
        Some(nonce) if !nonce.is_empty() => html.replace(nonce, ""),
        _ => html.to_string(),
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    content.hash(&mut hasher);
    let etag = format!("\"p{:016x}\"", hasher.finish());
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    if if_none_match.is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn nonce_of(html: &str) -> Option<&str> {
    let start = html.find("nonce=\"")? + "nonce=\"".len();
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_pages_get_an_etag() {
        assert!(is_public_page(&Method::GET, "/"));
        assert!(is_public_page(&Method::GET, "/c/summer-camp"));
        assert!(!is_public_page(&Method::GET, "/c/"));
        assert!(!is_public_page(&Method::GET, "/library"));
        assert!(!is_public_page(&Method::POST, "/"));
    }

    #[test]
    fn the_nonce_is_found() {
        assert_eq!(nonce_of("<script nonce=\"abc123\">x</script>"), Some("abc123"));
        assert_eq!(nonce_of("<p>no scripts</p>"), None);
    }
}
