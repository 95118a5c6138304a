// Leptos views of whole pages are deeply nested types; a release (non-erased) build of the
// hydrate side needs more than the default depth to lay them out.
#![recursion_limit = "256"]

//! Vitrine: a self-hosted media library. The same crate is compiled twice: with `ssr` as the
//! server binary, with `hydrate` as the Wasm that brings the server-rendered pages to life.

pub mod api;
pub mod app;
pub mod cdn;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for tests and scripts: from here on, event handlers are live.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

/// The uploader's streaming SHA-256 of a file (hex; `null` if it cannot be read), exported so
/// that `make bench` times in Chromium exactly the code the uploader runs.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub async fn sha256_streaming(file: web_sys::File) -> wasm_bindgen::JsValue {
    components::uploader::sha256_streaming(&file)
        .await
        .map(wasm_bindgen::JsValue::from)
        .unwrap_or(wasm_bindgen::JsValue::NULL)
}
