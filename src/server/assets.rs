//! The site's static files (`/pkg/*`, `favicon.svg`, `robots.txt`, `gallery.js`), read once at
//! start-up and served from memory: no file system, no blocking pool, no per-request
//! compression. Text files are kept gzipped too (and brotli'd, when the build left `.br` files
//! beside them). A file asked for with its content hash (`?v=…`, which [`Assets::url`] adds)
//! is immutable for a year; without it, it is revalidated with its ETag.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

/// Files larger than this are not kept in memory (the site has none; a guard, not a limit).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("public, no-cache");

struct Asset {
    content_type: HeaderValue,
    /// A short content hash: the `?v=` of its URL and its ETag.
    hash: String,
    etag: HeaderValue,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

#[derive(Default)]
pub struct Assets {
    by_path: HashMap<String, Asset>,
}

impl Assets {
    /// Everything in `site_root` and its `pkg_dir`, by URL path. A missing directory gives an
    /// empty set (the integration tests run without a built site).
    pub fn load(site_root: &Path, pkg_dir: &str) -> Assets {
        let mut by_path = HashMap::new();
        for (dir, prefix) in
            [(site_root.to_path_buf(), "/".to_string()), (site_root.join(pkg_dir), format!("/{pkg_dir}/"))]
        {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
                // Only the kinds of file a site has: a misconfigured root (say, the source tree)
                // publishes no `Cargo.toml` or `.env`.
                let servable = content_type_of(&path).is_some();
                if !servable || !path.is_file() || entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES) {
                    continue;
                }
                match load_file(&path) {
                    Ok(asset) => {
                        by_path.insert(format!("{prefix}{name}"), asset);
                    }
                    Err(e) => tracing::warn!(error = %e, path = %path.display(), "a static file could not be read"),
                }
            }
        }
        tracing::info!(files = by_path.len(), "static files in memory");
        Assets { by_path }
    }

    /// The URL to reference a file by: with its content hash, so it can be cached for ever.
    pub fn url(&self, path: &str) -> String {
        match self.by_path.get(path) {
            Some(asset) => format!("{path}?v={}", asset.hash),
            None => path.to_string(),
        }
    }

    /// The file at `path`, encoded as the request accepts, or `None` if there is no such file.
    pub fn respond(&self, path: &str, query: Option<&str>, headers: &HeaderMap) -> Option<Response> {
        let asset = self.by_path.get(path)?;
        let hashed = query.and_then(|q| q.strip_prefix("v=")).is_some_and(|v| v == asset.hash);
        let cache_control = if hashed { IMMUTABLE } else { REVALIDATE };
        let not_modified = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == asset.etag));
        let mut response = if not_modified {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            let accepts = accepted_encodings(headers);
            let (body, encoding) = match (&asset.brotli, &asset.gzip) {
                (Some(br), _) if accepts.brotli => (br.clone(), Some("br")),
                (_, Some(gz)) if accepts.gzip => (gz.clone(), Some("gzip")),
                _ => (asset.identity.clone(), None),
            };
            let mut response = Response::new(Body::from(body));
            if let Some(encoding) = encoding {
                response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
            }
            response.headers_mut().insert(header::CONTENT_TYPE, asset.content_type.clone());
            response
        };
        let out = response.headers_mut();
        out.insert(header::CACHE_CONTROL, cache_control);
        out.insert(header::ETAG, asset.etag.clone());
        if asset.gzip.is_some() || asset.brotli.is_some() {
            out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Some(response)
    }
}

fn load_file(path: &Path) -> std::io::Result<Asset> {
    let identity = std::fs::read(path)?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    identity.hash(&mut hasher);
    let hash = format!("{:016x}", hasher.finish());
    let content_type = content_type_of(path).unwrap_or("application/octet-stream");
    let compressible = is_text(content_type) || content_type == "application/wasm";
    // A compressed copy counts only if it is not older than the file (a build that does not
    // compress leaves the last one's copies behind).
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let sibling = |ext: &str| {
        let copy = std::path::PathBuf::from(format!("{}.{ext}", path.display()));
        let current = modified(&copy).zip(modified(path)).is_some_and(|(copy, file)| copy >= file);
        current.then(|| std::fs::read(&copy).ok().map(Bytes::from)).flatten()
    };
    let gzip = match sibling("gz") {
        Some(gz) => Some(gz),
        None if compressible => Some(gzip(&identity)?),
        None => None,
    };
    Ok(Asset {
        content_type: HeaderValue::from_static(content_type),
        etag: HeaderValue::from_str(&format!("\"{hash}\"")).unwrap_or(HeaderValue::from_static("\"\"")),
        hash,
        identity: Bytes::from(identity),
        gzip,
        brotli: sibling("br").filter(|_| compressible),
    })
}

