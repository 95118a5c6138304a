//! Public pages (`/` and `/c/<slug>`) carry an `ETag` of their HTML and `Cache-Control:
//! public, no-cache`: a CDN or browser may keep them but asks each time, so publishing,
//! unpublishing or reordering shows on the very next request, and an unchanged page costs a 304.
//!
//! A gallery's rendering is also kept in memory, keyed on its slug, with the collection's
//! `content_version` it was rendered at. It is served without asking the database while this
//! instance has heard of no content change since it was last confirmed (`db::ContentChanges`:
//! changes made here count at once, other instances' arrive by PostgreSQL `NOTIFY`) and for at
//! most `CONFIRM_AFTER`; then the version is looked up again (one indexed query) and the page is
//! kept if it is still current, rendered again if not. So a change shows on this instance at
//! once, on the others as soon as the notification arrives (milliseconds), and never later than
//! `CONFIRM_AFTER` even if a notification is lost.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::state::AppState;

/// Pages are small; anything larger is passed through untouched rather than buffered.
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// Memory the rendered galleries may take on one instance (least recently used go first).
const GALLERY_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The longest a cached gallery is served without confirming it against the database: the
/// bound on staleness when a change notification from another instance is lost.
pub const CONFIRM_AFTER: chrono::Duration = chrono::Duration::seconds(5);

/// Renderings of published galleries, by slug.
pub struct GalleryPages {
    pages: quick_cache::sync::Cache<String, Arc<CachedPage>, PageWeight>,
}

struct CachedPage {
    /// The `content_version` the page was rendered at (or later: it is read before rendering).
    version: i64,
    /// The day its delivery URLs were signed in (`Delivery::public_epoch`): a page is rendered
    /// again when the day turns, long before its URLs expire.
    epoch: i64,
    headers: HeaderMap,
    body: Bytes,
    /// The same page gzipped, made once when cached (a 100-image gallery: ~265 KB → ~20 KB).
    gzip: Option<Bytes>,
    etag: HeaderValue,
    /// When the version was last confirmed: the content generation then, and the time (ms).
    confirmed_generation: AtomicU64,
    confirmed_at_ms: AtomicI64,
}

impl CachedPage {
    /// Still current without asking the database: nothing changed since it was confirmed, and
    /// not too long ago.
    fn is_fresh(&self, generation: u64, now_ms: i64) -> bool {
        self.confirmed_generation.load(Ordering::Acquire) == generation
            && now_ms - self.confirmed_at_ms.load(Ordering::Acquire) < CONFIRM_AFTER.num_milliseconds()
    }

    fn confirm(&self, generation: u64, now_ms: i64) {
        self.confirmed_generation.store(generation, Ordering::Release);
        self.confirmed_at_ms.store(now_ms, Ordering::Release);
    }
}

#[derive(Clone)]
struct PageWeight;

impl quick_cache::Weighter<String, Arc<CachedPage>> for PageWeight {
    fn weight(&self, slug: &String, page: &Arc<CachedPage>) -> u64 {
        (slug.len() + page.body.len() + page.gzip.as_ref().map_or(0, Bytes::len) + 512) as u64
    }
}

impl Default for GalleryPages {
    fn default() -> Self {
        // quick_cache sizes its tables from an estimate of the item count.
        GalleryPages { pages: quick_cache::sync::Cache::with_weighter(1024, GALLERY_CACHE_BYTES, PageWeight) }
    }
}

fn is_public_page(method: &Method, path: &str) -> bool {
    method == Method::GET && crate::app::is_public_path(path)
}

