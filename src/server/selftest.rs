//! The self-test behind `/admin/health` and `vitrine check`: the checks people otherwise debug
//! for days, each with what was found and the exact fix. The store is exercised as browsers
//! use it: a presigned PUT of a probe object to the address browsers are given, with this
//! site's `Origin`, after a CORS preflight; then the probe is read back and deleted.

use std::time::Duration;

use crate::model::selftest::{Check, Verdict};
use crate::model::{ContentType, ObjectKey};
use crate::server::state::AppState;

const TIMEOUT: Duration = Duration::from_secs(10);
/// More than this between the store's clock and ours breaks presigned URLs at their edges.
const MAX_SKEW_SECS: i64 = 60;

/// The CORS rule a bucket on its own origin needs, to paste into R2's or S3's settings.
pub fn cors_rule(origin: &str) -> String {
    format!(
        r#"[{{"AllowedOrigins":["{origin}"],"AllowedMethods":["PUT","GET","HEAD"],"AllowedHeaders":["content-type"],"ExposeHeaders":["ETag"],"MaxAgeSeconds":3600}}]"#
    )
}

/// Every check, in the order a person fixes things.
pub async fn run(state: &AppState) -> Vec<Check> {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).redirect(reqwest::redirect::Policy::none()).build() {
        Ok(client) => client,
        Err(e) => return vec![Check::fail("HTTP client", e.to_string(), "This is a bug; please report it.")],
    };
    let mut checks = vec![database(state).await, bucket(state).await];
    checks.extend(browser_path(state, &client).await);
    checks.push(cdn(state, &client).await);
    checks.push(cookies(state));
    checks.push(public_url(state, &client).await);
    checks.push(Check::skipped("CDN URL signing", "Vitrine does not sign CDN URLs, so no token key is needed."));
    checks
}

/// Whether any check failed (the exit status of `vitrine check`).
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.verdict == Verdict::Fail)
}

async fn database(state: &AppState) -> Check {
    const NAME: &str = "Database";
    if let Err(e) = state.repo.ping().await {
        return Check::fail(
            NAME,
            format!("not reachable: {e}"),
            "Check VITRINE_DATABASE_URL and that the database runs.",
        );
    }
    match state.repo.pending_migrations().await {
        Ok(0) => Check::ok(NAME, format!("reachable ({:?}), schema up to date", state.repo.backend())),
        Ok(n) => {
            Check::fail(NAME, format!("{n} migration(s) not applied"), "Restart Vitrine: it applies them at start.")
        }
        Err(e) => {
            Check::fail(NAME, format!("cannot read the schema version: {e}"), "Check the database user's rights.")
        }
    }
}

async fn bucket(state: &AppState) -> Check {
    const NAME: &str = "Bucket";
    match state.storage.check().await {
        Ok(()) => Check::ok(NAME, format!("'{}' reachable with the configured keys", state.storage.bucket())),
        Err(e) => Check::fail(
            NAME,
            format!("'{}' not reachable: {e}", state.storage.bucket()),
            "Check VITRINE_S3_ENDPOINT, VITRINE_S3_BUCKET and the key pair (it needs read, write and delete).",
        ),
    }
}

