//! `/s/<token>/upload`: a file request. Someone without an account sends files into a
//! collection's inbox through the same direct-to-bucket uploader the team uses; the team
//! reviews them before anything is shown anywhere.

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::api::shares::open_file_request;
use crate::components::uploader::Uploader;
use crate::model::share::FileRequestLookup;
use crate::pages::not_found::NotFound;

#[component]
pub fn FileRequestPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let lookup = Resource::new(token, open_file_request);
    view! {
        <Meta name="robots" content="noindex, nofollow"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lookup.await {
                    Ok(FileRequestLookup::Open { collection_title, label, files_left, bytes_left, expires_at }) => {
                        view! { <Open collection_title label files_left bytes_left expires_at/> }.into_any()
                    }
                    Ok(FileRequestLookup::Locked) => view! {
                        <Title text="Password needed"/>
                        <main class="page narrow">
                            <h1>"This link needs a password"</h1>
                            <p><a href=format!("/s/{}", token())>"Give the password"</a>", then come back to send files."</p>
                        </main>
                    }.into_any(),
                    Ok(FileRequestLookup::Gone) => {
                        #[cfg(feature = "ssr")]
                        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                            response.set_status(http::StatusCode::GONE);
                        }
                        view! {
                            <Title text="Link no longer works"/>
                            <main class="page narrow">
                                <h1>"This link no longer takes files"</h1>
                                <p>"It has expired or was turned off. Ask whoever sent it for a new one."</p>
                            </main>
                        }.into_any()
                    }
                    Ok(FileRequestLookup::NotFound) | Err(_) => view! { <NotFound/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Open(
    collection_title: String,
    label: String,
    files_left: Option<u32>,
    bytes_left: Option<u64>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> impl IntoView {
    let settled = RwSignal::new(0u64);
    let mut limits = Vec::new();
    if let Some(n) = files_left {
        limits.push(format!("{n} more file{}", if n == 1 { "" } else { "s" }));
    }
    if let Some(n) = bytes_left {
        limits.push(format!("{} more", format_size(n, DECIMAL)));
    }
    if let Some(at) = expires_at {
        limits.push(format!("until {}", crate::model::short_utc(&at)));
    }
    view! {
        <Title text=format!("Send files to {collection_title}")/>
        <header class="topbar public"><span class="brand">"Vitrine"</span></header>
        <main class="page narrow file-request">
            <h1>{format!("Send files to “{collection_title}”")}</h1>
            {(!label.is_empty()).then(|| view! { <p class="muted">{format!("Link: {label}")}</p> })}
            <p>"Your files go straight to the team's storage. Nothing is shown to anyone until the team accepts it."</p>
            {(!limits.is_empty()).then(|| view! { <p class="hint">{format!("This link takes {}.", limits.join(", "))}</p> })}
            <noscript><p class="error">"Sending files needs JavaScript: turn it on for this page."</p></noscript>
            <Uploader settled guest=true/>
            <p role="status" class="muted">{move || match settled.get() {
                0 => String::new(),
                n => format!("{n} file{} handled. You can close this page once every file says completed.", if n == 1 { "" } else { "s" }),
            }}</p>
        </main>
    }
}
