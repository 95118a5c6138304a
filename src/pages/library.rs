use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::api::media::list_media;
use crate::components::require_user::RequireUser;
use crate::model::media::{MediaItem, MediaPage};

#[component]
pub fn LibraryPage() -> impl IntoView {
    view! {
        <Title text="Library"/>
        <RequireUser>
            <LibraryView/>
        </RequireUser>
    }
}

#[component]
fn LibraryView() -> impl IntoView {
    // Compact shows more, smaller tiles; the choice is the viewer's, so it is kept in the page.
    let (compact, set_compact) = signal(false);
    let first_page = Resource::new(|| (), |_| list_media(None, None));
    // Pages loaded after the first, appended as the user asks for more.
    let more: RwSignal<Vec<MediaItem>> = RwSignal::new(Vec::new());
    let cursor: RwSignal<Option<Option<Uuid>>> = RwSignal::new(None);
    let load_more = Action::new(move |before: &Uuid| list_media(Some(*before), None));
    Effect::new(move |_| {
        if let Some(Ok(page)) = load_more.value().get() {
            let MediaPage { items, next_cursor } = page;
            more.update(|m| m.extend(items));
            cursor.set(Some(next_cursor));
        }
    });

    view! {
        <div class="page-head">
            <h1>"Library"</h1>
            <button
                class="toggle"
                aria-pressed=move || compact.get().to_string()
                on:click=move |_| set_compact.update(|c| *c = !*c)
            >
                {move || if compact.get() { "Comfortable view" } else { "Compact view" }}
            </button>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading the library…"</p> }>
            {move || Suspend::new(async move {
                match first_page.await {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty">
                            "Nothing here yet. Upload photos and videos from the " <a href="/uploads">"Uploads"</a> " page."
                        </p>
                    }.into_any(),
                    Ok(page) => {
                        let first_cursor = page.next_cursor;
                        view! {
                            <section class="media-grid" class:compact=move || compact.get() aria-label="Media">
                                {page.items.into_iter().map(|item| view! { <MediaTile item/> }).collect_view()}
                                <For each=move || more.get() key=|item| item.media.id let:item>
                                    <MediaTile item/>
                                </For>
                            </section>
                            {move || {
                                let next = cursor.get().unwrap_or(first_cursor);
                                next.map(|before| view! {
                                    <button class="load-more" on:click=move |_| { load_more.dispatch(before); }
                                        disabled=move || load_more.pending().get()>
                                        "Load more"
                                    </button>
                                })
                            }}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load the library: {e}")}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MediaTile(item: MediaItem) -> impl IntoView {
    let MediaItem { media, url, srcset } = item;
    let name = media.display_name().to_string();
    let alt = if media.alt_text.is_empty() { name.clone() } else { media.alt_text.clone() };
    let preview = if media.is_video() {
        view! { <video src=url preload="metadata" muted></video> }.into_any()
    } else {
        // Tiles are at most ~300 CSS px wide; the browser picks the srcset entry for its DPR.
        view! {
            <img
                src=url
                srcset=srcset
                sizes="(max-width: 640px) 50vw, 300px"
                width=media.width
                height=media.height
                alt=alt
                loading="lazy"
                decoding="async"
            />
        }
        .into_any()
    };
    view! {
        <figure class="media-tile" data-media-id=media.id.to_string()>
            {preview}
            <figcaption>
                <span class="name">{name}</span>
                <span class="size">{format_size(media.size, DECIMAL)}</span>
            </figcaption>
        </figure>
    }
}
