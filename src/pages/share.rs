//! `/s/<token>`: a collection shown through a share link, rendered on the server and complete
//! without JavaScript, like a published gallery, but kept out of search engines (`noindex`) and
//! without share-card tags that would put its pictures in a chat preview. A link with a password
//! asks for it with a plain form post; an expired or revoked link gets one page (410) that does
//! not say what it showed.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::shares::open_share;
use crate::model::share::ShareLookup;
use crate::pages::gallery::GalleryItems;
use crate::pages::not_found::NotFound;

/// The sentence for the `error` code the password form's redirect carries.
fn unlock_error(code: &str) -> &'static str {
    match code {
        "password" => "That password is not right.",
        "rate_limited" => "Too many wrong passwords. Try again in a little while.",
        "unavailable" => "The service is temporarily unavailable. Try again shortly.",
        _ => "Something went wrong. Try again.",
    }
}

#[cfg(feature = "ssr")]
fn answer(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
        // Headers, not only the meta tag: also for the images' crawlers and the 410 page.
        response.insert_header(
            http::header::HeaderName::from_static("x-robots-tag"),
            http::HeaderValue::from_static("noindex, nofollow"),
        );
        response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("private, no-store"));
        // No referrer to other origins (the CDN): the token stays on this site. Not `no-referrer`,
        // which would make the password form's `Origin` "null" and the post cross-site.
        response.insert_header(http::header::REFERRER_POLICY, http::HeaderValue::from_static("same-origin"));
    }
}

#[component]
pub fn SharePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    view! {
        <Meta name="robots" content="noindex, nofollow"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let token = params.read().get("token").unwrap_or_default();
                let error = query.read().get("error");
                Suspend::new(async move {
                    match open_share(token.clone(), None).await {
                        Ok(ShareLookup::Open { gallery, originals, expires_at, allow_upload }) => {
                            #[cfg(feature = "ssr")]
                            answer(http::StatusCode::OK);
                            let collection = gallery.collection;
                            let download_all = !originals.is_empty();
                            view! {
                                <Title text=collection.title.clone()/>
                                <header class="topbar public"><span class="brand">"Vitrine"</span></header>
                                <main class="page gallery" id="gallery">
                                    <h1>{collection.title.clone()}</h1>
                                    {(!collection.description.trim().is_empty()).then(|| view! { <p class="lead">{collection.description.clone()}</p> })}
                                    {expires_at.map(|at| view! { <p class="muted">"This link works until " {crate::model::short_utc(&at)} "."</p> })}
                                    {allow_upload.then(|| view! { <p><a class="button primary" href=format!("/s/{token}/upload")>"Send files"</a></p> })}
                                    {download_all.then(|| view! { <p><a class="button" href=format!("/s/{token}/download") download="">"Download all (ZIP)"</a></p> })}
                                    <GalleryItems items=gallery.items originals/>
                                </main>
                                <script src=crate::app::asset_url("/gallery.js") defer=true></script>
                            }
                            .into_any()
                        }
                        Ok(ShareLookup::Locked { .. }) => {
                            #[cfg(feature = "ssr")]
                            answer(http::StatusCode::UNAUTHORIZED);
                            let message = error.map(|code| unlock_error(&code));
                            view! {
                                <Title text="Password needed"/>
                                <header class="topbar public"><span class="brand">"Vitrine"</span></header>
                                <main class="page narrow">
                                    <h1>"This link needs a password"</h1>
                                    <form class="stack" method="post" action=format!("/s/{token}")>
                                        <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
                                        {message.map(|m| view! { <p class="error" role="alert">{m}</p> })}
                                        <button type="submit" class="primary">"Open"</button>
                                    </form>
                                </main>
                            }
                            .into_any()
                        }
                        Ok(ShareLookup::Gone) => {
                            #[cfg(feature = "ssr")]
                            answer(http::StatusCode::GONE);
                            view! {
                                <Title text="Link no longer works"/>
                                <main class="page narrow">
                                    <h1>"This link no longer works"</h1>
                                    <p>"It has expired or was turned off. Ask whoever sent it for a new one."</p>
                                </main>
                            }
                            .into_any()
                        }
                        Ok(ShareLookup::NotFound) | Err(_) => {
                            #[cfg(feature = "ssr")]
                            answer(http::StatusCode::NOT_FOUND);
                            view! { <NotFound/> }.into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}