fn gzip(bytes: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish().map(Bytes::from)
}

/// The type of a file the site may have; `None` for anything else (never served).
fn content_type_of(path: &Path) -> Option<&'static str> {
    Some(match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type == "image/svg+xml" || content_type.ends_with("+json")
}

struct Accepted {
    gzip: bool,
    brotli: bool,
}

/// Which encodings `Accept-Encoding` allows (`;q=0` refuses one).
fn accepted_encodings(headers: &HeaderMap) -> Accepted {
    let mut accepted = Accepted { gzip: false, brotli: false };
    for value in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
        for coding in value.split(',') {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused =
                parts.any(|p| p.trim().strip_prefix("q=").is_some_and(|q| q.trim().parse::<f32>() == Ok(0.0)));
            match name {
                "gzip" => accepted.gzip = !refused,
                "br" => accepted.brotli = !refused,
                "*" => {
                    accepted.gzip |= !refused;
                    accepted.brotli |= !refused;
                }
                _ => {}
            }
        }
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, Assets) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/app.css"), "body { color: red }".repeat(20)).unwrap();
        std::fs::write(dir.path().join("pkg/app.wasm.br"), b"brotli bytes").unwrap();
        std::fs::write(dir.path().join("pkg/app.wasm"), b"\0asm wasm bytes").unwrap();
        std::fs::write(dir.path().join("robots.txt"), "User-agent: *").unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]").unwrap();
        std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
        let assets = Assets::load(dir.path(), "pkg");
        (dir, assets)
    }

    fn accept(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn files_are_served_in_the_encoding_asked_for() {
        let (dir, assets) = site();
        let plain = assets.respond("/pkg/app.css", None, &HeaderMap::new()).unwrap();
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
        let gz = assets.respond("/pkg/app.css", None, &accept("gzip, deflate")).unwrap();
        assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
        let br = assets.respond("/pkg/app.wasm", None, &accept("gzip, br")).unwrap();
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br", "the build's .br is preferred");
        let refused = assets.respond("/pkg/app.css", None, &accept("gzip;q=0")).unwrap();
        assert!(refused.headers().get(header::CONTENT_ENCODING).is_none());
        assert!(assets.respond("/pkg/missing.css", None, &HeaderMap::new()).is_none());
        assert!(assets.respond("/pkg/app.wasm.br", None, &HeaderMap::new()).is_none(), "variants are not files");
        // A compressed copy older than its file (left by an earlier build) is not served for it.
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let copy = std::fs::File::options().write(true).open(dir.path().join("pkg/app.wasm.br")).unwrap();
        copy.set_modified(an_hour_ago).unwrap();
        let rebuilt = Assets::load(dir.path(), "pkg");
        let br = rebuilt.respond("/pkg/app.wasm", None, &accept("br")).unwrap();
        assert!(br.headers().get(header::CONTENT_ENCODING).is_none(), "a stale .br is ignored");
        assert!(assets.respond("/Cargo.toml", None, &HeaderMap::new()).is_none(), "only a site's kinds of file");
        assert!(assets.respond("/.env", None, &HeaderMap::new()).is_none());
    }

    #[test]
    fn hashed_urls_are_immutable_and_others_revalidate() {
        let (_dir, assets) = site();
        let url = assets.url("/robots.txt");
        let (path, query) = url.split_once('?').unwrap();
        let hashed = assets.respond(path, Some(query), &HeaderMap::new()).unwrap();
        assert_eq!(hashed.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let stale = assets.respond(path, Some("v=0000"), &HeaderMap::new()).unwrap();
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "public, no-cache", "an old hash is not for ever");
        let etag = hashed.headers()[header::ETAG].clone();
        let mut conditional = HeaderMap::new();
        conditional.insert(header::IF_NONE_MATCH, etag);
        assert_eq!(assets.respond(path, None, &conditional).unwrap().status(), StatusCode::NOT_MODIFIED);
    }
}