/// CORS preflight, a real presigned PUT with this site's `Origin`, the ETag visible to the
/// page, the store's clock; the probe is deleted afterwards.
async fn browser_path(state: &AppState, client: &reqwest::Client) -> Vec<Check> {
    const CORS: &str = "Uploads from browsers (CORS)";
    let origin = state.public_origin.clone();
    let same_origin = state.storage.origin() == origin;
    let key = ObjectKey::parse(&format!("selftest/{}.txt", uuid::Uuid::new_v4())).expect("a valid key");
    let body = "vitrine self-test probe";
    let text = ContentType::parse("text/plain").expect("a valid type");
    let presigned = match state.storage.presign_put(&key, &text, body.len() as u64, Duration::from_secs(300)).await {
        Ok(presigned) => presigned,
        Err(e) => return vec![Check::fail(CORS, format!("cannot sign a URL: {e}"), "Check the S3 keys.")],
    };
    let fix = format!("Give the bucket this CORS rule: {}", cors_rule(&origin));
    let mut checks = Vec::new();
    if !same_origin {
        let preflight = client
            .request(reqwest::Method::OPTIONS, &presigned.url)
            .header("origin", &origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type")
            .send()
            .await;
        let allowed = |r: &reqwest::Response, name: &str| {
            r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase()
        };
        match preflight {
            Err(e) => {
                return vec![Check::fail(
                    CORS,
                    format!("{} is not reachable from this server: {e}", state.storage.origin()),
                    "Check VITRINE_STORE_PUBLIC_URL or VITRINE_S3_ENDPOINT and the proxy in front of the store.",
                )]
            }
            Ok(r)
                if !(allowed(&r, "access-control-allow-origin") == origin.to_ascii_lowercase()
                    || allowed(&r, "access-control-allow-origin") == "*") =>
            {
                return vec![Check::fail(CORS, format!("the bucket does not allow {origin} to upload"), fix)];
            }
            Ok(r)
                if !allowed(&r, "access-control-allow-methods").contains("put")
                    || !(allowed(&r, "access-control-allow-headers").contains("content-type")
                        || allowed(&r, "access-control-allow-headers") == "*") =>
            {
                return vec![Check::fail(CORS, "the bucket does not allow PUT with a Content-Type", fix)];
            }
            Ok(_) => {}
        }
    }
    let mut put = client.put(&presigned.url).header("origin", &origin).body(body);
    for (name, value) in &presigned.headers {
        put = put.header(name, value);
    }
    let response = match put.send().await {
        Ok(response) => response,
        // On the app's own origin, this server not reaching its public address is no browser's
        // problem (NAT without hairpinning): the "Public URL" check says so as a warning.
        Err(e) if same_origin => {
            return vec![Check::warn(
                CORS,
                format!("this server cannot reach its own public address to try an upload: {e}"),
                "Use \"Test an upload from this browser\" on /admin/health to try it from where people are.",
            )]
        }
        Err(e) => {
            return vec![Check::fail(
                CORS,
                format!("a presigned PUT to {} failed: {e}", state.storage.origin()),
                "Check that this address reaches the store (VITRINE_PUBLIC_BASE_URL, VITRINE_STORE_PUBLIC_URL).",
            )]
        }
    };
    if !response.status().is_success() {
        let status = response.status();
        checks.push(Check::fail(
            CORS,
            format!("the store refused a presigned PUT: {status}"),
            if status == reqwest::StatusCode::FORBIDDEN {
                "SigV4 signs the host: a proxy must pass the Host header unchanged (nginx: proxy_set_header Host $http_host)."
            } else {
                "Check the store's logs."
            },
        ));
    } else if same_origin {
        checks.push(Check::skipped(CORS, format!("uploads go to this site's own origin ({origin}): no CORS involved")));
    } else {
        let exposed = response
            .headers()
            .get("access-control-expose-headers")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if exposed.split(',').any(|h| h.trim() == "etag" || h.trim() == "*") {
            checks.push(Check::ok(CORS, format!("{origin} may PUT with a Content-Type and read the ETag")));
        } else {
            checks.push(Check::fail(CORS, "the bucket does not expose the ETag header to pages", fix));
        }
    }
    checks.push(clock(state, &response));
    let _ = state.storage.delete(&key).await;
    checks
}

fn clock(state: &AppState, response: &reqwest::Response) -> Check {
    const NAME: &str = "Clock";
    let Some(date) = response.headers().get("date").and_then(|v| v.to_str().ok()) else {
        return Check::skipped(NAME, "the store sent no Date header to compare with");
    };
    let Ok(theirs) = chrono::DateTime::parse_from_rfc2822(date) else {
        return Check::skipped(NAME, format!("the store's Date header is unreadable: {date}"));
    };
    let skew = (state.clock.now() - theirs.with_timezone(&chrono::Utc)).num_seconds();
    if skew.abs() <= MAX_SKEW_SECS {
        Check::ok(NAME, format!("within {}s of the store's", skew.abs()))
    } else {
        Check::fail(
            NAME,
            format!("{skew}s apart from the store's: presigned URLs fail near their start or end"),
            "Run a time service on this server (systemd-timesyncd or chrony).",
        )
    }
}

/// The image CDN (or the local origin) answers a resized probe with the width asked for.
async fn cdn(state: &AppState, client: &reqwest::Client) -> Check {
    const NAME: &str = "Image resizing";
    let key = ObjectKey::parse(&format!("selftest/{}.png", uuid::Uuid::new_v4())).expect("a valid key");
    let mut png = Vec::new();
    let image = image::RgbImage::from_pixel(128, 96, image::Rgb([40, 120, 200]));
    if let Err(e) =
        image::DynamicImage::ImageRgb8(image).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    {
        return Check::fail(NAME, format!("cannot make a probe image: {e}"), "This is a bug; please report it.");
    }
    if let Err(e) = state.storage.put_bytes(&key, "image/png", png).await {
        return Check::fail(NAME, format!("cannot store a probe image: {e}"), "See the bucket check.");
    }
    let url = state
        .delivery
        .for_page(crate::server::delivery::Audience::Library, state.clock.now())
        .image(&key, &crate::cdn::Transform::width(64));
    let result = client.get(&url).send().await;
    let _ = state.storage.delete(&key).await;
    let served_by = if state.cdn_base_url.is_some() { "the CDN" } else { "the local image origin" };
    let fix =
        "Check VITRINE_CDN_BASE_URL: its origin must be this bucket (or Vitrine's /cdn), and resizing by ?width= on; \
         with token authentication on, VITRINE_CDN_TOKEN_KEY must be the zone's key.";
    match result {
        Err(e) => Check::fail(NAME, format!("{url} did not answer: {e}"), fix),
        Ok(r) if !r.status().is_success() => Check::fail(NAME, format!("{url} answered {}", r.status()), fix),
        Ok(r) => match r.bytes().await.ok().and_then(|b| imagesize::blob_size(&b).ok()) {
            Some(size) if size.width == 64 => Check::ok(NAME, format!("{served_by} resized a probe to 64 px wide")),
            Some(size) => Check::fail(NAME, format!("asked for 64 px wide, got {} px from {url}", size.width), fix),
            None => Check::fail(NAME, format!("{url} did not answer with an image"), fix),
        },
    }
}

fn cookies(state: &AppState) -> Check {
    const NAME: &str = "Session cookies";
    let host = state.public_base_url.host_str().unwrap_or_default();
    let local = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if state.public_base_url.scheme() == "https" {
        Check::ok(NAME, "Secure (the public URL is https)")
    } else if local {
        Check::skipped(NAME, "not Secure: fine while only this machine uses it")
    } else {
        Check::warn(
            NAME,
            format!("not Secure: passwords and sessions travel unencrypted to {}", state.public_base_url),
            "Put Vitrine behind a TLS proxy (see the README) and set VITRINE_PUBLIC_BASE_URL=https://…",
        )
    }
}

/// The public URL leads back here (through the proxy, if there is one).
async fn public_url(state: &AppState, client: &reqwest::Client) -> Check {
    const NAME: &str = "Public URL";
    let url = format!("{}healthz", state.public_base_url);
    match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => Check::ok(NAME, format!("{} answers", state.public_base_url)),
        Ok(r) => Check::warn(NAME, format!("{url} answered {}", r.status()), "Check the proxy's upstream address."),
        Err(e) => Check::warn(
            NAME,
            format!("{url} is not reachable from this server: {e}"),
            "Set VITRINE_PUBLIC_BASE_URL to the address people use; some networks cannot reach their own public address from inside, which is harmless.",
        ),
    }
}
