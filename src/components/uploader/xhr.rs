//! One PUT of a file straight to the store with `XMLHttpRequest`: unlike `fetch`, it reports
//! upload progress. The bytes go from the browser to the bucket; the app never sees them.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Blob, ProgressEvent, XmlHttpRequest};

use crate::model::upload::PresignedRequest;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutResponse {
    pub status: u16,
    pub etag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError {
    /// The request never got an answer: offline, DNS, CORS, connection reset.
    Network,
    /// We cancelled it.
    Aborted,
    /// The browser would not even start it.
    Refused(String),
}

/// A PUT in flight: `abort()` it, or `.wait()` for its end.
pub struct Put {
    xhr: XmlHttpRequest,
    done: oneshot::Receiver<Result<PutResponse, PutError>>,
    // The event handlers must live as long as the request can still call them.
    _handlers: Vec<Closure<dyn FnMut(ProgressEvent)>>,
}

impl Put {
    pub fn abort_handle(&self) -> XmlHttpRequest {
        self.xhr.clone()
    }

    pub async fn wait(self) -> Result<PutResponse, PutError> {
        let result = self.done.await.unwrap_or(Err(PutError::Network));
        drop(self._handlers);
        result
    }
}

/// Starts the PUT of `body` (a file, or one part of it); `on_progress(bytes_sent)` is called as
/// the body goes out.
pub fn put_file(request: &PresignedRequest, body: &Blob, on_progress: impl Fn(u64) + 'static) -> Result<Put, PutError> {
    let refused = |e: wasm_bindgen::JsValue| PutError::Refused(format!("{e:?}"));
    let xhr = XmlHttpRequest::new().map_err(refused)?;
    xhr.open_with_async(&request.method, &request.url, true).map_err(refused)?;
    for (name, value) in &request.headers {
        xhr.set_request_header(name, value).map_err(refused)?;
    }

    let (tx, rx) = oneshot::channel();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let finish = move |result: Result<PutResponse, PutError>| {
        if let Some(tx) = tx.borrow_mut().take() {
            let _ = tx.send(result);
        }
    };

    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| on_progress(e.loaded() as u64));
    let on_load = {
        let xhr = xhr.clone();
        let finish = finish.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            let status = xhr.status().unwrap_or(0);
            let etag = xhr.get_response_header("ETag").ok().flatten();
            finish(if status == 0 { Err(PutError::Network) } else { Ok(PutResponse { status, etag }) });
        })
    };
    let on_error = {
        let finish = finish.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| finish(Err(PutError::Network)))
    };
    let on_abort = Closure::<dyn FnMut(ProgressEvent)>::new(move |_| finish(Err(PutError::Aborted)));

    let upload = xhr.upload().map_err(refused)?;
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    xhr.send_with_opt_blob(Some(body)).map_err(refused)?;

    Ok(Put { xhr, done: rx, _handlers: vec![progress, on_load, on_error, on_abort] })
}
