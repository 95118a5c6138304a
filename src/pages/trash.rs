//! `/trash`: what was deleted, until when it can be restored; restore, delete forever, empty.
//!
//! Every control is a plain form POSTing to `/trash` (see `server::media::trash_form`), so
//! the page works before it hydrates and without JavaScript; once hydrated, the same forms
//! call the JSON API instead and the list reloads in place. Deleting for good asks first with
//! a disclosure (`<details>`), which needs no script either.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::people::list_people;
use crate::api::trash::{list_trash, purge_trash, restore_trash};
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::error::AppError;
use crate::model::short_utc;
use crate::model::trash::{TrashContents, TrashSelection};

#[component]
pub fn TrashPage() -> impl IntoView {
    view! {
        <Title text="Trash"/>
        <RequireUser>
            <TrashView/>
        </RequireUser>
    }
}

/// What one of the page's forms does; also its fields when it is posted as a plain form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashCommand {
    Restore(TrashKind, Uuid),
    Purge(TrashKind, Uuid),
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashKind {
    Media,
    Collection,
}

impl TrashCommand {
    /// The form fields `action`, `kind`, `id`.
    pub fn fields(self) -> (&'static str, &'static str, String) {
        let kind = |k: TrashKind| if k == TrashKind::Media { "media" } else { "collection" };
        match self {
            TrashCommand::Restore(k, id) => ("restore", kind(k), id.to_string()),
            TrashCommand::Purge(k, id) => ("purge", kind(k), id.to_string()),
            TrashCommand::Empty => ("empty", "", String::new()),
        }
    }

    pub fn parse(action: &str, kind: &str, id: &str) -> Option<TrashCommand> {
        let target = || {
            let kind = match kind {
                "media" => TrashKind::Media,
                "collection" => TrashKind::Collection,
                _ => return None,
            };
            Some((kind, id.parse().ok()?))
        };
        match action {
            "restore" => target().map(|(k, id)| TrashCommand::Restore(k, id)),
            "purge" => target().map(|(k, id)| TrashCommand::Purge(k, id)),
            "empty" => Some(TrashCommand::Empty),
            _ => None,
        }
    }

    fn selection(kind: TrashKind, id: Uuid) -> TrashSelection {
        match kind {
            TrashKind::Media => TrashSelection { media: vec![id], collections: Vec::new() },
            TrashKind::Collection => TrashSelection { media: Vec::new(), collections: vec![id] },
        }
    }

    /// Runs it through the JSON API; the sentence the page shows.
    async fn run(self) -> Result<String, AppError> {
        match self {
            TrashCommand::Restore(kind, id) => {
                let s = Self::selection(kind, id);
                let done = restore_trash(s.media, s.collections).await?;
                Ok(done_sentence(if done.is_empty() { "nothing" } else { "restored" }).to_string())
            }
            TrashCommand::Purge(kind, id) => {
                let s = Self::selection(kind, id);
                let done = purge_trash(s.media, s.collections, false).await?;
                Ok(done_sentence(if done.is_empty() { "nothing" } else { "purged" }).to_string())
            }
            TrashCommand::Empty => {
                purge_trash(Vec::new(), Vec::new(), true).await?;
                Ok(done_sentence("emptied").to_string())
            }
        }
    }
}

/// What the page says after a command, by the code a plain form's redirect carries.
pub fn done_sentence(code: &str) -> &'static str {
    match code {
        "restored" => "Restored. It is back where it was.",
        "purged" => "Deleted for good.",
        "emptied" => "The trash is empty now.",
        "nothing" => "That is no longer in the trash.",
        _ => "Done.",
    }
}

/// What the page says when a plain form's command failed, by the code its redirect carries
/// (never a message from the URL: a crafted link cannot make the page say anything).
pub fn error_sentence(code: &str) -> &'static str {
    match code {
        "forbidden" => "Viewers cannot restore or delete. Ask an editor.",
        "store" => "The store refused to delete a file, so it stays in the trash. Try again later.",
        "unavailable" => "The library is unavailable right now. Try again in a moment.",
        _ => "That did not work. Reload the page and try again.",
    }
}

