//! `/tags`: the library's tags with how many items carry each; editors rename a tag or merge
//! it into another (a typo'd "Beahc" into "Beach").
//!
//! Like the trash, every control is a plain form POSTing to `/tags` (see
//! `server::media::tags_form`), so it works before hydration and without JavaScript; hydrated,
//! the same forms call the JSON API and the list reloads in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::tags::{list_tags, merge_tags, rename_tag};
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::error::AppError;
use crate::model::tag::{Tag, TagName};

#[component]
pub fn TagsPage() -> impl IntoView {
    view! {
        <Title text="Tags"/>
        <RequireUser>
            <TagsView/>
        </RequireUser>
    }
}

/// What one of the page's forms asks; also what a plain form's fields parse into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagCommand {
    Rename { id: Uuid, name: String },
    Merge { from: Uuid, into: Uuid },
}

impl TagCommand {
    /// The form fields `action`, `id`, `name`, `into`.
    pub fn parse(action: &str, id: &str, name: &str, into: &str) -> Option<TagCommand> {
        let id = id.parse().ok()?;
        match action {
            "rename" => Some(TagCommand::Rename { id, name: name.to_string() }),
            "merge" => Some(TagCommand::Merge { from: id, into: into.parse().ok()? }),
            _ => None,
        }
    }

    /// Runs it through the JSON API; the sentence the page shows.
    async fn run(self) -> Result<String, AppError> {
        match self {
            TagCommand::Rename { id, name } => {
                let tag = rename_tag(id, name).await?;
                Ok(format!("Renamed to \u{201c}{}\u{201d}.", tag.name))
            }
            TagCommand::Merge { from, into } => {
                let tag = merge_tags(vec![from], into).await?;
                Ok(format!("Merged: \u{201c}{}\u{201d} now tags {} items.", tag.name, tag.item_count))
            }
        }
    }
}

/// What the page says after a plain form's command, by the code its redirect carries (never
/// text from the URL itself).
pub fn outcome_sentence(key: &str, code: &str) -> &'static str {
    match (key, code) {
        ("done", "renamed") => "Renamed.",
        ("done", "merged") => "Merged.",
        ("done", _) => "Done.",
        (_, "taken") => "Another tag already has that name: merge the two instead.",
        (_, "invalid") => "A tag needs a name of one line, up to 50 characters, without commas.",
        (_, "forbidden") => "Viewers cannot rename or merge tags. Ask an editor.",
        (_, "missing") => "That tag is gone. Reload the page.",
        _ => "That did not work. Reload the page and try again.",
    }
}

#[component]
fn TagsView() -> impl IntoView {
    let command = Action::new(|c: &TagCommand| c.clone().run());
    let tags = Resource::new(move || command.version().get(), |_| list_tags());
    let query = use_query_map();
    let can_edit = use_can_edit();
    let message = move || match command.value().get() {
        Some(Ok(sentence)) => Some(view! { <p class="notice" role="status">{sentence}</p> }.into_any()),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        None => query.with(|q| {
            let done = q.get("done").map(|code| outcome_sentence("done", &code));
            let error = q.get("error").map(|code| outcome_sentence("error", &code));
            done.map(|s| view! { <p class="notice" role="status">{s}</p> }.into_any())
                .or_else(|| error.map(|s| view! { <p class="error" role="alert">{s}</p> }.into_any()))
        }),
    };
    view! {
        <h1>"Tags"</h1>
        {message}
        <Transition fallback=|| view! { <p class="loading">"Loading the tags…"</p> }>
            {move || Suspend::new(async move {
                match tags.await {
                    Ok(tags) if tags.is_empty() => view! {
                        <p class="empty">"No tags yet. Tag items in the " <a href="/library">"library"</a> ": open one, or select several."</p>
                    }.into_any(),
                    Ok(tags) => {
                        let all = tags.clone();
                        view! {
                            <ul class="tag-list">
                                {tags.into_iter().map(|tag| view! { <TagRow tag all=all.clone() can_edit command/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load the tags: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TagRow(
    tag: Tag,
    all: Vec<Tag>,
    can_edit: Signal<bool>,
    command: Action<TagCommand, Result<String, AppError>>,
) -> impl IntoView {
    let Tag { id, name, item_count } = tag;
    let new_name = RwSignal::new(name.clone());
    let into = RwSignal::new(String::new());
    let others: Vec<Tag> = all.into_iter().filter(|t| t.id != id).collect();
    let has_others = !others.is_empty();
    let rename_label = format!("New name for {name}");
    let merge_label = format!("Merge {name} into");
    view! {
        <li class="tag-row">
            <span class="chip">{name.clone()}</span>
            <span class="muted">{format!("{item_count} item{}", if item_count == 1 { "" } else { "s" })}</span>
            <Show when=move || can_edit.get()>
                <form method="post" action="/tags" class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    command.dispatch(TagCommand::Rename { id, name: new_name.get_untracked() });
                }>
                    <input type="hidden" name="action" value="rename"/>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="text" name="name" required maxlength=TagName::MAX_CHARS aria-label=rename_label.clone()
                        prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/>
                    <button type="submit">"Rename"</button>
                </form>
                {has_others.then(|| {
                    let options = others.iter().map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> }).collect_view();
                    view! {
                        <form method="post" action="/tags" class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            if let Ok(target) = into.get_untracked().parse() {
                                command.dispatch(TagCommand::Merge { from: id, into: target });
                            }
                        }>
                            <input type="hidden" name="action" value="merge"/>
                            <input type="hidden" name="id" value=id.to_string()/>
                            <select name="into" required aria-label=merge_label.clone() on:change=move |ev| into.set(event_target_value(&ev))>
                                <option value="">"Merge into…"</option>
                                {options}
                            </select>
                            <button type="submit">"Merge"</button>
                        </form>
                    }
                })}
            </Show>
        </li>
    }
}
