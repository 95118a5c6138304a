//! `/duplicates`: contents the library holds more than once (the same SHA-256), each with its
//! copies side by side. "Keep this one" moves the other copies to the trash, so a wrong click
//! is undone from there.
//!
//! Each button is a plain form POSTing to `/duplicates` (see `server::media::duplicates`), so
//! it works before hydration and without JavaScript; hydrated, it calls `/api/media/keep_one`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::media::{keep_one, list_duplicates};
use crate::components::require_user::{use_can_edit, RequireUser};
use crate::model::media::{DuplicateGroup, MediaItem};
use crate::model::short_utc;

#[component]
pub fn DuplicatesPage() -> impl IntoView {
    view! {
        <Title text="Duplicates"/>
        <RequireUser>
            <DuplicatesView/>
        </RequireUser>
    }
}

/// What the page says after a plain form's POST, by the code its redirect carries.
pub fn outcome_sentence(key: &str, code: &str) -> &'static str {
    match (key, code) {
        ("done", _) => "Kept one; the other copies are in the trash.",
        (_, "forbidden") => "Viewers cannot delete copies. Ask an editor.",
        (_, "missing") => "That item is gone. Reload the page.",
        _ => "That did not work. Reload the page and try again.",
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[component]
fn DuplicatesView() -> impl IntoView {
    let keep = Action::new(|id: &Uuid| keep_one(*id));
    let groups = Resource::new(move || keep.version().get(), |_| list_duplicates());
    let query = use_query_map();
    let can_edit = use_can_edit();
    let message = move || {
        match keep.value().get() {
        Some(Ok(done)) => Some(
            view! {
                <p class="notice" role="status">
                    {format!("Kept one; {} other cop{} moved to the trash. ", done.deleted.len(), if done.deleted.len() == 1 { "y" } else { "ies" })}
                    <a href="/trash">"Open the trash"</a>
                </p>
            }
            .into_any(),
        ),
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        None => query.with(|q| {
            let done = q.get("done").map(|code| outcome_sentence("done", &code));
            let error = q.get("error").map(|code| outcome_sentence("error", &code));
            done.map(|s| view! { <p class="notice" role="status">{s}</p> }.into_any())
                .or_else(|| error.map(|s| view! { <p class="error" role="alert">{s}</p> }.into_any()))
        }),
    }
    };
    view! {
        <h1>"Duplicates"</h1>
        <p>"Files whose content is exactly the same (the same SHA-256), uploaded more than once."</p>
        {message}
        <Transition fallback=|| view! { <p class="loading">"Looking for duplicates…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Ok(groups) if groups.is_empty() => view! { <p class="empty">"No duplicates: every file in the library is there once."</p> }.into_any(),
                    Ok(groups) => groups.into_iter().map(|group| view! { <Group group can_edit keep/> }).collect_view().into_any(),
                    Err(e) => view! { <p class="error" role="alert">{format!("Could not look for duplicates: {e}")}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Group(
    group: DuplicateGroup,
    can_edit: Signal<bool>,
    keep: Action<Uuid, Result<crate::api::media::Deleted, crate::error::AppError>>,
) -> impl IntoView {
    let count = group.items.len();
    let title = group.items.first().map(|i| i.media.display_name().to_string()).unwrap_or_default();
    let heading = format!("{title}: {count} copies");
    let label = heading.clone();
    view! {
        <section class="duplicate-group" aria-label=label>
            <h2>{heading}</h2>
            <ul class="duplicate-items">
                {group.items.into_iter().map(|item| view! { <OneCopy item can_edit keep/> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn OneCopy(
    item: MediaItem,
    can_edit: Signal<bool>,
    keep: Action<Uuid, Result<crate::api::media::Deleted, crate::error::AppError>>,
) -> impl IntoView {
    let media = &item.media;
    let id = media.id;
    let name = media.display_name().to_string();
    let thumb =
        (media.is_image() || item.poster.is_some()).then(|| item.poster.clone().unwrap_or_else(|| item.url.clone()));
    let facts = format!("{} · uploaded {}", megabytes(media.size), short_utc(&media.created_at));
    let label = format!("Keep {name}, move the other copies to the trash");
    view! {
        <li class="duplicate-item">
            {thumb.map(|src| view! { <img class="trash-thumb" src=src alt="" loading="lazy" width="96" height="96"/> })}
            <span class="title">{name.clone()}</span>
            <span class="muted">{facts}</span>
            <Show when=move || can_edit.get()>
                <form method="post" action="/duplicates" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    keep.dispatch(id);
                }>
                    <input type="hidden" name="keep" value=id.to_string()/>
                    <button type="submit" aria-label=label.clone()>"Keep this one"</button>
                </form>
            </Show>
        </li>
    }
}