#[component]
fn TrashView() -> impl IntoView {
    let command = Action::new(|c: &TrashCommand| c.run());
    let trash = Resource::new(move || command.version().get(), |_| list_trash());
    let people = Resource::new(|| (), |_| list_people());
    let query = use_query_map();
    let message = move || match command.value().get() {
        Some(Ok(sentence)) => Some(view! { <p class="notice" role="status">{sentence}</p> }.into_any()),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        None => query.with(|q| {
            if let Some(code) = q.get("done") {
                Some(view! { <p class="notice" role="status">{done_sentence(&code)}</p> }.into_any())
            } else {
                q.get("error").map(|code| {
                    let sentence = error_sentence(&code);
                    view! { <p class="error" role="alert">{sentence}</p> }.into_any()
                })
            }
        }),
    };
    view! {
        <h1>"Trash"</h1>
        {message}
        <Transition fallback=|| view! { <p class="loading">"Loading the trash…"</p> }>
            {move || Suspend::new(async move {
                let team = people.await.unwrap_or_default();
                let name_of = move |id: Option<Uuid>| {
                    id.and_then(|id| team.iter().find(|p| p.id == id)).map_or("a former member".to_string(), |p| p.name().to_string())
                };
                match trash.await {
                    Ok(contents) if contents.is_empty() => view! {
                        <p class="empty">{format!("The trash is empty. What you delete stays here for {} days, then it is deleted for good.", contents.retention_days)}</p>
                    }.into_any(),
                    Ok(contents) => view! { <TrashList contents name_of=Callback::new(name_of) command/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not load the trash: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TrashList(
    contents: TrashContents,
    name_of: Callback<Option<Uuid>, String>,
    command: Action<TrashCommand, Result<String, AppError>>,
) -> impl IntoView {
    let can_edit = use_can_edit();
    let count = contents.media.len() + contents.collections.len();
    let until = |at| short_utc(&contents.purged_after(at));
    let media = contents.media.iter().map(|t| {
        let media = &t.item.media;
        let name = media.display_name().to_string();
        let id = media.id;
        let thumb = (media.is_image() || t.item.poster.is_some())
            .then(|| t.item.poster.clone().unwrap_or_else(|| t.item.url.clone()));
        view! {
            <li class="trash-row" data-id=id.to_string()>
                {thumb.map(|src| view! { <img class="trash-thumb" src=src alt="" loading="lazy" width="64" height="64"/> })}
                <span class="title">{name.clone()}</span>
                <span class="when">{format!("Deleted {} by {}; deleted for good after {}", short_utc(&t.deleted_at), name_of.run(t.deleted_by), until(t.deleted_at))}</span>
                <Controls target=(TrashKind::Media, id) name can_edit command/>
            </li>
        }
    }).collect_view();
    let collections = contents.collections.iter().map(|t| {
        let c = &t.item.collection;
        let id = c.id;
        let items = t.item.item_count;
        view! {
            <li class="trash-row" data-id=id.to_string()>
                <span class="title">{c.title.clone()}</span>
                <span class="when">{format!("Collection of {items} item{}, deleted {} by {}; deleted for good after {}", if items == 1 { "" } else { "s" }, short_utc(&t.deleted_at), name_of.run(t.deleted_by), until(t.deleted_at))}</span>
                <Controls target=(TrashKind::Collection, id) name=c.title.clone() can_edit command/>
            </li>
        }
    }).collect_view();
    view! {
        <p>{format!("Deleted things stay here for {} days, then they are deleted for good. Restoring puts an item back in its collections at its place.", contents.retention_days)}</p>
        <Show when=move || can_edit.get()>
            <details class="confirm">
                <summary>"Empty trash…"</summary>
                <CommandForm command=TrashCommand::Empty run=command label=format!("Delete all {count} for good") danger=true/>
            </details>
        </Show>
        {(!contents.media.is_empty()).then(|| view! {
            <h2>{format!("Media ({})", contents.media.len())}</h2>
            <ul class="trash">{media}</ul>
        })}
        {(!contents.collections.is_empty()).then(|| view! {
            <h2>{format!("Collections ({})", contents.collections.len())}</h2>
            <ul class="trash">{collections}</ul>
        })}
    }
}

#[component]
fn Controls(
    target: (TrashKind, Uuid),
    name: String,
    can_edit: Signal<bool>,
    command: Action<TrashCommand, Result<String, AppError>>,
) -> impl IntoView {
    let (kind, id) = target;
    let restore_label = format!("Restore {name}");
    let purge_label = format!("Delete \u{201c}{name}\u{201d} for good");
    view! {
        <Show when=move || can_edit.get()>
            <CommandForm command=TrashCommand::Restore(kind, id) run=command label="Restore".to_string() aria_label=restore_label.clone()/>
            <details class="confirm">
                <summary>"Delete forever…"</summary>
                <CommandForm command=TrashCommand::Purge(kind, id) run=command label=purge_label.clone() danger=true/>
            </details>
        </Show>
    }
}

/// A form that POSTs `command` to `/trash`, or, once hydrated, runs it through the API.
/// `danger` marks the buttons that delete for good.
#[component]
fn CommandForm(
    command: TrashCommand,
    run: Action<TrashCommand, Result<String, AppError>>,
    label: String,
    #[prop(optional)] aria_label: Option<String>,
    #[prop(optional)] danger: bool,
) -> impl IntoView {
    let (action, kind, id) = command.fields();
    view! {
        <form method="post" action="/trash" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            run.dispatch(command);
        }>
            <input type="hidden" name="action" value=action/>
            <input type="hidden" name="kind" value=kind/>
            <input type="hidden" name="id" value=id/>
            <button type="submit" class:danger=danger aria-label=aria_label>{label}</button>
        </form>
    }
}
