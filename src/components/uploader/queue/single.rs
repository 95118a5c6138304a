//! A file in one PUT.

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::{now_ms, HashInFlight, Queue};
use crate::api::uploads::{begin_upload, fail_upload};
use crate::components::uploader::probes::{is_kind, send_poster};
use crate::components::uploader::xhr::{put_file, PutError};
use crate::components::uploader::{Phase, UploadItem};
use crate::model::upload::PresignedRequest;
use crate::model::MediaKind;

impl Queue {
    /// The whole file in one PUT to its presigned URL, with progress.
    pub(super) async fn send_single(
        &self,
        key: u64,
        item: UploadItem,
        file_id: Uuid,
        file: File,
        upload: PresignedRequest,
        hashing: Option<HashInFlight>,
    ) {
        item.phase.set(Phase::Uploading);
        item.loaded.set(0);
        item.error.set(None);
        // Telling the server first is only bookkeeping: a failure here must not stop the bytes.
        let _ = begin_upload(file_id).await;
        // Cancelled while the server was being told.
        if item.phase.get_untracked() != Phase::Uploading {
            return;
        }

        let video = if is_kind(&file, MediaKind::Video) { send_poster(file_id, &file).await } else { None };
        let state = self.state;
        let put = put_file(&upload, &file, move |sent| {
            item.loaded.set(sent);
            state.now.set(now_ms());
        });
        let put = match put {
            Ok(put) => put,
            Err(e) => {
                return self.failed(item, file_id, format!("the browser could not start the upload ({e:?})")).await
            }
        };
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.xhrs = vec![put.abort_handle()];
            entry.upload = None; // one URL, one attempt: a retry asks for a fresh one
        }
        let result = put.wait().await;
        if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
            entry.xhrs.clear();
        }
        self.state.now.set(now_ms());
        match result {
            Ok(response) if (200..300).contains(&response.status) => {
                self.finish(item, file_id, &file, response.etag, video, hashing).await
            }
            Ok(response) => {
                let reason = match response.status {
                    403 => {
                        "storage refused the upload (HTTP 403: the link expired or did not match the file)".to_string()
                    }
                    status => format!("storage answered HTTP {status}"),
                };
                self.failed(item, file_id, reason).await
            }
            Err(PutError::Aborted) => {
                let _ = fail_upload(file_id, "cancelled".into()).await;
                item.phase.set(Phase::Cancelled);
            }
            Err(PutError::Network) => {
                self.failed(item, file_id, "network error: the connection to storage was lost".into()).await
            }
            Err(PutError::Refused(detail)) => {
                self.failed(item, file_id, format!("the browser refused the upload ({detail})")).await
            }
        }
    }
}
