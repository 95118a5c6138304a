//! The grid of tiles: select by click, Ctrl/Cmd, Shift and Space; open with Enter; more tiles
//! as the end scrolls into view.

use std::collections::HashSet;

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::media_image::{Loading, MediaImage};
use crate::error::AppError;
use crate::model::media::{MediaCursor, MediaItem, MediaPage};

/// The "load more" button, clicked for you when it scrolls into view.
#[component]
pub(super) fn LoadMore(
    cursor: MediaCursor,
    load_more: Action<MediaCursor, Result<MediaPage, AppError>>,
) -> impl IntoView {
    let button = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    {
        let cursor = cursor.clone();
        leptos_use::use_intersection_observer_with_options(
            button,
            move |entries, _| {
                if entries.iter().any(|e| e.is_intersecting()) && !load_more.pending().get_untracked() {
                    load_more.dispatch(cursor.clone());
                }
            },
            // Start loading well before the end is on screen.
            leptos_use::UseIntersectionObserverOptions::default().root_margin("600px"),
        );
    }
    view! {
        <button class="load-more" node_ref=button disabled=move || load_more.pending().get()
            on:click=move |_| { load_more.dispatch(cursor.clone()); }>
            {move || if load_more.pending().get() { "Loading…" } else { "Load more" }}
        </button>
    }
}

#[component]
pub(super) fn MediaTile(
    item: MediaItem,
    /// Above the fold: now; the first, before anything else.
    loading: Loading,
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
    // The tick box is for pointers and touch; the tile itself (an option) carries the
    // selection for keyboards and screen readers, so the box is no second control inside it.
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
        anchor.set(Some(id));
    };
    // The item as the detail panel last saved it: this tile follows its edits at once.
    // Only this tile's entry is compared, so a save elsewhere re-renders nothing here.
    let saved = use_context::<super::SavedItems>();
    let edited = Memo::new(move |_| saved.and_then(|s| s.get(id)));
    let listed = item.clone();
    let current = move || edited.get().unwrap_or_else(|| listed.clone());
    let listed_name = item.media.display_name().to_string();
    let name =
        move || edited.with(|e| e.as_ref().map_or_else(|| listed_name.clone(), |i| i.media.display_name().to_string()));
    let media = item.media.clone();
    let preview = if media.is_video() {
        // The poster frame made at upload stands in until it plays; without one the browser
        // shows the first frame it can fetch.
        let MediaItem { url, poster, .. } = item;
        view! { <video src=url poster=poster preload="metadata" muted width=media.width height=media.height></video> }
            .into_any()
    } else {
        // The grid's columns are at least 220 px: one on a phone, two up to ~720 px, tiles of
        // at most ~300 px beyond. The browser picks the srcset entry for its DPR.
        let image = move || {
            view! { <MediaImage item=current() sizes="(max-width: 480px) 100vw, (max-width: 720px) 50vw, 300px" loading/> }
        };
        image.into_any()
    };
    let check_title = {
        let name = name.clone();
        move || format!("Select {}", name())
    };
    view! {
        <div class="media-tile" class:selected=is_selected role="option" tabindex="0" aria-selected=move || is_selected().to_string()
            data-media-id=id.to_string() on:click=on_click on:keydown=on_key>
            {preview}
            <div class="caption">
                <span class="tile-check" class:checked=is_selected aria-hidden="true" title=check_title
                    on:click=toggle>{move || if is_selected() { "\u{2713}" } else { "" }}</span>
                <span class="name">{name}</span>
                <span class="size">{format_size(media.size, DECIMAL)}</span>
            </div>
        </div>
    }
}
