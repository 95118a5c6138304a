//! The object store, seen from the app: one S3 client that presigns URLs for the browser and
//! makes the few calls the server itself needs. The same code talks to R2 in production and
//! to the embedded store by default: nothing here knows which one it is.

pub mod embedded;

use std::time::Duration;

use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use url::Url;

use crate::model::upload::PresignedRequest;

/// How long the browser may use an upload URL.
pub const UPLOAD_URL_TTL: Duration = Duration::from_secs(60 * 60);

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
    pub content_type: Option<String>,
    pub etag: Option<String>,
}

/// A part the store holds for a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub number: u32,
    pub etag: String,
    pub size: u64,
}

/// An object streamed from the store.
pub struct StoredObject {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub content_range: Option<String>,
    pub etag: Option<String>,
    pub body: axum::body::Body,
}

fn is_not_found<E>(e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
}

/// ETags arrive quoted from S3 (`"abc"`) and sometimes unquoted from browsers or scripts.
pub fn same_etag(a: &str, b: &str) -> bool {
    let bare = |s: &str| s.trim().trim_start_matches("W/").trim_matches('"').to_ascii_lowercase();
    bare(a) == bare(b)
}

#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
    bucket: String,
    endpoint: Url,
}

impl Storage {
    pub fn new(store: StoreEndpoint) -> Self {
        let credentials =
            Credentials::new(store.access_key_id, store.secret_access_key, None, None, "vitrine-config");
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let config = aws_sdk_s3::Config::builder()
            .endpoint_url(store.endpoint.as_str().trim_end_matches('/'))
            .region(Region::new(store.region))
            .credentials_provider(credentials)
            // R2 and the embedded store both take path-style URLs; it also keeps the bucket out
            // of the host name, so one CORS origin covers every bucket.
            .force_path_style(true)
            .http_client(http_client)
            .build();
        Storage { client: Client::from_conf(config), bucket: store.bucket, endpoint: store.endpoint }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The origin browsers send object bytes to (for CORS and the CSP's connect-src).
    pub fn origin(&self) -> String {
        self.endpoint.origin().ascii_serialization()
    }

    /// A PUT URL with Content-Type and Content-Length signed into it: the store refuses any
    /// other type or size with 403, so the browser cannot swap the file after we validated it.
    pub async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        let length = i64::try_from(content_length).map_err(|_| StorageError::Presign("size too large".into()))?;
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|e| StorageError::Presign(e.to_string()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(presigning)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(for_browser(&request, expires_in))
    }

    /// A GET URL for one object (tests and, later, the local image origin).
    pub async fn presign_get(&self, key: &str, expires_in: Duration) -> Result<PresignedRequest, StorageError> {
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|e| StorageError::Presign(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(PresignedRequest {
            method: request.method().to_string(),
            url: request.uri().to_string(),
            headers: vec![],
            expires_at: expiry_time(expires_in),
        })
    }

    /// What the store holds at `key`, or `None` when nothing is there.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StorageError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(head) => Ok(Some(ObjectHead {
                size: head.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                content_type: head.content_type().map(str::to_string),
                etag: head.e_tag().map(str::to_string),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    /// The whole object in memory (the image origin's originals, which it caps in size).
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(object) => {
                let bytes = object.body.collect().await.map_err(|e| StorageError::Request(e.to_string()))?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    /// What a HEAD says of an object plus its first `len` bytes, in one Range GET: the whole
    /// size comes from `Content-Range` (or, when the store sent the whole object, its length).
    pub async fn peek(&self, key: &str, len: u64) -> Result<Option<(ObjectHead, Vec<u8>)>, StorageError> {
        let range = format!("bytes=0-{}", len.saturating_sub(1));
        match self.client.get_object().bucket(&self.bucket).key(key).range(range).send().await {
            Ok(object) => {
                let total = object.content_range().and_then(|r| r.rsplit_once('/')).and_then(|(_, t)| t.parse::<u64>().ok());
                let content_type = object.content_type().map(str::to_string);
                let etag = object.e_tag().map(str::to_string);
                let bytes = object.body.collect().await.map_err(|e| StorageError::Request(e.to_string()))?.into_bytes().to_vec();
                let size = total.unwrap_or(bytes.len() as u64);
                Ok(Some((ObjectHead { size, content_type, etag }, bytes)))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    /// The object as a stream, honouring an HTTP `Range` header, for serving as it is.
    pub async fn get_stream(&self, key: &str, range: Option<&str>) -> Result<Option<StoredObject>, StorageError> {
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(range) = range {
            request = request.range(range);
        }
        match request.send().await {
            Ok(object) => Ok(Some(StoredObject {
                content_type: object.content_type().map(str::to_string),
                content_length: object.content_length().and_then(|n| u64::try_from(n).ok()),
                content_range: object.content_range().map(str::to_string),
                etag: object.e_tag().map(str::to_string),
                body: axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(object.body.into_async_read())),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    /// Stores bytes the server itself made (HLS renditions; uploads never come this way).
    pub async fn put_bytes(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))
    }

    /// Copies an object into a local file without holding it in memory; false if it is missing.
    pub async fn download(&self, key: &str, to: &std::path::Path) -> Result<bool, StorageError> {
        let object = match self.client.get_object().bucket(&self.bucket).key(key).send().await {
            Ok(object) => object,
            Err(e) if is_not_found(&e) => return Ok(false),
            Err(e) => return Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        };
        let mut file = tokio::fs::File::create(to).await.map_err(|e| StorageError::Request(e.to_string()))?;
        let mut body = object.body.into_async_read();
        tokio::io::copy(&mut body, &mut file).await.map_err(|e| StorageError::Request(e.to_string()))?;
        Ok(true)
    }

    /// Removes every object under `prefix` (a video's HLS renditions).
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), StorageError> {
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_continuation_token(token.clone())
                .send()
                .await
                .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    self.delete(key).await?;
                }
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(()),
            }
        }
    }

    /// Removes an object; removing one that is not there succeeds (S3 semantics).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))
    }

    // --- multipart uploads (files above the multipart threshold) ---

    /// Starts a multipart upload of `key` with its content type; the store's upload id.
    pub async fn create_multipart(&self, key: &str, content_type: &str) -> Result<String, StorageError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
        created.upload_id().map(str::to_string).ok_or_else(|| StorageError::Request("no upload id in the answer".into()))
    }

    /// A PUT URL for one part, its length signed in like a single upload's.
    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        let length = i64::try_from(content_length).map_err(|_| StorageError::Presign("size too large".into()))?;
        let number = i32::try_from(part_number).map_err(|_| StorageError::Presign("part number too large".into()))?;
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|e| StorageError::Presign(e.to_string()))?;
        let request = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(length)
            .presigned(presigning)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(for_browser(&request, expires_in))
    }

    /// The parts the store holds for an upload, by number; `None` if the upload is gone
    /// (completed or aborted).
    pub async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Option<Vec<StoredPart>>, StorageError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut request = self.client.list_parts().bucket(&self.bucket).key(key).upload_id(upload_id);
            if let Some(marker) = &marker {
                request = request.part_number_marker(marker);
            }
            let page = match request.send().await {
                Ok(page) => page,
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
            };
            for part in page.parts() {
                let (Some(number), Some(etag)) = (part.part_number(), part.e_tag()) else { continue };
                parts.push(StoredPart {
                    number: u32::try_from(number).unwrap_or(0),
                    etag: etag.to_string(),
                    size: part.size().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                });
            }
            match (page.is_truncated(), page.next_part_number_marker()) {
                (Some(true), Some(next)) => marker = Some(next.to_string()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(Some(parts))
    }

    /// Joins the parts into the object. `parts` are (number, ETag), in order.
    pub async fn complete_multipart(&self, key: &str, upload_id: &str, parts: &[(u32, String)]) -> Result<(), StorageError> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|(number, etag)| CompletedPart::builder().part_number(*number as i32).e_tag(etag).build())
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))
    }

    /// Discards an upload and every part sent for it; one already gone is fine.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        match self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload_id).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string())),
        }
    }

    /// Is the bucket reachable with our credentials? (`/healthz`)
    pub async fn check(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StorageError::Request(aws_sdk_s3::error::DisplayErrorContext(e).to_string()))
    }
}

/// A signed request as the browser sends it. Content-Length is set by the browser from the
/// body; listing it would make XHR refuse the request ("unsafe header"), so only the other
/// signed headers are passed on.
fn for_browser(request: &aws_sdk_s3::presigning::PresignedRequest, expires_in: Duration) -> PresignedRequest {
    PresignedRequest {
        method: request.method().to_string(),
        url: request.uri().to_string(),
        headers: request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect(),
        expires_at: expiry_time(expires_in),
    }
}

fn expiry_time(expires_in: Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::same_etag;

    #[test]
    fn etags_compare_without_quotes_or_case() {
        assert!(same_etag("\"9b2cf535f27731c974343645a3985328\"", "9B2CF535F27731C974343645A3985328"));
        assert!(!same_etag("\"abc\"", "\"abd\""));
    }
}
