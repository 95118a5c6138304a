use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::collections::{list_collections, CreateCollection, DeleteCollection};
use crate::api::trash::restore_trash;
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
    let restore = Action::new(|id: &uuid::Uuid| restore_trash(Vec::new(), vec![*id]));
    let collections = Resource::new(
        move || (create.version().get(), delete.version().get(), restore.version().get()),
        |_| list_collections(),
    );
    // After a delete: where it went, and the way back.
    let last_deleted = RwSignal::new(None::<uuid::Uuid>);
    let deleted = move || match (delete.value().get(), restore.value().get()) {
        (Some(Err(e)), _) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        (_, Some(Err(e))) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        (Some(Ok(())), _) => Some(match last_deleted.get() {
            Some(id) => view! {
                <p class="notice" role="status">
                    "Moved to the trash. "
                    <button type="button" class="link" on:click=move |_| {
                        last_deleted.set(None);
                        restore.dispatch(id);
                    }>"Undo"</button>
                    " "
                    <a href="/trash">"Open the trash"</a>
                </p>
            }
            .into_any(),
            None => view! { <p class="notice" role="status">"Restored."</p> }.into_any(),
        }),
        _ => None,
    };
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
        {deleted}
        <Transition fallback=|| view! { <p class="loading">"Loading collections…"</p> }>
            {move || Suspend::new(async move {
                match collections.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No collections yet. Create one above, then add media from the library."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="collections">
                            {list.into_iter().map(|summary| view! { <CollectionRow summary delete last_deleted/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load collections: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CollectionRow(
    summary: CollectionSummary,
    delete: ServerAction<DeleteCollection>,
    last_deleted: RwSignal<Option<uuid::Uuid>>,
) -> impl IntoView {
    let CollectionSummary { collection, item_count } = summary;
    let id = collection.id;
    let title = collection.title.clone();
    let can_edit = use_can_edit();
    // The collection goes to the trash, where it can be restored whole: nothing to confirm.
    let on_delete = move |_| {
        last_deleted.set(Some(id));
        delete.dispatch(DeleteCollection { id });
    };
    view! {
        <li class="collection-row" data-slug=collection.slug.clone()>
            <a class="title" href=format!("/collections/{id}")>{collection.title.clone()}</a>
            <code class="slug">{format!("/c/{}", collection.slug)}</code>
            <span class="count">{format!("{item_count} item{}", if item_count == 1 { "" } else { "s" })}</span>
            <span class="state">{if collection.published { "published" } else { "draft" }}</span>
            {move || can_edit.get().then(|| view! {
                <button class="link" on:click=on_delete aria-label=format!("Move \u{201c}{title}\u{201d} to the trash")>"Delete"</button>
            })}
        </li>
    }
}