/// The slug of a gallery path, if it is one the cache can hold (slugs are `[a-z0-9-]`).
fn gallery_slug(path: &str) -> Option<&str> {
    let slug = path.strip_prefix("/c/")?;
    (!slug.is_empty()
        && slug.len() <= 200
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    .then_some(slug)
}

pub async fn public_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_public_page(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let accepts_gzip = accepts_gzip(request.headers());
    let slug = gallery_slug(request.uri().path()).map(str::to_string);
    // Read before anything else: a change after this point makes the page unconfirmed.
    let generation = state.changes.current();
    let now_ms = state.clock.now().timestamp_millis();
    let cached = slug.as_ref().and_then(|slug| state.gallery_pages.pages.get(slug));
    let epoch = state.delivery.public_epoch(state.clock.now());
    let cached = cached.filter(|page| page.epoch == epoch);
    if let Some(page) = cached.as_ref().filter(|page| page.is_fresh(generation, now_ms)) {
        return serve(page, accepts_gzip, if_none_match.as_deref());
    }
    // The version is read before rendering, so a page stored under it is at least that new.
    let version = match &slug {
        Some(slug) => state.repo.published_version(slug).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "gallery version lookup failed; rendering without the cache");
            None
        }),
        None => None,
    };
    if let Some(page) = cached.filter(|page| Some(page.version) == version) {
        page.confirm(generation, now_ms);
        return serve(&page, accepts_gzip, if_none_match.as_deref());
    }

    // The page is rendered plain and encoded here: the compression layer further in must not
    // gzip what this function reads, strips and caches.
    let mut request = request;
    request.headers_mut().remove(header::ACCEPT_ENCODING);
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_PAGE_BYTES).await {
        Ok(bytes) => without_hydration_data(bytes),
        Err(e) => {
            tracing::error!(error = %e, "could not read a public page for its ETag");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if parts.status != StatusCode::OK {
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::from(bytes));
    }
    let etag = etag_of(&bytes);
    parts.headers.remove(header::SET_COOKIE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let (Some(slug), Some(version)) = (slug, version) else {
        // Not cached (the front page): gzipped per request for clients that take it.
        let body = match accepts_gzip.then(|| gzip(&bytes)).flatten() {
            Some(packed) => Encoded::Gzip(packed),
            None => Encoded::Identity(bytes),
        };
        return respond(parts.headers, body, etag, if_none_match.as_deref());
    };
    let page = Arc::new(CachedPage {
        version,
        epoch,
        gzip: gzip(&bytes),
        headers: parts.headers,
        body: bytes,
        etag,
        confirmed_generation: AtomicU64::new(generation),
        confirmed_at_ms: AtomicI64::new(now_ms),
    });
    state.gallery_pages.pages.insert(slug, page.clone());
    serve(&page, accepts_gzip, if_none_match.as_deref())
}

/// A cached page as this request takes it.
fn serve(page: &CachedPage, accepts_gzip: bool, if_none_match: Option<&str>) -> Response {
    let body = match (&page.gzip, accepts_gzip) {
        (Some(gzip), true) => Encoded::Gzip(gzip.clone()),
        _ => Encoded::Identity(page.body.clone()),
    };
    respond(page.headers.clone(), body, page.etag.clone(), if_none_match)
}

/// Leptos appends its hydration data after `</html>` as inline scripts (resource results and
/// the bootstrap of the reactive system). Public pages do not hydrate, so those scripts would
/// be dead weight, and inline scripts their Content-Security-Policy does not allow.
fn without_hydration_data(page: Bytes) -> Bytes {
    const END: &[u8] = b"</html>";
    match page.windows(END.len()).rposition(|w| w == END) {
        Some(at) => page.slice(..at + END.len()),
        None => page,
    }
}

/// Whether `Accept-Encoding` allows gzip (`gzip;q=0` refuses it).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case("gzip") || name == "*") && q > 0.0
        },
    )
}

enum Encoded {
    Identity(Bytes),
    Gzip(Bytes),
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 8), flate2::Compression::default());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn respond(mut headers: HeaderMap, body: Encoded, etag: HeaderValue, if_none_match: Option<&str>) -> Response {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Each encoding is its own representation with its own strong tag.
    let etag = match &body {
        Encoded::Gzip(_) => {
            let tag = etag.to_str().unwrap_or_default().trim_end_matches('"');
            HeaderValue::from_str(&format!("{tag}-gz\"")).unwrap_or(etag)
        }
        Encoded::Identity(_) => etag,
    };
    let matches = if_none_match.is_some_and(|v| {
        v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag.to_str().unwrap_or_default())
    });
    headers.insert(header::ETAG, etag);
    if matches {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        *response.headers_mut() = headers;
        return response;
    }
    let body = match body {
        Encoded::Gzip(bytes) => {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            bytes
        }
        Encoded::Identity(bytes) => bytes,
    };
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    response
}

/// A strong tag of the page's content. Public pages carry no per-request values (no session,
/// no script nonce: they do not hydrate), so equal pages hash equal.
fn etag_of(bytes: &[u8]) -> HeaderValue {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"p{:016x}\"", hasher.finish()))
        .unwrap_or_else(|_| HeaderValue::from_static("\"p\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_pages_get_an_etag() {
        assert!(is_public_page(&Method::GET, "/"));
        assert!(is_public_page(&Method::GET, "/c/summer-camp"));
        assert!(!is_public_page(&Method::GET, "/c/"));
        assert!(!is_public_page(&Method::GET, "/c/summer-camp/download"), "the team downloads any collection");
        assert!(!is_public_page(&Method::GET, "/library"));
        assert!(!is_public_page(&Method::POST, "/"));
    }

    #[test]
    fn only_well_formed_slugs_are_cached() {
        assert_eq!(gallery_slug("/c/summer-camp-2024"), Some("summer-camp-2024"));
        assert_eq!(gallery_slug("/c/Summer"), None);
        assert_eq!(gallery_slug("/c/a%2Fb"), None);
        assert_eq!(gallery_slug("/c/"), None);
        assert_eq!(gallery_slug("/library"), None);
    }

    #[test]
    fn gzip_is_sent_only_when_accepted() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.5"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let page = "<li>item</li>".repeat(1000);
        let packed = gzip(page.as_bytes()).unwrap();
        assert!(packed.len() < page.len() / 10);
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&packed[..]).read_to_string(&mut unpacked).unwrap();
        assert_eq!(unpacked, page);
    }

    #[test]
    fn hydration_data_after_the_document_is_dropped() {
        let page = Bytes::from_static(
            b"<html><body><p>hi</p></body></html><!><script nonce=\"n\">__RESOLVED_RESOURCES=[];</script>",
        );
        assert_eq!(&without_hydration_data(page)[..], b"<html><body><p>hi</p></body></html>");
        assert_eq!(&without_hydration_data(Bytes::from_static(b"{}"))[..], b"{}");
    }

    #[test]
    fn equal_pages_have_equal_tags() {
        assert_eq!(etag_of(b"<p>a</p>"), etag_of(b"<p>a</p>"));
        assert_ne!(etag_of(b"<p>a</p>"), etag_of(b"<p>b</p>"));
    }
}
