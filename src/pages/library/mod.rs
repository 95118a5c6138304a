//! The library: every item, newest first (or by name or size), filtered, searched, paged by
//! keyset as you scroll; filtered by tags (chips); select many to edit them at once (the bulk
//! bar: tags, alt text, a collection, the trash, with undo); open one to edit its title, alt
//! text and tags.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

mod bulk;
mod detail;
mod focus;
mod grid;
mod tags;

use crate::api::media::{delete_media, list_media, Deleted};
use crate::api::people::list_people;
use crate::api::trash::restore_trash;
use crate::components::media_image::Loading;
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::error::AppError;
use crate::model::media::{MediaCursor, MediaItem, MediaKind, MediaPage, MediaQuery, MediaSort};
use crate::model::people::Person;
use bulk::BulkBar;
use detail::DetailPanel;
use grid::{LoadMore, MediaTile};
use tags::{KnownTags, TagFilter, TagSuggestions};

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
    // Best match while searching; with no search the server orders it newest first.
    let sort = RwSignal::new(MediaSort::Relevance);
    let uploader = RwSignal::new(None::<Uuid>);
    let tag_filter = RwSignal::new(Vec::<String>::new());
    provide_context(KnownTags::new());
    let can_edit = use_can_edit();
    // The team, for the uploader filter and the detail panel's "uploaded by".
    let people = Resource::new(|| (), |_| list_people());
    provide_context(Team(people));
    let saved_items = SavedItems(RwSignal::new(HashMap::new()));
    provide_context(saved_items);
    let query = Memo::new(move |_| MediaQuery {
        kind: kind.get(),
        uploader: uploader.get(),
        tags: tag_filter.get(),
        search: Some(search.get()).filter(|s| !s.trim().is_empty()),
        sort: sort.get(),
        cursor: None,
        limit: None,
    });

    // The first page renders on the server; later pages are appended as the sentinel scrolls
    // into view. A new query starts over.
    let first_page = Resource::new(move || query.get(), list_media);
    // A fresh listing already holds every edit made before it, and perhaps later ones made
    // elsewhere (the bulk bar, a teammate): the saved copies give way to it.
    Effect::new(move |_| {
        first_page.track();
        saved_items.clear();
    });
    let more = RwSignal::new(Vec::<MediaItem>::new());
    let cursor = RwSignal::new(None::<Option<MediaCursor>>);
    let removed = RwSignal::new(HashSet::<Uuid>::new());
    let selected = RwSignal::new(HashSet::<Uuid>::new());
    let anchor = RwSignal::new(None::<Uuid>);
    // `/library?item=<id>` opens that item's details (the uploader links a duplicate here).
    let linked = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("item")).and_then(|v| v.parse().ok());
    let open = RwSignal::new(linked);
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

    // Deleting moves to the trash, so it asks nothing first and offers to undo instead.
    let undo = RwSignal::new(None::<Vec<Uuid>>);
    let delete = Action::new(move |ids: &Vec<Uuid>| delete_media(ids.clone()));
    let restore = Action::new(move |ids: &Vec<Uuid>| restore_trash(ids.clone(), Vec::new()));
    Effect::new(move |_| match restore.value().get() {
        Some(Ok(back)) => {
            removed.update(|r| r.retain(|id| !back.media.contains(id)));
            undo.set(None);
            banner.set(Some(format!(
                "Restored {} item{}.",
                back.media.len(),
                if back.media.len() == 1 { "" } else { "s" }
            )));
        }
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(Deleted { deleted })) => {
            removed.update(|r| r.extend(deleted.iter().copied()));
            selected.update(|s| s.retain(|id| !deleted.contains(id)));
            if open.get_untracked().is_some_and(|id| deleted.contains(&id)) {
                open.set(None);
            }
            banner.set(Some(format!(
                "Moved {} item{} to the trash.",
                deleted.len(),
                if deleted.len() == 1 { "" } else { "s" }
            )));
            undo.set(Some(deleted));
        }
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });
    let delete_selected = move |_: ()| {
        let ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        if !ids.is_empty() {
            delete.dispatch(ids);
        }
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
                let handle =
                    set_timeout_with_handle(move || search.set(value), std::time::Duration::from_millis(250)).ok();
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
            <input type="search" placeholder="Search names, alt text and tags" aria-label="Search" on:input=on_search/>
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
                "newest" => MediaSort::Newest,
                "taken" => MediaSort::Taken,
                _ => MediaSort::Relevance,
            })>
                <option value="relevance">"Best match, then newest"</option>
                <option value="newest">"Newest first"</option>
                <option value="taken">"Date taken"</option>
                <option value="name">"Name"</option>
                <option value="largest">"Largest first"</option>
            </select>
            <Suspense>
                {move || Suspend::new(async move {
                    let team = people.await.unwrap_or_default();
                    view! {
                        <select aria-label="Uploaded by" on:change=move |ev| uploader.set(event_target_value(&ev).parse().ok())>
                            <option value="">"Anyone"</option>
                            {team.into_iter().map(|person| view! {
                                <option value=person.id.to_string()>{person.name().to_string()}</option>
                            }).collect_view()}
                        </select>
                    }
                })}
            </Suspense>
        </form>
        <TagFilter filter=tag_filter/>
        <TagSuggestions/>
        <Show when=move || can_edit.get() && !selected.get().is_empty()>
            <BulkBar selected banner on_trash=Callback::new(move |()| delete_selected(())) trashing=delete.pending().into()/>
        </Show>
        {move || banner.get().map(|message| view! {
            <p class="notice" role="status">
                {message}
                {move || undo.get().map(|ids| view! {
                    " "
                    <button type="button" class="link" on:click=move |_| { restore.dispatch(ids.clone()); }>"Undo"</button>
                    " "
                    <a href="/trash">"Open the trash"</a>
                })}
            </p>
        })}
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
                            // What a phone shows above the fold loads at once, the very first (the
                            // likely largest paint) before anything else; the rest when near the
                            // viewport, so they do not compete with it for a slow link.
                            let first_ids: Vec<Uuid> = all.with_untracked(|items| items.iter().take(3).map(|i| i.media.id).collect());
                            let loading_of = move |id: Uuid| match first_ids.iter().position(|first| *first == id) {
                                Some(0) => Loading::First,
                                Some(_) => Loading::Eager,
                                None => Loading::Lazy,
                            };
                            let next = move || cursor.get().unwrap_or_else(|| first_cursor.clone());
                            view! {
                                <div class="media-grid" class:compact=move || compact.get() role="listbox"
                                    aria-label="Media" aria-multiselectable="true">
                                    <For each=move || all.get() key=|item| item.media.id let:item>
                                        <MediaTile loading=loading_of(item.media.id) item selected anchor open all_ids/>
                                    </For>
                                </div>
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

/// The team as the library page loaded it (see `detail`).
#[derive(Clone, Copy)]
pub(super) struct Team(pub(super) Resource<Result<Vec<Person>, AppError>>);

/// Items as the detail panel last saved them (title, alt text, focal point), so their tiles
/// show the change at once instead of at the next listing.
#[derive(Clone, Copy)]
pub(super) struct SavedItems(RwSignal<HashMap<Uuid, MediaItem>>);

impl SavedItems {
    pub(super) fn record(self, item: MediaItem) {
        self.0.update(|saved| {
            saved.insert(item.media.id, item);
        });
    }

    fn clear(self) {
        self.0.update(HashMap::clear);
    }

    /// The item as last saved, if it was saved since the page listed it.
    pub(super) fn get(self, id: Uuid) -> Option<MediaItem> {
        self.0.with(|saved| saved.get(&id).cloned())
    }
}
