//! A big file in parts (S3 multipart): the parts the store already has are skipped, the rest
//! go `PARTS_IN_FLIGHT` at a time, each on a URL signed just before it is sent.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use leptos::prelude::*;
use uuid::Uuid;
use web_sys::File;

use super::{now_ms, HashInFlight, Queue};
use crate::api::uploads::{fail_upload, record_upload_part, sign_upload_part, upload_parts};
use crate::components::uploader::probes::{is_kind, send_poster};
use crate::components::uploader::xhr::{put_file, PutError};
use crate::components::uploader::{Phase, UploadItem};
use crate::model::MediaKind;

/// Parts of one multipart upload sent at once.
const PARTS_IN_FLIGHT: usize = 4;

/// Why the parts of an upload stopped.
enum PartsStopped {
    Cancelled,
    Failed(String),
}

impl Queue {
    /// A multipart upload: ask the store (through the server) which parts it has, send the
    /// others `PARTS_IN_FLIGHT` at a time, each on a URL signed just before, record each part as
    /// it lands, then complete.
    pub(super) async fn send_parts(
        &self,
        key: u64,
        item: UploadItem,
        file_id: Uuid,
        file: File,
        hashing: Option<HashInFlight>,
    ) {
        item.phase.set(Phase::Uploading);
        item.error.set(None);
        let progress = match upload_parts(file_id).await {
            Ok(progress) => progress,
            Err(e) => {
                return self.failed(item, file_id, format!("could not look up the parts already sent: {e}")).await
            }
        };
        let video = if is_kind(&file, MediaKind::Video) { send_poster(file_id, &file).await } else { None };
        let have: HashSet<u32> = progress.parts.iter().map(|p| p.number).collect();
        let missing: Rc<RefCell<VecDeque<u32>>> =
            Rc::new(RefCell::new((1..=progress.part_count).filter(|n| !have.contains(n)).collect()));
        let finished = Rc::new(Cell::new(progress.parts.iter().map(|p| p.size).sum::<u64>()));
        let sending: Rc<RefCell<HashMap<u32, u64>>> = Rc::default();
        let stopped: Rc<RefCell<Option<PartsStopped>>> = Rc::default();
        item.loaded.set(finished.get());
        let part_size = progress.part_size;
        let worker = || {
            let (queue, file, missing, finished, sending, stopped) =
                (self.clone(), file.clone(), missing.clone(), finished.clone(), sending.clone(), stopped.clone());
            async move {
                loop {
                    if stopped.borrow().is_some() || item.phase.get_untracked() != Phase::Uploading {
                        return;
                    }
                    let Some(number) = missing.borrow_mut().pop_front() else { return };
                    let start = u64::from(number - 1) * part_size;
                    let end = (start + part_size).min(item.size);
                    let result =
                        queue.send_part(key, item, file_id, &file, number, start, end, &finished, &sending).await;
                    match result {
                        Ok(()) => finished.set(finished.get() + (end - start)),
                        Err(why) => {
                            stopped.borrow_mut().get_or_insert(why);
                            return;
                        }
                    }
                }
            }
        };
        futures::future::join_all((0..PARTS_IN_FLIGHT).map(|_| worker())).await;
        let stopped = stopped.borrow_mut().take();
        self.state.now.set(now_ms());
        match stopped {
            None if item.phase.get_untracked() == Phase::Uploading => {
                self.finish(item, file_id, &file, None, video, hashing).await
            }
            None => {}
            Some(PartsStopped::Cancelled) => {
                let _ = fail_upload(file_id, "cancelled".into()).await;
                item.phase.set(Phase::Cancelled);
            }
            Some(PartsStopped::Failed(reason)) => {
                // The parts sent so far stay in the store: a retry of the page resumes from them.
                item.error.set(Some(reason));
                item.phase.set(Phase::Failed);
            }
        }
    }

    /// One part, bytes `start..end`. A URL that expired (403) is signed again once.
    #[allow(clippy::too_many_arguments)]
    async fn send_part(
        &self,
        key: u64,
        item: UploadItem,
        file_id: Uuid,
        file: &File,
        number: u32,
        start: u64,
        end: u64,
        finished: &Rc<Cell<u64>>,
        sending: &Rc<RefCell<HashMap<u32, u64>>>,
    ) -> Result<(), PartsStopped> {
        let body = file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| PartsStopped::Failed(format!("the browser could not read the file ({e:?})")))?;
        for attempt in 0..2 {
            let request = sign_upload_part(file_id, number)
                .await
                .map_err(|e| PartsStopped::Failed(format!("could not get a link for part {number}: {e}")))?;
            let state = self.state;
            let (finished_now, sending_now) = (finished.clone(), sending.clone());
            let put = put_file(&request, &body, move |sent| {
                sending_now.borrow_mut().insert(number, sent);
                item.loaded.set(finished_now.get() + sending_now.borrow().values().sum::<u64>());
                state.now.set(now_ms());
            })
            .map_err(|e| PartsStopped::Failed(format!("the browser could not start part {number} ({e:?})")))?;
            let handle = put.abort_handle();
            if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
                entry.xhrs.push(handle.clone());
            }
            let result = put.wait().await;
            if let Some(entry) = self.inner.borrow_mut().entries.get_mut(&key) {
                entry.xhrs.retain(|x| x != &handle);
            }
            sending.borrow_mut().remove(&number);
            match result {
                Ok(response) if (200..300).contains(&response.status) => {
                    let Some(etag) = response.etag else {
                        return Err(PartsStopped::Failed(
                            "storage did not show the part's ETag (its CORS rules must expose ETag)".into(),
                        ));
                    };
                    // Bookkeeping only (the store's list of parts is the truth when completing), so
                    // the next part does not wait for it.
                    leptos::task::spawn_local(async move {
                        let _ = record_upload_part(file_id, number, etag).await;
                    });
                    return Ok(());
                }
                Ok(response) if response.status == 403 && attempt == 0 => continue,
                Ok(response) => {
                    return Err(PartsStopped::Failed(format!(
                        "storage answered HTTP {} for part {number}",
                        response.status
                    )))
                }
                Err(PutError::Aborted) => {
                    // Not by the user (the page is unloading): leave the upload resumable.
                    let by_user = self.inner.borrow().entries.get(&key).is_some_and(|e| e.cancel_requested);
                    return Err(if by_user {
                        PartsStopped::Cancelled
                    } else {
                        PartsStopped::Failed("the upload was interrupted".into())
                    });
                }
                Err(PutError::Network) => {
                    return Err(PartsStopped::Failed("network error: the connection to storage was lost".into()))
                }
                Err(PutError::Refused(detail)) => {
                    return Err(PartsStopped::Failed(format!("the browser refused part {number} ({detail})")))
                }
            }
        }
        Err(PartsStopped::Failed(format!("storage refused part {number} twice (HTTP 403)")))
    }
}
