use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::collections::{list_collections, CreateCollection, DeleteCollection};
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::model::collection::CollectionSummary;
use crate::model::text::Title;

#[component]
pub fn CollectionsPage() -> impl IntoView {
    view! {
        <Title text="Collections"/>
        <RequireUser>
            <CollectionsView/>
        </RequireUser>
    }
}

#[component]
fn CollectionsView() -> impl IntoView {
    let create = ServerAction::<CreateCollection>::new();
    let delete = ServerAction::<DeleteCollection>::new();
    let collections = Resource::new(move || (create.version().get(), delete.version().get()), |_| list_collections());
    let title = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = title.get() else { return };
        create.dispatch(CreateCollection { title: input.value(), description: String::new() });
        input.set_value("");
    };
    let created = move || {
        match create.value().get() {
        Some(Ok(c)) => Some(view! { <p class="notice" role="status">{format!("Created \u{201c}{}\u{201d} at /c/{}", c.title, c.slug)}</p> }.into_any()),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        None => None,
    }
    };
    let can_edit = use_can_edit();
    view! {
        <h1>"Collections"</h1>
        <Show when=move || can_edit.get()>
        <form class="toolbar" on:submit=on_submit>
            <input type="text" aria-label="New collection title" placeholder="New collection title" maxlength=Title::MAX_CHARS required node_ref=title/>
            <button type="submit" class="primary" disabled=move || create.pending().get()>"Create collection"</button>
        </form>
        </Show>
        {created}
        <Transition fallback=|| view! { <p class="loading">"Loading collections…"</p> }>
            {move || Suspend::new(async move {
                match collections.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No collections yet. Create one above, then add media from the library."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="collections">
                            {list.into_iter().map(|summary| view! { <CollectionRow summary delete/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load collections: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CollectionRow(summary: CollectionSummary, delete: ServerAction<DeleteCollection>) -> impl IntoView {
    let CollectionSummary { collection, item_count } = summary;
    let id = collection.id;
    let title = collection.title.clone();
    let can_edit = use_can_edit();
    let on_delete = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let question = format!("Delete the collection \u{201c}{title}\u{201d}? Its media stay in the library.");
            if !window().confirm_with_message(&question).unwrap_or(false) {
                return;
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &title;
        delete.dispatch(DeleteCollection { id });
    };
    view! {
        <li class="collection-row" data-slug=collection.slug.clone()>
            <a class="title" href=format!("/collections/{id}")>{collection.title.clone()}</a>
            <code class="slug">{format!("/c/{}", collection.slug)}</code>
            <span class="count">{format!("{item_count} item{}", if item_count == 1 { "" } else { "s" })}</span>
            <span class="state">{if collection.published { "published" } else { "draft" }}</span>
            {move || can_edit.get().then(|| view! { <button class="link" on:click=on_delete.clone()>"Delete"</button> })}
        </li>
    }
}
