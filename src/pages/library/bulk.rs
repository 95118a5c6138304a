//! The bulk edit bar: what applies to every selected item at once (tags added or removed, one
//! alt text, a collection, the trash). Plain inputs and buttons, so it is all keyboard
//! operable; each outcome is announced through the page's status line.

use std::collections::HashSet;

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::collections::{list_collections, AddToCollection};
use crate::api::media::{set_alt_text, tag_media};
use crate::model::tag::TagName;
use crate::model::text::AltText;

use super::tags::KnownTags;

fn items(n: usize) -> String {
    format!("{n} item{}", if n == 1 { "" } else { "s" })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagChange {
    Add,
    Remove,
}

#[component]
pub(super) fn BulkBar(
    selected: RwSignal<HashSet<Uuid>>,
    banner: RwSignal<Option<String>>,
    on_trash: Callback<()>,
    trashing: Signal<bool>,
) -> impl IntoView {
    let known = expect_context::<KnownTags>();
    let chosen = move || {
        let mut ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        ids.sort();
        ids
    };

    let tag_text = RwSignal::new(String::new());
    let tagging = Action::new(move |(ids, names, change): &(Vec<Uuid>, Vec<String>, TagChange)| {
        let (ids, names, change) = (ids.clone(), names.clone(), *change);
        async move {
            let n = ids.len();
            let (add, remove) = match change {
                TagChange::Add => (names, Vec::new()),
                TagChange::Remove => (Vec::new(), names),
            };
            tag_media(ids, add, remove).await.map(|_| (n, change))
        }
    });
    Effect::new(move |_| match tagging.value().get() {
        Some(Ok((n, change))) => {
            banner.set(Some(match change {
                TagChange::Add => format!("Tagged {}.", items(n)),
                TagChange::Remove => format!("Removed the tag from {}.", items(n)),
            }));
            tag_text.set(String::new());
            known.reload();
        }
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });
    let run_tags = move |change: TagChange| match TagName::parse_list(&tag_text.get_untracked()) {
        Ok(names) if names.is_empty() => banner.set(Some("Type a tag first.".into())),
        Ok(names) => {
            tagging.dispatch((chosen(), names.iter().map(|n| n.as_str().to_string()).collect(), change));
        }
        Err(reason) => banner.set(Some(reason)),
    };

    let alt_text = RwSignal::new(String::new());
    let set_alt = Action::new(move |(ids, alt): &(Vec<Uuid>, String)| set_alt_text(ids.clone(), alt.clone()));
    Effect::new(move |_| match set_alt.value().get() {
        Some(Ok(n)) => banner.set(Some(format!("Set the alt text of {}.", items(n as usize)))),
        Some(Err(e)) => banner.set(Some(e.to_string())),
        None => {}
    });

    let collections = Resource::new(|| (), |_| list_collections());
    let target = RwSignal::new(String::new());
    let add = ServerAction::<AddToCollection>::new();
    Effect::new(move |_| match add.value().get() {
        Some(Ok(change)) => banner.set(Some(format!(
            "Added {} ({} in the collection now).",
            items(change.changed as usize),
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
        add.dispatch(AddToCollection { id, media_ids: chosen() });
    };

    view! {
        <div class="bulk" role="group" aria-label="Edit the selection">
            <span class="selection">{move || format!("{} selected", selected.get().len())}</span>
            <span class="bulk-field">
                <input type="text" list="tag-names" aria-label="Tags for the selection" placeholder="Tag"
                    prop:value=move || tag_text.get() on:input=move |ev| tag_text.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); run_tags(TagChange::Add); }/>
                <button type="button" on:click=move |_| run_tags(TagChange::Add) disabled=move || tagging.pending().get()>"Add tag"</button>
                <button type="button" on:click=move |_| run_tags(TagChange::Remove) disabled=move || tagging.pending().get()>"Remove tag"</button>
            </span>
            <span class="bulk-field">
                <input type="text" aria-label="Alt text for the selection" placeholder="Alt text" maxlength=AltText::MAX_CHARS
                    prop:value=move || alt_text.get() on:input=move |ev| alt_text.set(event_target_value(&ev))/>
                <button type="button" disabled=move || set_alt.pending().get()
                    on:click=move |_| { set_alt.dispatch((chosen(), alt_text.get_untracked())); }>"Set alt text"</button>
            </span>
            <span class="bulk-field">
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
            </span>
            <button type="button" class="danger" on:click=move |_| on_trash.run(()) disabled=move || trashing.get()>
                "Move to trash"
            </button>
            <button type="button" class="link" on:click=move |_| selected.set(HashSet::new())>"Clear"</button>
        </div>
    }
}
