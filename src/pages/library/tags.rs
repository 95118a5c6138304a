//! Tags in the library: the detail panel's tag editor, and the filter's tag chips. Names are
//! suggested from the library's tags (a `<datalist>`, which screen readers announce as
//! suggestions), typed freely (a new name makes a new tag), several at once with commas.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::media::tag_media;
use crate::api::tags::list_tags;
use crate::error::AppError;
use crate::model::tag::{Tag, TagName};

/// The library's tags, loaded once per page and reloaded after any tagging.
#[derive(Clone, Copy)]
pub(super) struct KnownTags {
    pub(super) tags: Resource<Result<Vec<Tag>, AppError>>,
    pub(super) changed: RwSignal<usize>,
}

impl KnownTags {
    pub(super) fn new() -> KnownTags {
        let changed = RwSignal::new(0usize);
        KnownTags { tags: Resource::new(move || changed.get(), |_| list_tags()), changed }
    }

    pub(super) fn reload(&self) {
        self.changed.update(|n| *n += 1);
    }
}

/// The `<datalist id="tag-names">` the tag inputs suggest from.
#[component]
pub(super) fn TagSuggestions() -> impl IntoView {
    let known = expect_context::<KnownTags>();
    view! {
        <datalist id="tag-names">
            <Transition>
                {move || Suspend::new(async move {
                    known.tags.await.unwrap_or_default().into_iter()
                        .map(|t| view! { <option value=t.name.clone()>{format!("{} ({})", t.name, t.item_count)}</option> })
                        .collect_view()
                })}
            </Transition>
        </datalist>
    }
}

/// An item's tags with a way to remove each and to add more.
#[component]
pub(super) fn TagEditor(media_id: Uuid, tags: Vec<String>, can_edit: Signal<bool>) -> impl IntoView {
    let known = expect_context::<KnownTags>();
    let current = RwSignal::new(tags);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let change = Action::new(move |(add, remove): &(Vec<String>, Vec<String>)| {
        let (add, remove) = (add.clone(), remove.clone());
        async move { tag_media(vec![media_id], add.clone(), remove.clone()).await.map(|_| (add, remove)) }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok((add, remove))) => {
            current.update(|tags| {
                tags.retain(|t| !remove.iter().any(|r| r.eq_ignore_ascii_case(t)));
                for name in add {
                    if !tags.iter().any(|t| t.to_lowercase() == name.to_lowercase()) {
                        tags.push(name);
                    }
                }
            });
            error.set(None);
            known.reload();
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let add = move || match TagName::parse_list(&draft.get_untracked()) {
        Ok(names) if names.is_empty() => {}
        Ok(names) => {
            change.dispatch((names.iter().map(|n| n.as_str().to_string()).collect(), Vec::new()));
            draft.set(String::new());
        }
        Err(reason) => error.set(Some(reason)),
    };
    view! {
        <div class="tags-editor">
            <span id=format!("tags-{media_id}")>"Tags"</span>
            <ul class="chips" aria-labelledby=format!("tags-{media_id}")>
                <For each=move || current.get() key=|t| t.clone() let:tag>
                    <li class="chip">
                        {tag.clone()}
                        <Show when=move || can_edit.get()>
                            <button type="button" class="chip-remove" aria-label=format!("Remove tag {tag}")
                                on:click={
                                    let tag = tag.clone();
                                    move |_| { change.dispatch((Vec::new(), vec![tag.clone()])); }
                                }>"×"</button>
                        </Show>
                    </li>
                </For>
            </ul>
            {move || current.with(Vec::is_empty).then(|| view! { <span class="muted">"No tags yet."</span> })}
            <Show when=move || can_edit.get()>
                <form class="tag-add" on:submit=move |ev| { ev.prevent_default(); add(); }>
                    <input type="text" list="tag-names" aria-label="Add tags (separate with commas)"
                        placeholder="Add a tag" maxlength=TagName::MAX_CHARS * 4
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="submit" disabled=move || change.pending().get()>"Add"</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// The filter's chips: the tags the library is filtered by, each removable, and an input to
/// add one.
#[component]
pub(super) fn TagFilter(filter: RwSignal<Vec<String>>) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let add = move || {
        if let Ok(names) = TagName::parse_list(&draft.get_untracked()) {
            filter.update(|f| {
                for name in names {
                    if !f.iter().any(|t| t.to_lowercase() == name.key()) {
                        f.push(name.as_str().to_string());
                    }
                }
            });
        }
        draft.set(String::new());
    };
    view! {
        <input type="text" list="tag-names" aria-label="Filter by tag" placeholder="Filter by tag"
            prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))
            on:change=move |_| add()
            on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add(); }/>
        <ul class="chips filter-chips" aria-label="Tags filtered by">
            <For each=move || filter.get() key=|t| t.clone() let:tag>
                <li class="chip">
                    {tag.clone()}
                    <button type="button" class="chip-remove" aria-label=format!("Stop filtering by {tag}")
                        on:click={
                            let tag = tag.clone();
                            move |_| filter.update(|f| f.retain(|t| *t != tag))
                        }>"×"</button>
                </li>
            </For>
        </ul>
    }
}
