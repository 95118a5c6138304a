//! Multipart uploads (files above the multipart threshold): started and joined by the
//! server, each part signed for the browser.

use std::time::Duration;

use super::{is_not_found, request_failed, Storage, StorageError};
use crate::model::upload::{PresignedRequest, UploadPart};
use crate::model::{ContentType, ObjectKey};

impl Storage {
    /// Starts a multipart upload of `key` with its content type; the store's upload id.
    pub async fn create_multipart(&self, key: &ObjectKey, content_type: &ContentType) -> Result<String, StorageError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type.as_str())
            .send()
            .await
            .map_err(request_failed)?;
        created
            .upload_id()
            .map(str::to_string)
            .ok_or_else(|| StorageError::Request("no upload id in the answer".into()))
    }

    /// A PUT URL for one part, its length signed in like a single upload's.
    pub async fn presign_part(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        part_number: u32,
        content_length: u64,
        expires_in: Duration,
    ) -> Result<PresignedRequest, StorageError> {
        let length = i64::try_from(content_length).map_err(|_| StorageError::Presign("size too large".into()))?;
        let number = i32::try_from(part_number).map_err(|_| StorageError::Presign("part number too large".into()))?;
        let request = self
            .presigner
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .part_number(number)
            .content_length(length)
            .presigned(self.presigning(expires_in)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(self.for_browser(&request, expires_in))
    }

    /// The parts the store holds for an upload, by number; `None` if the upload is gone
    /// (completed or aborted).
    pub async fn list_parts(&self, key: &ObjectKey, upload_id: &str) -> Result<Option<Vec<UploadPart>>, StorageError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let mut request = self.client.list_parts().bucket(&self.bucket).key(key.as_str()).upload_id(upload_id);
            if let Some(marker) = &marker {
                request = request.part_number_marker(marker);
            }
            let page = match request.send().await {
                Ok(page) => page,
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(request_failed(e)),
            };
            for part in page.parts() {
                let (Some(number), Some(etag)) = (part.part_number(), part.e_tag()) else { continue };
                parts.push(UploadPart {
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
    pub async fn complete_multipart(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        parts: &[(u32, String)],
    ) -> Result<(), StorageError> {
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
            .key(key.as_str())
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map(|_| ())
            .map_err(request_failed)
    }

    /// Discards an upload and every part sent for it; one already gone is fine.
    pub async fn abort_multipart(&self, key: &ObjectKey, upload_id: &str) -> Result<(), StorageError> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            Err(e) => Err(request_failed(e)),
        }
    }
}
