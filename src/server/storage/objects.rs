//! Calls the server itself makes on objects: checking a completion, serving originals, storing
//! renditions, deleting.

use super::{is_not_found, request_failed, ObjectHead, Storage, StorageError};
use crate::model::{ContentType, ObjectKey};

/// The size of the reads an object is streamed in.
const STREAM_CHUNK: usize = 256 * 1024;

/// An object streamed from the store.
pub struct StoredObject {
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub content_range: Option<String>,
    pub etag: Option<String>,
    pub body: axum::body::Body,
}

impl Storage {
    /// What the store holds at `key`, or `None` when nothing is there.
    pub async fn head(&self, key: &ObjectKey) -> Result<Option<ObjectHead>, StorageError> {
        match self.client.head_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(head) => Ok(Some(ObjectHead {
                size: head.content_length().and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                content_type: head.content_type().and_then(|t| ContentType::parse(t).ok()),
                etag: head.e_tag().map(str::to_string),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(request_failed(e)),
        }
    }

    /// The whole object in memory (the image origin's originals, which it caps in size).
    pub async fn get_bytes(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, StorageError> {
        match self.client.get_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(object) => {
                let bytes = object.body.collect().await.map_err(|e| StorageError::Request(e.to_string()))?;
                Ok(Some(bytes.into_bytes().to_vec()))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(request_failed(e)),
        }
    }

    /// What a HEAD says of an object plus its first `len` bytes, in one Range GET: the whole
    /// size comes from `Content-Range` (or, when the store sent the whole object, its length).
    pub async fn peek(&self, key: &ObjectKey, len: u64) -> Result<Option<(ObjectHead, Vec<u8>)>, StorageError> {
        let range = format!("bytes=0-{}", len.saturating_sub(1));
        match self.client.get_object().bucket(&self.bucket).key(key.as_str()).range(range).send().await {
            Ok(object) => {
                let total =
                    object.content_range().and_then(|r| r.rsplit_once('/')).and_then(|(_, t)| t.parse::<u64>().ok());
                let content_type = object.content_type().and_then(|t| ContentType::parse(t).ok());
                let etag = object.e_tag().map(str::to_string);
                let bytes = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| StorageError::Request(e.to_string()))?
                    .into_bytes()
                    .to_vec();
                let size = total.unwrap_or(bytes.len() as u64);
                Ok(Some((ObjectHead { size, content_type, etag }, bytes)))
            }
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(request_failed(e)),
        }
    }

    /// The object as a stream, honouring an HTTP `Range` header, for serving as it is.
    pub async fn get_stream(&self, key: &ObjectKey, range: Option<&str>) -> Result<Option<StoredObject>, StorageError> {
        let mut request = self.client.get_object().bucket(&self.bucket).key(key.as_str());
        if let Some(range) = range {
            request = request.range(range);
        }
        match request.send().await {
            Ok(object) => Ok(Some(StoredObject {
                content_type: object.content_type().map(str::to_string),
                content_length: object.content_length().and_then(|n| u64::try_from(n).ok()),
                content_range: object.content_range().map(str::to_string),
                etag: object.e_tag().map(str::to_string),
                // 256 KiB reads: a video or a ZIP of gigabytes moves in a few thousand chunks, not
                // a million of the reader's default 4 KiB.
                body: axum::body::Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                    object.body.into_async_read(),
                    STREAM_CHUNK,
                )),
            })),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(request_failed(e)),
        }
    }

    /// Stores bytes the server itself made (HLS renditions; uploads never come this way).
    pub async fn put_bytes(&self, key: &ObjectKey, content_type: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(request_failed)
    }

    /// Copies an object into a local file without holding it in memory; false if it is missing.
    pub async fn download(&self, key: &ObjectKey, to: &std::path::Path) -> Result<bool, StorageError> {
        let object = match self.client.get_object().bucket(&self.bucket).key(key.as_str()).send().await {
            Ok(object) => object,
            Err(e) if is_not_found(&e) => return Ok(false),
            Err(e) => return Err(request_failed(e)),
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
                .map_err(request_failed)?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    if let Ok(key) = ObjectKey::parse(key) {
                        self.delete(&key).await?;
                    }
                }
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(()),
            }
        }
    }

    /// Removes an object; removing one that is not there succeeds (S3 semantics).
    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map(|_| ())
            .map_err(request_failed)
    }
}

/// One object of a listing.
#[derive(Debug, Clone)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

/// A multipart upload the store holds open.
#[derive(Debug, Clone)]
pub struct OpenMultipart {
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<chrono::DateTime<chrono::Utc>>,
}

fn utc(t: &aws_sdk_s3::primitives::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

impl Storage {
    /// One page (up to 1,000) of the bucket's objects, and where the next page starts.
    pub async fn list_page(&self, after: Option<String>) -> Result<(Vec<Listed>, Option<String>), StorageError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_continuation_token(after)
            .send()
            .await
            .map_err(request_failed)?;
        let listed = page
            .contents()
            .iter()
            .filter_map(|o| {
                Some(Listed {
                    key: o.key()?.to_string(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    last_modified: o.last_modified().and_then(utc),
                })
            })
            .collect();
        let next =
            if page.is_truncated() == Some(true) { page.next_continuation_token().map(str::to_string) } else { None };
        Ok((listed, next))
    }

    /// Every multipart upload the store holds open (paged through).
    pub async fn open_multiparts(&self) -> Result<Vec<OpenMultipart>, StorageError> {
        let mut all = Vec::new();
        let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .set_key_marker(key_marker.clone())
                .set_upload_id_marker(id_marker.clone())
                .send()
                .await
                .map_err(request_failed)?;
            all.extend(page.uploads().iter().filter_map(|u| {
                Some(OpenMultipart {
                    key: u.key()?.to_string(),
                    upload_id: u.upload_id()?.to_string(),
                    initiated: u.initiated().and_then(utc),
                })
            }));
            if page.is_truncated() != Some(true) {
                return Ok(all);
            }
            key_marker = page.next_key_marker().map(str::to_string);
            id_marker = page.next_upload_id_marker().map(str::to_string);
            if key_marker.is_none() {
                return Ok(all);
            }
        }
    }
}
