//! `/collections/<id>`: one collection's items in their order. Move them by dragging, with the
//! arrow keys (announced to screen readers) or the buttons; the full new order is saved at once
//! and the true order reloaded if the server refuses it. Publish or unpublish.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::collections::{
    allow_collection_download, get_collection, publish_collection, reorder_collection, set_collection_cover,
    UpdateCollection,
};
use crate::components::media_image::MediaImage;
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::components::share_inbox::ShareInbox;
use crate::components::share_links::ShareLinks;
use crate::model::collection::CollectionWithItems;
use crate::model::media::MediaItem;
use crate::model::text::{Description, Title};

#[component]
pub fn CollectionEditorPage() -> impl IntoView {
    view! {
        <Title text="Collection"/>
        <RequireUser>
            <Editor/>
        </RequireUser>
    }
}

#[component]
fn Editor() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<Uuid>().ok());
    let reload = RwSignal::new(0u32);
    let data = Resource::new(
        move || (id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_collection(id).await,
                None => Err(crate::error::AppError::NotFound("The collection".into())),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading the collection…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <EditorBody data reload/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn EditorBody(data: CollectionWithItems, reload: RwSignal<u32>) -> impl IntoView {
    let CollectionWithItems { collection, items } = data;
    let id = collection.id;
    let order = RwSignal::new(items);
    let announcement = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let published = RwSignal::new(collection.published);
    let dragging = RwSignal::new(None::<usize>);
    let drop_target = RwSignal::new(None::<usize>);
    // The chosen cover; without one the gallery uses its first image.
    let chosen_cover = RwSignal::new(collection.cover_media_id);
    let cover_action = Action::new(move |media_id: &Option<Uuid>| set_collection_cover(id, *media_id));
    Effect::new(move |_| match cover_action.value().get() {
        Some(Ok(c)) => chosen_cover.set(c.cover_media_id),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let cover = Signal::derive(move || {
        let chosen = chosen_cover.get();
        order.with(|items| crate::model::media::cover(chosen, items).map(|i| i.media.id))
    });
    let choose_cover = move |media_id: Uuid| {
        // Choosing the chosen cover again goes back to the default.
        let next = if chosen_cover.get_untracked() == Some(media_id) { None } else { Some(media_id) };
        cover_action.dispatch(next);
    };

    let save = Action::new(move |ids: &Vec<Uuid>| reorder_collection(id, ids.clone()));
    Effect::new(move |_| {
        if let Some(Err(e)) = save.value().get() {
            // Refused (someone changed the collection meanwhile): show the true order.
            error.set(Some(e.to_string()));
            reload.update(|n| *n += 1);
        }
    });
    let move_item = move |from: usize, to: usize| {
        let len = order.with_untracked(Vec::len);
        if from >= len || to >= len || from == to {
            return;
        }
        order.update(|items| {
            let item = items.remove(from);
            items.insert(to, item);
        });
        let name = order.with_untracked(|items| items[to].media.display_name().to_string());
        announcement.set(format!("Moved {name} to position {} of {len}.", to + 1));
        error.set(None);
        save.dispatch(order.with_untracked(|items| items.iter().map(|i| i.media.id).collect()));
    };

    let downloads = RwSignal::new(collection.allow_download);
    let allow_downloads = Action::new(move |value: &bool| allow_collection_download(id, *value));
    Effect::new(move |_| match allow_downloads.value().get() {
        Some(Ok(c)) => downloads.set(c.allow_download),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let publish = Action::new(move |value: &bool| publish_collection(id, *value));
    Effect::new(move |_| match publish.value().get() {
        Some(Ok(c)) => published.set(c.published),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    // Title and description; a new title moves the link unless the old one is kept.
    let slug = RwSignal::new(collection.slug.clone());
    let heading = RwSignal::new(collection.title.clone());
    let title = RwSignal::new(collection.title.clone());
    let description = RwSignal::new(collection.description.clone());
    let keep_slug = RwSignal::new(false);
    let update = ServerAction::<UpdateCollection>::new();
    Effect::new(move |_| match update.value().get() {
        Some(Ok(c)) => {
            slug.set(c.slug);
            heading.set(c.title);
            error.set(None);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch(UpdateCollection {
            id,
            title: title.get_untracked(),
            description: description.get_untracked(),
            keep_slug: keep_slug.get_untracked(),
        });
    };
    let public_path = move || format!("/c/{}", slug.get());
    // Viewers see the collection and its order; the controls are for editors.
    let can_edit = use_can_edit();
    // An item accepted from the inbox joins the end: the items are read again, and nothing
    // else on the page is rebuilt (a second click meanwhile is not lost).
    let accepted = RwSignal::new(0u32);
    let refresh = Action::new(move |_: &()| get_collection(id));
    Effect::new(move |_| {
        if accepted.get() > 0 {
            refresh.dispatch(());
        }
    });
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(fresh)) => order.set(fresh.items),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let rows = move || order.get().into_iter().enumerate().collect::<Vec<_>>();
    let count = Signal::derive(move || order.with(Vec::len));

    view! {
        <div class="page-head">
            <h1>{move || heading.get()}</h1>
            <div class="publish">
                {move || published.get().then(|| view! { <a class="public-link" rel="external" href=public_path()>{public_path()}</a> })}
                <Show when=move || can_edit.get()>
                    <button class=move || if published.get() { "toggle" } else { "primary" }
                        on:click=move |_| { publish.dispatch(!published.get_untracked()); }
                        disabled=move || publish.pending().get()>
                        {move || if published.get() { "Unpublish" } else { "Publish" }}
                    </button>
                    <label class="inline"><input type="checkbox" prop:checked=move || downloads.get()
                        disabled=move || allow_downloads.pending().get()
                        on:change=move |ev| { allow_downloads.dispatch(event_target_checked(&ev)); }/>
                        " Visitors may download it all"</label>
                </Show>
                <a class="button" href=move || format!("/c/{}/download", slug.get()) download="">"Download all (ZIP)"</a>
            </div>
        </div>
        <Show when=move || can_edit.get()>
        <form class="stack details" on:submit=on_save>
            <label>"Title" <input type="text" maxlength=Title::MAX_CHARS required prop:value=move || title.get()
                on:input=move |ev| title.set(event_target_value(&ev))/></label>
            <label>"Description" <textarea rows="2" maxlength=Description::MAX_CHARS prop:value=move || description.get()
                on:input=move |ev| description.set(event_target_value(&ev))></textarea></label>
            <Show when=move || title.get().trim() != heading.get()>
                <label class="inline"><input type="checkbox" prop:checked=move || keep_slug.get()
                    on:change=move |ev| keep_slug.set(event_target_checked(&ev))/>
                    {move || format!(" Keep the current link /c/{} (otherwise the old link redirects to the new one)", slug.get())}</label>
            </Show>
            <button type="submit" disabled=move || update.pending().get()>"Save details"</button>
        </form>
        <p class="hint">"Drag items (by the handle on touch screens), or focus one and press ↑ / ↓, to change the order. It is saved as you go."</p>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        <p class="visually-hidden" aria-live="polite">{move || announcement.get()}</p>
        <Show when=move || !order.with(Vec::is_empty) fallback=|| view! {
            <p class="empty">"No items yet. Select media in the " <a href="/library">"library"</a> " and add them here."</p>
        }>
            <ol class="order-list" aria-label="Items in order">
                <For each=rows key=|(i, item)| (item.media.id, *i) children=move |(index, item)| view! {
                    <OrderRow item index count dragging drop_target move_item cover choose_cover can_edit/>
                }/>
            </ol>
        </Show>
        <Show when=move || can_edit.get()>
            <ShareInbox collection_id=id accepted announcement/>
            <ShareLinks collection_id=id/>
        </Show>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn OrderRow<F, C>(
    item: MediaItem,
    index: usize,
    count: Signal<usize>,
    dragging: RwSignal<Option<usize>>,
    drop_target: RwSignal<Option<usize>>,
    move_item: F,
    cover: Signal<Option<Uuid>>,
    choose_cover: C,
    can_edit: Signal<bool>,
) -> impl IntoView
where
    F: Fn(usize, usize) + Copy + Send + Sync + 'static,
    C: Fn(Uuid) + Copy + Send + Sync + 'static,
{
    let name = item.media.display_name().to_string();
    let media_id = item.media.id;
    let is_image = item.media.is_image();
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let to = match ev.key().as_str() {
            "ArrowUp" if index > 0 => index - 1,
            "ArrowDown" if index + 1 < count.get_untracked() => index + 1,
            _ => return,
        };
        ev.prevent_default();
        move_item(index, to);
        // Keep focus on the moved item at its new place.
        #[cfg(feature = "hydrate")]
        request_animation_frame(move || {
            if let Some(el) = document().query_selector(&format!(".order-row[data-index=\"{to}\"]")).ok().flatten() {
                use wasm_bindgen::JsCast;
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    };
    // Touch and pen: HTML5 drag and drop only knows the mouse, so the handle follows the
    // pointer and the row under it when lifted is where the item goes.
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        if ev.pointer_type() == "mouse" {
            return;
        }
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(target) = ev.target() {
            use wasm_bindgen::JsCast;
            if let Ok(el) = target.dyn_into::<web_sys::Element>() {
                let _ = el.set_pointer_capture(ev.pointer_id());
            }
        }
        dragging.set(Some(index));
        drop_target.set(Some(index));
    };
    // Which row is under a finger (pointer capture keeps the events on the dragged row).
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        if dragging.get_untracked().is_some() && ev.pointer_type() != "mouse" {
            let under = document()
                .element_from_point(ev.client_x() as f32, ev.client_y() as f32)
                .and_then(|el| el.closest(".order-row").ok().flatten())
                .and_then(|row| row.get_attribute("data-index"))
                .and_then(|i| i.parse::<usize>().ok());
            if under.is_some() && under != drop_target.get_untracked() {
                drop_target.set(under);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_pointer_up = move |ev: leptos::ev::PointerEvent| {
        if ev.pointer_type() == "mouse" {
            return;
        }
        if let (Some(from), Some(to)) = (dragging.get_untracked(), drop_target.get_untracked()) {
            move_item(from, to);
        }
        dragging.set(None);
        drop_target.set(None);
    };
    let on_pointer_cancel = move |_: leptos::ev::PointerEvent| {
        dragging.set(None);
        drop_target.set(None);
    };
    let thumb = if is_image {
        view! { <MediaImage item=item.clone() sizes="96px" decorative=true/> }.into_any()
    } else if let Some(poster) = item.poster.clone() {
        view! { <img src=poster alt="" width=item.media.width height=item.media.height loading="lazy"/> }.into_any()
    } else {
        view! { <span class="video-badge">"video"</span> }.into_any()
    };
    let is_cover = move || cover.get() == Some(media_id);
    view! {
        <li class="order-row" tabindex="0" draggable=move || can_edit.get().to_string() data-index=index.to_string() data-media-id=media_id.to_string()
            class:drop-target=move || drop_target.get() == Some(index) && dragging.get() != Some(index)
            class:dragging=move || dragging.get() == Some(index)
            aria-label=format!("{name}, position {} of {}", index + 1, count.get_untracked())
            on:keydown=on_key
            on:dragstart=move |_| dragging.set(Some(index))
            on:dragend=move |_| dragging.set(None)
            on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                if let Some(from) = dragging.get_untracked() {
                    move_item(from, index);
                }
                dragging.set(None);
            }>
            <span class="drag-handle" aria-hidden="true"
                on:pointerdown=on_pointer_down on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up on:pointercancel=on_pointer_cancel>"⠿"</span>
            <span class="position">{index + 1}</span>
            {thumb}
            <span class="name">{name.clone()}</span>
            <Show when=move || can_edit.get()>
            {is_image.then(|| view! {
                <button type="button" class="link cover-toggle" aria-pressed=move || is_cover().to_string()
                    title="The image shown on the front page and in link previews"
                    on:click=move |_| choose_cover(media_id)>
                    {move || if is_cover() { "Cover ✓" } else { "Cover" }}
                </button>
            })}
            // Visible text is the accessible name; the row's own label says which item it is.
            <button type="button" class="link" disabled=index == 0
                on:click=move |_| move_item(index, index.saturating_sub(1))>"Move up"</button>
            <button type="button" class="link" disabled=move || { index + 1 >= count.get() }
                on:click=move |_| move_item(index, index + 1)>"Move down"</button>
            </Show>
        </li>
    }
}
