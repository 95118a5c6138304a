use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::api::gallery::list_galleries;
use crate::components::media_image::MediaImage;

/// The public front page: published collections, newest first.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <Meta name="description" content="Photo and video galleries published with Vitrine."/>
        <header class="topbar public">
            <a class="brand" href="/">"Vitrine"</a>
            <nav aria-label="Account"><a href="/login">"Sign in"</a></nav>
        </header>
        <main class="page">
            <h1>"Galleries"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                // A plain future, not a Resource: the page does not hydrate.
                {Suspend::new(async move {
                    match list_galleries().await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No published collections yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="gallery-cards">
                                {list.into_iter().map(|g| {
                                    let href = format!("/c/{}", g.collection.slug);
                                    view! {
                                        <li class="gallery-card">
                                            <a href=href>
                                                {g.cover.map(|item| view! {
                                                    <MediaImage item sizes="(max-width: 600px) 100vw, 360px" decorative=true/>
                                                })}
                                                <span class="title">{g.collection.title}</span>
                                                <span class="count">{format!("{} item{}", g.item_count, if g.item_count == 1 { "" } else { "s" })}</span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
