//! The library: every item, newest first (or by name or size), filtered, searched, paged by
//! keyset as you scroll; select many to delete; open one to edit its title and alt text.

use std::collections::HashSet;

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::api::collections::{list_collections, AddToCollection};
use crate::api::media::{delete_media, get_media, list_media, update_media, Deleted};
use crate::components::require_user::RequireUser;
use crate::model::media::{MediaCursor, MediaDetail, MediaItem, MediaKind, MediaPage, MediaQuery, MediaSort};

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
    let (compact, set_compact) = signal(false);
    let search = RwSignal::new(String::new());
    let kind = RwSignal::new(None::<MediaKind>);
    let sort = RwSignal::new(MediaSort::Newest);
    let query = Memo::new(move |_| MediaQuery {
        kind: kind.get(),
        search: Some(search.get()).filter(|s| !s.trim().is_empty()),
        sort: sort.get(),
        cursor: None,
        limit: None,
    });

    // The first page renders on the server; later pages are appended as the sentinel scrolls
    // into view. A new query starts over.
    let first_page = Resource::new(move || query.get(), list_media);
    let more = RwSignal::new(Vec::<MediaItem>::new());
    let cursor = RwSignal::new(None::<Option<MediaCursor>>);
    let removed = RwSignal::new(HashSet::<Uuid>::new());
    let selected = RwSignal::new(HashSet::<Uuid>::new());
    let anchor = RwSignal::new(None::<Uuid>);
    let open = RwSignal::new(None::<Uuid>);
    let banner = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        query.track();
        more.set(Vec::new());
        cursor.set(None);
        selected.set(HashSet::new());
    });

    let load_more = Action::new(move |cursor: &MediaCursor| {
        let query = MediaQuery { cursor: Some(cursor.clone()), ..query.get_untracked() };
        list_media(query)
    });
    Effect::new(move |_| match load_more.value().get() {
        Some(Ok(MediaPage { items, next_cursor })) => {
            more.update(|m| m.extend(items));
            cursor.set(Some(next_cursor));
        }
        Some(Err(e)) => banner.set(Some(format!("Could not load more: {e}"))),
        None => {}
    });

    let delete = Action::new(move |ids: &Vec<Uuid>| delete_media(ids.clone()));
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(Deleted { deleted })) => {
            removed.update(|r| r.extend(deleted.iter().copied()));
            selected.update(|s| s.retain(|id| !deleted.contains(id)));
            if open.get_untracked().is_some_and(|id| deleted.contains(&id)) {
                open.set(None);
            }
            banner.set(Some(format!("Deleted {} item{}.", deleted.len(), if deleted.len() == 1 { "" } else { "s" })));
        }
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });
    let delete_selected = move |_| {
        let ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        if ids.is_empty() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let question = format!("Delete {} item{} for good? This removes the files from storage.", ids.len(), if ids.len() == 1 { "" } else { "s" });
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        delete.dispatch(ids);
    };

    // Add the selection to a collection.
    let collections = Resource::new(|| (), |_| list_collections());
    let target = RwSignal::new(String::new());
    let add = ServerAction::<AddToCollection>::new();
    Effect::new(move |_| match add.value().get() {
        Some(Ok(change)) => banner.set(Some(format!(
            "Added {} item{} ({} in the collection now).",
            change.changed,
            if change.changed == 1 { "" } else { "s" },
            change.item_count
        ))),
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });
    let add_selected = move |_| {
        let Ok(id) = target.get_untracked().parse::<Uuid>() else {
            banner.set(Some("Choose a collection first.".into()));
            return;
        };
        let mut media_ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        media_ids.sort();
        add.dispatch(AddToCollection { id, media_ids });
    };

    let on_search = {
        #[cfg(feature = "hydrate")]
        let pending = StoredValue::new_local(None::<leptos::prelude::TimeoutHandle>);
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            #[cfg(feature = "hydrate")]
            {
                // Wait for a pause in typing before asking the server.
                if let Some(handle) = pending.get_value() {
                    handle.clear();
                }
                let handle = set_timeout_with_handle(move || search.set(value), std::time::Duration::from_millis(250)).ok();
                pending.set_value(handle);
            }
            #[cfg(not(feature = "hydrate"))]
            search.set(value);
        }
    };

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
        <form class="toolbar" role="search" on:submit=|ev| ev.prevent_default()>
            <input type="search" placeholder="Search titles and file names" aria-label="Search" on:input=on_search/>
            <select aria-label="Kind" on:change=move |ev| kind.set(match event_target_value(&ev).as_str() {
                "image" => Some(MediaKind::Image),
                "video" => Some(MediaKind::Video),
                _ => None,
            })>
                <option value="">"All kinds"</option>
                <option value="image">"Images"</option>
                <option value="video">"Videos"</option>
            </select>
            <select aria-label="Sort" on:change=move |ev| sort.set(match event_target_value(&ev).as_str() {
                "name" => MediaSort::Name,
                "largest" => MediaSort::Largest,
                _ => MediaSort::Newest,
            })>
                <option value="newest">"Newest first"</option>
                <option value="name">"Name"</option>
                <option value="largest">"Largest first"</option>
            </select>
            <Show when=move || !selected.get().is_empty()>
                <span class="selection">{move || format!("{} selected", selected.get().len())}</span>
                <button type="button" class="danger" on:click=delete_selected disabled=move || delete.pending().get()>
                    "Delete selected"
                </button>
                <Suspense>
                    {move || Suspend::new(async move {
                        let options = collections.await.unwrap_or_default();
                        view! {
                            <select aria-label="Collection" on:change=move |ev| target.set(event_target_value(&ev))>
                                <option value="">"Add to collection…"</option>
                                {options.into_iter().map(|s| view! {
                                    <option value=s.collection.id.to_string()>{s.collection.title}</option>
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
                <button type="button" on:click=add_selected disabled=move || add.pending().get()>"Add"</button>
                <button type="button" class="link" on:click=move |_| selected.set(HashSet::new())>"Clear"</button>
            </Show>
        </form>
        {move || banner.get().map(|message| view! { <p class="notice" role="status">{message}</p> })}
        <div class="library" class:with-detail=move || open.get().is_some()>
            <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Loading the library…"</p> }>
                {move || Suspend::new(async move {
                    match first_page.await {
                        Ok(page) if page.items.is_empty() => {
                            let filtered = query.get_untracked() != MediaQuery::default();
                            view! {
                                <p class="empty">
                                    {if filtered {
                                        view! { "Nothing matches. Try another search or kind." }.into_any()
                                    } else {
                                        view! { "Nothing here yet. Upload photos and videos from the " <a href="/uploads">"Uploads"</a> " page." }.into_any()
                                    }}
                                </p>
                            }.into_any()
                        }
                        Ok(page) => {
                            let first_cursor = page.next_cursor.clone();
                            let first_items = page.items;
                            let all = Memo::new(move |_| {
                                let removed = removed.get();
                                first_items.iter().cloned().chain(more.get()).filter(|i| !removed.contains(&i.media.id)).collect::<Vec<_>>()
                            });
                            let all_ids = Signal::derive(move || all.with(|items| items.iter().map(|i| i.media.id).collect::<Vec<_>>()));
                            // The first rows are above the fold: load them at once.
                            let eager: HashSet<Uuid> = all.with_untracked(|items| items.iter().take(8).map(|i| i.media.id).collect());
                            let next = move || cursor.get().unwrap_or_else(|| first_cursor.clone());
                            view! {
                                <section class="media-grid" class:compact=move || compact.get() role="listbox"
                                    aria-label="Media" aria-multiselectable="true">
                                    <For each=move || all.get() key=|item| item.media.id let:item>
                                        <MediaTile eager=eager.contains(&item.media.id) item selected anchor open all_ids/>
                                    </For>
                                </section>
                                {move || next().map(|c| view! { <LoadMore cursor=c load_more/> })}
                            }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{format!("Could not load the library: {e}")}</p> }.into_any(),
                    }
                })}
            </Transition>
            {move || open.get().map(|id| view! { <DetailPanel id open/> })}
        </div>
    }
}

/// The "load more" button, clicked for you when it scrolls into view.
#[component]
fn LoadMore(cursor: MediaCursor, load_more: Action<MediaCursor, Result<MediaPage, crate::error::AppError>>) -> impl IntoView {
    let button = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let cursor = cursor.clone();
        Effect::new(move |_| {
            let Some(element) = button.get() else { return };
            let cursor = cursor.clone();
            let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let visible = entries
                    .iter()
                    .any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
                if visible && !load_more.pending().get_untracked() {
                    load_more.dispatch(cursor.clone());
                }
            });
            let options = web_sys::IntersectionObserverInit::new();
            options.set_root_margin("600px");
            if let Ok(observer) = web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options) {
                observer.observe(&element);
                let observer = send_wrapper::SendWrapper::new(observer);
                on_cleanup(move || observer.disconnect());
            }
            callback.forget();
        });
    }
    view! {
        <button class="load-more" node_ref=button disabled=move || load_more.pending().get()
            on:click=move |_| { load_more.dispatch(cursor.clone()); }>
            {move || if load_more.pending().get() { "Loading…" } else { "Load more" }}
        </button>
    }
}

#[component]
fn MediaTile(
    item: MediaItem,
    /// Above the fold: load now rather than lazily.
    eager: bool,
    selected: RwSignal<HashSet<Uuid>>,
    anchor: RwSignal<Option<Uuid>>,
    open: RwSignal<Option<Uuid>>,
    all_ids: Signal<Vec<Uuid>>,
) -> impl IntoView {
    let id = item.media.id;
    let is_selected = move || selected.with(|s| s.contains(&id));
    // Click opens; Ctrl/Cmd-click toggles; Shift-click selects the range from the last one.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if ev.shift_key() {
            let ids = all_ids.get_untracked();
            let from = anchor.get_untracked().and_then(|a| ids.iter().position(|x| *x == a));
            let to = ids.iter().position(|x| *x == id);
            if let (Some(from), Some(to)) = (from, to) {
                let (lo, hi) = (from.min(to), from.max(to));
                selected.update(|s| s.extend(ids[lo..=hi].iter().copied()));
            }
        } else if ev.ctrl_key() || ev.meta_key() {
            selected.update(|s| {
                if !s.remove(&id) {
                    s.insert(id);
                }
            });
            anchor.set(Some(id));
        } else {
            open.set(Some(id));
            anchor.set(Some(id));
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        " " => {
            ev.prevent_default();
            selected.update(|s| {
                if !s.remove(&id) {
                    s.insert(id);
                }
            });
            anchor.set(Some(id));
        }
        "Enter" => open.set(Some(id)),
        _ => {}
    };
    let toggle = move |ev: leptos::ev::Event| {
        let checked = event_target_checked(&ev);
        selected.update(|s| {
            if checked {
                s.insert(id);
            } else {
                s.remove(&id);
            }
        });
        anchor.set(Some(id));
    };
    let MediaItem { media, url, srcset, placeholder, poster, .. } = item;
    let name = media.display_name().to_string();
    let alt = if media.alt_text.is_empty() { name.clone() } else { media.alt_text.clone() };
    let style = placeholder.map(|p| format!("background-image: url({p})"));
    let preview = if media.is_video() {
        // The poster frame made at upload stands in until it plays; without one the browser
        // shows the first frame it can fetch.
        view! { <video src=url poster=poster preload="metadata" muted width=media.width height=media.height></video> }.into_any()
    } else {
        // Tiles are at most ~300 CSS px wide; the browser picks the srcset entry for its DPR.
        view! {
            <img src=url srcset=srcset sizes="(max-width: 640px) 50vw, 300px" width=media.width height=media.height
                alt=alt loading=if eager { "eager" } else { "lazy" } decoding="async" style=style/>
        }
        .into_any()
    };
    view! {
        <figure class="media-tile" class:selected=is_selected role="option" tabindex="0" aria-selected=move || is_selected().to_string()
            data-media-id=id.to_string() on:click=on_click on:keydown=on_key>
            {preview}
            <figcaption>
                <input type="checkbox" aria-label=format!("Select {name}") prop:checked=is_selected
                    on:click=|ev| ev.stop_propagation() on:change=toggle/>
                <span class="name">{name.clone()}</span>
                <span class="size">{format_size(media.size, DECIMAL)}</span>
            </figcaption>
        </figure>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
}

#[component]
fn DetailPanel(id: Uuid, open: RwSignal<Option<Uuid>>) -> impl IntoView {
    let detail = Resource::new(move || id, get_media);
    view! {
        <aside class="detail" aria-label="Details">
            <button class="link close" on:click=move |_| open.set(None)>"Close"</button>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <DetailBody detail/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </aside>
    }
}

#[component]
fn DetailBody(detail: MediaDetail) -> impl IntoView {
    let MediaDetail { item, collections } = detail;
    let media_id = item.media.id;
    let title = RwSignal::new(item.media.title.clone());
    let alt_text = RwSignal::new(item.media.alt_text.clone());
    let saved = StoredValue::new((item.media.title.clone(), item.media.alt_text.clone()));
    let state = RwSignal::new(SaveState::Idle);
    let save = Action::new(move |(title, alt): &(String, String)| update_media(media_id, title.clone(), alt.clone()));
    Effect::new(move |_| match save.value().get() {
        Some(Ok(item)) => {
            saved.set_value((item.media.title.clone(), item.media.alt_text.clone()));
            state.set(SaveState::Saved);
        }
        Some(Err(_)) => state.set(SaveState::Idle),
        None => {}
    });
    // Saved when the field loses focus, and only if something changed.
    let save_on_blur = move |_| {
        let current = (title.get_untracked(), alt_text.get_untracked());
        if current != saved.get_value() {
            state.set(SaveState::Saving);
            save.dispatch(current);
        }
    };
    let status = move || match (state.get(), save.value().get()) {
        (SaveState::Saving, _) => view! { <span class="save-state">"Saving…"</span> }.into_any(),
        (_, Some(Err(e))) => view! { <span class="save-state error" role="alert">{format!("Not saved: {e}")}</span> }.into_any(),
        (SaveState::Saved, _) => view! { <span class="save-state ok" role="status">"Saved"</span> }.into_any(),
        _ => view! { <span class="save-state"></span> }.into_any(),
    };
    let snippet = if item.media.is_image() {
        format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"100vw\"{} alt=\"{}\">",
            item.url,
            item.srcset,
            match (item.media.width, item.media.height) {
                (Some(w), Some(h)) => format!(" width=\"{w}\" height=\"{h}\""),
                _ => String::new(),
            },
            item.media.alt_text.replace('"', "&quot;")
        )
    } else {
        format!("<video src=\"{}\" controls preload=\"metadata\"></video>", item.url)
    };
    let copied = RwSignal::new(false);
    let url = item.url.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&url);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &url;
    };
    let preview = if item.media.is_video() {
        view! { <video src=item.url.clone() controls preload="metadata"></video> }.into_any()
    } else {
        view! { <img src=item.url.clone() srcset=item.srcset.clone() sizes="(max-width: 900px) 100vw, 420px"
            width=item.media.width height=item.media.height alt=item.media.alt_text.clone()/> }.into_any()
    };
    let dimensions = match (item.media.width, item.media.height) {
        (Some(w), Some(h)) => format!("{w} × {h}"),
        _ => "—".to_string(),
    };
    view! {
        <div class="detail-preview">{preview}</div>
        <dl class="facts">
            <dt>"File"</dt><dd>{item.media.original_filename.clone()}</dd>
            <dt>"Type"</dt><dd>{item.media.content_type.clone()}</dd>
            <dt>"Size"</dt><dd>{format_size(item.media.size, DECIMAL)}</dd>
            <dt>"Dimensions"</dt><dd>{dimensions}</dd>
            <dt>"Uploaded"</dt><dd>{item.media.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</dd>
            <dt>"Collections"</dt>
            <dd>
                {if collections.is_empty() {
                    view! { "None" }.into_any()
                } else {
                    collections.into_iter().map(|c| view! { <span class="chip">{c.title}</span> }).collect_view().into_any()
                }}
            </dd>
        </dl>
        <div class="stack edit" data-media-id=media_id.to_string()>
            <label>"Title" <input type="text" maxlength="200" prop:value=move || title.get()
                on:input=move |ev| title.set(event_target_value(&ev)) on:blur=save_on_blur/></label>
            <label>"Alt text" <textarea maxlength="1000" rows="3" prop:value=move || alt_text.get()
                on:input=move |ev| alt_text.set(event_target_value(&ev)) on:blur=save_on_blur></textarea></label>
            {status}
        </div>
        <div class="stack">
            <label>"URL" <input type="text" readonly prop:value=item.url.clone()/></label>
            <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy URL" }}</button>
            <label>"HTML" <textarea readonly rows="4">{snippet}</textarea></label>
        </div>
    }
}
