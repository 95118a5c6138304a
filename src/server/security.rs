//! What every response carries for the browser's protection, and the cross-site check on
//! state-changing requests.
//!
//! Pages get a Content-Security-Policy that allows only this origin's scripts plus, on pages
//! that hydrate, the inline bootstrap scripts carrying this request's nonce; the browser may
//! send bytes only to this origin and the store (`connect-src`). Everything else (JSON, images,
//! originals) gets `default-src 'none'` and `sandbox`, so a file served from our origin can
//! never run as a page of it.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::server::state::AppState;

/// The Content-Security-Policy values, made once from the configuration.
pub struct Policies {
    /// Pages that do not hydrate (public pages, error pages): scripts from this origin only.
    static_page: HeaderValue,
    /// A hydrating page's policy, split where its nonce goes.
    around_nonce: (String, String),
    https: bool,
}

impl Policies {
    pub fn new(store_origin: &str, cdn_base_url: Option<&url::Url>, https: bool) -> Policies {
        let images = cdn_base_url.map_or(String::new(), |cdn| format!(" {}", cdn.origin().ascii_serialization()));
        let policy = |scripts: &str| {
            format!(
                "default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data: blob:{images}; media-src 'self' blob:{images}; connect-src 'self' {store_origin}; \
                 object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
            )
        };
        // wasm-bindgen instantiates the app's WebAssembly module.
        let hydrating = policy("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'");
        let (before, after) = hydrating.split_once("{nonce}").unwrap_or((&hydrating, ""));
        Policies {
            static_page: HeaderValue::from_str(&policy("'self'"))
                .unwrap_or(HeaderValue::from_static("default-src 'self'")),
            around_nonce: (before.to_string(), after.to_string()),
            https,
        }
    }

    fn hydrating_page(&self, nonce: &str) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!("{}{nonce}{}", self.around_nonce.0, self.around_nonce.1)).ok()
    }
}

/// Inside a page render (Leptos has made this response's nonce by then): the page's policy,
/// with the nonce if the page hydrates. Server-function calls have no nonce and get the
/// resource policy from `headers`.
pub fn set_page_policy(state: &AppState) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let public =
        use_context::<http::request::Parts>().is_some_and(|parts| crate::app::is_static_page(parts.uri.path()));
    let policy = if public {
        Some(state.policies.static_page.clone())
    } else {
        state.policies.hydrating_page(&nonce.to_string())
    };
    if let Some(value) = policy {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Anything that is not a page: nothing in it may run or load anything.
const RESOURCE_POLICY: HeaderValue = HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox");

/// Adds the headers every response carries. Pages rendered by Leptos set their own policy
/// (with the nonce) through `ResponseOptions`; this fills in whatever a response lacks.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let is_html =
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
        let policy = if is_html { state.policies.static_page.clone() } else { RESOURCE_POLICY };
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set_default(headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set_default(headers, HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    if state.policies.https {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Refuses state-changing requests a browser sent from another site. Browsers send `Origin` on
/// every cross-origin POST (and `Sec-Fetch-Site`); it must be this app's public origin or the
/// origin the request was addressed to. Requests with neither header come from scripts and
/// tools, which carry no ambient cookies a page could abuse.
pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    // A script's request with a token carries no cookie: no other site can make a browser send
    // it on someone's behalf, so there is nothing to forge.
    let bearer_only = crate::server::people::session::bearer_token(request.headers()).is_some()
        && !request.headers().contains_key(header::COOKIE);
    if !bearer_only && is_cross_site(request.headers(), &state.public_origin) {
        tracing::warn!(path = %request.uri().path(), origin = ?request.headers().get(header::ORIGIN), "cross-site request refused");
        return AppError::CrossSite.into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap, public_origin: &str) -> bool {
    match headers.get(header::ORIGIN).map(|v| v.to_str().unwrap_or("\u{0}")) {
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let addressed = origin.split_once("://").map(|(_, authority)| authority);
            origin != public_origin && (host.is_none() || addressed != host)
        }
        // No Origin: a browser would still say where the request came from.
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|site| site == "cross-site"),
    }
}

/// Largest request body the API reads: a batch of 10,000 file descriptions fits; anything
/// bigger is refused before it is buffered.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Refuses bodies over `MAX_BODY_BYTES` with a JSON 413: at once when `Content-Length` says so,
/// and while reading for a body that does not say its length.
pub async fn limit_body(request: Request, next: Next) -> Response {
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return AppError::TooLarge(MAX_BODY_BYTES).into_response();
    }
    let (parts, body) = request.into_parts();
    let limited = axum::body::Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES));
    next.run(Request::from_parts(parts, limited)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        let public = "https://media.example.com";
        assert!(!is_cross_site(&headers(&[("origin", "https://media.example.com")]), public));
        assert!(!is_cross_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]), public));
        assert!(!is_cross_site(&headers(&[]), public), "tools send no Origin");
        assert!(!is_cross_site(&headers(&[("sec-fetch-site", "same-origin")]), public));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example")]), public));
        assert!(is_cross_site(&headers(&[("origin", "https://evil.example"), ("host", "media.example.com")]), public));
        assert!(is_cross_site(&headers(&[("origin", "null"), ("host", "media.example.com")]), public));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")]), public));
    }
}
