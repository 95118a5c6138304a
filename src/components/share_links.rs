//! A collection's share links in its editor: make one (label, expiry, password, downloads),
//! copy it, see its views, revoke it.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::shares::{create_share, list_shares, revoke_share};
use crate::components::copy_text::CopyText;
use crate::model::share::{ShareForm, ShareLink, ShareRules, ShareSettings, ShareStatus};

/// Now, as the browser's clock says: only for turning the hydrated form's "days" into an expiry
/// (a link's status comes from the server's clock).
fn now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(feature = "hydrate")]
    let ms = js_sys::Date::now() as i64;
    #[cfg(not(feature = "hydrate"))]
    let ms = 0;
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The sentence for the `share_error` code a form post's redirect carries.
pub fn share_error(code: &str) -> &'static str {
    match code {
        "invalid" => "Those settings were not taken: a label has at most 100 characters, a password 6 to 200, an expiry 1 to 3650 days, quotas whole numbers (with uploads only).",
        "forbidden" => "Only editors and owners make and revoke share links.",
        "not_found" => "That link or collection no longer exists.",
        _ => "Something went wrong. Try again.",
    }
}

#[component]
pub fn ShareLinks(collection_id: Uuid) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let links = Resource::new(move || reload.get(), move |_| list_shares(collection_id));
    // A form posted without JavaScript comes back with `?share_error=<code>`.
    let query = leptos_router::hooks::use_query_map();
    let error =
        RwSignal::new(query.with_untracked(|q| q.get("share_error")).map(|code| share_error(&code).to_string()));
    let label = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let allow_download = RwSignal::new(false);
    let allow_upload = RwSignal::new(false);
    let max_files = RwSignal::new(String::new());
    let max_megabytes = RwSignal::new(String::new());

    let create = Action::new(move |settings: &ShareSettings| create_share(collection_id, settings.clone()));
    Effect::new(move |_| match create.value().get() {
        Some(Ok(_)) => {
            label.set(String::new());
            days.set(String::new());
            password.set(String::new());
            error.set(None);
            reload.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let revoke = Action::new(move |id: &Uuid| revoke_share(*id));
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(_)) => reload.update(|n| *n += 1),
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let ticked = |on: bool| on.then(|| "on".to_string());
        let form = ShareForm {
            label: label.get_untracked(),
            days: days.get_untracked(),
            password: password.get_untracked(),
            allow_download: ticked(allow_download.get_untracked()),
            allow_upload: ticked(allow_upload.get_untracked()),
            max_files: max_files.get_untracked(),
            max_megabytes: max_megabytes.get_untracked(),
        };
        match form.settings(now()) {
            Ok(settings) => {
                create.dispatch(settings);
            }
            Err(e) => error.set(Some(e)),
        }
    };

    view! {
        <section class="share-links" aria-labelledby="share-links-heading">
            <h2 id="share-links-heading">"Share links"</h2>
            <p class="hint">"A private link shows this collection to whoever has it, published or not, until it expires or you revoke it."</p>
            // A real form post before the page hydrates or without JavaScript (`POST /shares`):
            // the password never lands in a URL.
            <form class="stack share-form" method="post" action="/shares" on:submit=on_create>
                <input type="hidden" name="intent" value="create"/>
                <input type="hidden" name="collection_id" value=collection_id.to_string()/>
                <label>"Label" <input type="text" name="label" maxlength=ShareRules::LABEL.max_chars placeholder="Client review"
                    prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/></label>
                <label>"Expires after (days, empty for never)" <input type="number" name="days" min="1" max="3650" inputmode="numeric"
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev))/></label>
                <label>"Password (optional)" <input type="password" name="password" autocomplete="new-password"
                    minlength=ShareRules::PASSWORD_MIN_CHARS maxlength=ShareRules::PASSWORD_MAX_CHARS
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/></label>
                <label class="inline"><input type="checkbox" name="allow_download" prop:checked=move || allow_download.get()
                    on:change=move |ev| allow_download.set(event_target_checked(&ev))/>" Allow downloading originals"</label>
                <label class="inline"><input type="checkbox" name="allow_upload" prop:checked=move || allow_upload.get()
                    on:change=move |ev| allow_upload.set(event_target_checked(&ev))/>" Allow uploads (a file request: what is sent waits in the inbox below)"</label>
                <label>"Most files, with uploads (empty for no limit)" <input type="number" name="max_files" min="1" max=ShareRules::MAX_FILES inputmode="numeric"
                    prop:value=move || max_files.get() on:input=move |ev| max_files.set(event_target_value(&ev))/></label>
                <label>"Most megabytes, with uploads (empty for no limit)" <input type="number" name="max_megabytes" min="1" inputmode="numeric"
                    prop:value=move || max_megabytes.get() on:input=move |ev| max_megabytes.set(event_target_value(&ev))/></label>
                <button type="submit" disabled=move || create.pending().get()>"Create link"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading links…"</p> }>
                {move || Suspend::new(async move {
                    match links.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No share links yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="share-list">
                                {list.into_iter().map(|link| view! { <LinkRow link revoke/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LinkRow(link: ShareLink, revoke: Action<Uuid, Result<ShareLink, crate::error::AppError>>) -> impl IntoView {
    let status = link.status;
    let name = if link.label.is_empty() { "Unlabelled link".to_string() } else { link.label.clone() };
    let mut facts = vec![match link.expires_at {
        Some(at) if status == ShareStatus::Expired => format!("expired {}", crate::model::short_utc(&at)),
        Some(at) => format!("until {}", crate::model::short_utc(&at)),
        None => "no expiry".to_string(),
    }];
    if link.has_password {
        facts.push("password".into());
    }
    if link.allow_download {
        facts.push("downloads".into());
    }
    if link.allow_upload {
        let mut uploads = "takes uploads".to_string();
        if let Some(n) = link.max_files {
            uploads.push_str(&format!(", up to {n} files"));
        }
        if let Some(n) = link.max_bytes {
            uploads.push_str(&format!(", up to {}", humansize::format_size(n, humansize::DECIMAL)));
        }
        facts.push(uploads);
    }
    facts.push(format!("{} view{}", link.view_count, if link.view_count == 1 { "" } else { "s" }));
    let id = link.id;
    let revoke_label = format!("Revoke {name}");
    view! {
        <li class="share-row" data-status=format!("{status:?}").to_lowercase()>
            <strong>{name}</strong>
            {match status {
                ShareStatus::Revoked => view! { <span class="badge">"Revoked"</span> }.into_any(),
                ShareStatus::Expired => view! { <span class="badge">"Expired"</span> }.into_any(),
                ShareStatus::Active => view! {
                    <span class="muted caption" aria-hidden="true">"Gallery"</span>
                    <CopyText label="Share link" text=link.url.clone()/>
                    {link.allow_upload.then(|| view! {
                        <span class="muted caption" aria-hidden="true">"Upload page"</span>
                        <CopyText label="Upload link" text=format!("{}/upload", link.url)/>
                    })}
                }.into_any(),
            }}
            <span class="muted">{facts.join(" · ")}</span>
            {(status == ShareStatus::Active).then(|| view! {
                <form method="post" action="/shares" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    revoke.dispatch(id);
                }>
                    <input type="hidden" name="intent" value="revoke"/>
                    <input type="hidden" name="collection_id" value=link.collection_id.to_string()/>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" class="danger" aria-label=revoke_label>"Revoke"</button>
                </form>
            })}
        </li>
    }
}
