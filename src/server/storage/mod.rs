//! The object store, seen from the app: one S3 client that presigns URLs for the browser and
//! makes the few calls the server itself needs. The same code talks to R2 in production and
//! to the embedded store by default: nothing here knows which one it is.

pub mod embedded;
mod multipart;
mod objects;

use std::time::Duration;

use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use url::Url;

use crate::model::upload::PresignedRequest;
use crate::model::{ContentType, ObjectKey};
use crate::server::clock::Clock;

pub use objects::StoredObject;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("could not presign: {0}")]
    Presign(String),
    #[error("store request failed: {0}")]
    Request(String),
}

/// Connection settings of an S3-compatible store.
#[derive(Debug, Clone)]
pub struct StoreEndpoint {
    pub endpoint: Url,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The facts of a stored object that a completion is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHead {
    pub size: u64,
    /// As the store says it; `None` if it says nothing we can read as a type.
    pub content_type: Option<ContentType>,
    pub etag: Option<String>,
}

pub(super) fn is_not_found<E>(e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
}

/// ETags arrive quoted from S3 (`"abc"`) and sometimes unquoted from browsers or scripts.
pub fn same_etag(a: &str, b: &str) -> bool {
    let bare = |s: &str| s.trim().trim_start_matches("W/").trim_matches('"').to_ascii_lowercase();
    bare(a) == bare(b)
}

#[derive(Debug, Clone)]
pub struct Storage {
    /// Calls the app makes itself (HEAD, ranged GET, multipart bookkeeping).
    client: Client,
    /// Signs URLs for browsers: the same keys, for the address browsers reach the store at
    /// (SigV4 signs the host, so it must be theirs).
    presigner: Client,
    bucket: String,
    endpoint: Url,
    browser_endpoint: Url,
    /// URLs are signed at this clock's time (tests sign them already expired).
    clock: Clock,
}

impl Storage {
    /// `browser_endpoint`: where browsers send bytes, when that is not where the app calls the
    /// store (the embedded store on the app's own origin, or behind a proxy of its own).
    pub fn new(store: StoreEndpoint, browser_endpoint: Option<Url>, clock: Clock) -> Self {
        let credentials = Credentials::new(store.access_key_id, store.secret_access_key, None, None, "vitrine-config");
        let http_client =
            aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
        let client_for = |endpoint: &Url| {
            let config = aws_sdk_s3::Config::builder()
                .endpoint_url(endpoint.as_str().trim_end_matches('/'))
                .region(Region::new(store.region.clone()))
                .credentials_provider(credentials.clone())
                // R2 and the embedded store both take path-style URLs; it also keeps the bucket
                // out of the host name, so one CORS origin covers every bucket.
                .force_path_style(true)
                .http_client(http_client.clone())
                .build();
            Client::from_conf(config)
        };
        let browser_endpoint = browser_endpoint.unwrap_or_else(|| store.endpoint.clone());
        Storage {
            client: client_for(&store.endpoint),
            presigner: client_for(&browser_endpoint),
            bucket: store.bucket,
            endpoint: store.endpoint,
            browser_endpoint,
            clock,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The origin browsers send object bytes to (for CORS and the CSP's connect-src).
    pub fn origin(&self) -> String {
        self.browser_endpoint.origin().ascii_serialization()
    }

    /// Where the app itself reaches the store (another instance can share it from there).
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// A GET URL of an original, for someone allowed to download it (`vitrine export`).
    pub async fn presign_get(&self, key: &ObjectKey, expires_in: Duration) -> Result<String, StorageError> {
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .presigned(self.presigning(expires_in)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(request.uri().to_string())
    }

    /// A PUT URL with Content-Type and Content-Length signed into it: the store refuses any
    /// other type or size with 403, so the browser cannot swap the file after we validated it.
    pub async fn presign_put(
        &self,
        key: &ObjectKey,
        content_type: &ContentType,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        self.presign_checked_put(key, content_type, content_length, None, expires_in).await
    }

    /// A presigned PUT that, given the content's SHA-256 (hex), carries it as the signed
    /// `x-amz-checksum-sha256` header: the store (S3, R2, the embedded one) then refuses bytes
    /// that do not match, so a corrupted upload never becomes an object.
    pub async fn presign_checked_put(
        &self,
        key: &ObjectKey,
        content_type: &ContentType,
        content_length: u64,
        sha256_hex: Option<&str>,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        let length = i64::try_from(content_length).map_err(|_| StorageError::Presign("size too large".into()))?;
        let checksum = sha256_hex.map(checksum_header).transpose()?;
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type.as_str())
            .content_length(length)
            .set_checksum_sha256(checksum)
            .presigned(self.presigning(expires_in)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(self.for_browser(&request, expires_in))
    }

    /// Signing starts at the app clock's now and lasts `expires_in`.
    fn presigning(&self, expires_in: Duration) -> Result<PresigningConfig, StorageError> {
        PresigningConfig::builder()
            .start_time(std::time::SystemTime::from(self.clock.now()))
            .expires_in(expires_in)
            .build()
            .map_err(|e| StorageError::Presign(e.to_string()))
    }

    /// Is the bucket reachable with our credentials? (`/healthz`)
    pub async fn check(&self) -> Result<(), StorageError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map(|_| ()).map_err(request_failed)
    }
}

impl Storage {
    /// A signed request as the browser sends it. Content-Length is set by the browser from the
    /// body; listing it would make XHR refuse the request ("unsafe header"), so only the other
    /// signed headers are passed on.
    fn for_browser(
        &self,
        request: &aws_sdk_s3::presigning::PresignedRequest,
        expires_in: Duration,
    ) -> PresignedRequest {
        PresignedRequest {
            method: request.method().to_string(),
            url: request.uri().to_string(),
            headers: request
                .headers()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            expires_at: self.clock.now() + chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::hours(1)),
        }
    }
}

/// A SHA-256 in hex as S3's checksum headers carry it: the 32 bytes in base64.
fn checksum_header(sha256_hex: &str) -> Result<String, StorageError> {
    use base64::Engine as _;
    let bytes = (0..sha256_hex.len())
        .step_by(2)
        .map(|i| sha256_hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .filter(|bytes| bytes.len() == 32)
        .ok_or_else(|| StorageError::Presign("not a SHA-256".into()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// A store error with the SDK's whole explanation, for the log.
pub(super) fn request_failed<E: std::error::Error + 'static, R: std::fmt::Debug>(
    e: aws_sdk_s3::error::SdkError<E, R>,
) -> StorageError {
    StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
}

#[cfg(test)]
mod tests {
    use super::{checksum_header, same_etag};

    #[test]
    fn a_hex_sha256_becomes_the_base64_the_checksum_header_carries() {
        // SHA-256 of the empty string.
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(checksum_header(hex).unwrap(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert!(checksum_header("abc").is_err());
        assert!(checksum_header(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn etags_compare_without_quotes_or_case() {
        assert!(same_etag("\"9b2cf535f27731c974343645a3985328\"", "9B2CF535F27731C974343645A3985328"));
        assert!(!same_etag("\"abc\"", "\"abd\""));
    }
}
