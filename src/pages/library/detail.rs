//! The detail panel: an item's facts, its title and alt text (saved as you leave a field), its
//! tags, its URL and an HTML snippet to copy.

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::media::{get_media, update_media};
use crate::components::copy_text::CopyText;
use crate::components::media_image::{Loading, MediaImage};
use crate::components::require_user::use_can_edit;
use crate::model::media::MediaDetail;
use crate::model::people::FORMER_MEMBER;
use crate::model::photo::PhotoFacts;
use crate::model::text::{AltText, Title};

use super::focus::FocalPointEditor;
use super::tags::TagEditor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
}

#[component]
pub(super) fn DetailPanel(id: Uuid, open: RwSignal<Option<Uuid>>) -> impl IntoView {
    let detail = Resource::new(move || id, get_media);
    view! {
        <aside class="detail" aria-label="Details">
            <button class="link close" on:click=move |_| open.set(None)>"Close"</button>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <DetailBody detail/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </aside>
    }
}

#[component]
fn DetailBody(detail: MediaDetail) -> impl IntoView {
    let MediaDetail { item, collections } = detail;
    let media_id = item.media.id;
    let title = RwSignal::new(item.media.title.clone());
    let alt_text = RwSignal::new(item.media.alt_text.clone());
    let saved = StoredValue::new((item.media.title.clone(), item.media.alt_text.clone()));
    let state = RwSignal::new(SaveState::Idle);
    let save = Action::new(move |(title, alt): &(String, String)| update_media(media_id, title.clone(), alt.clone()));
    let saved_items = use_context::<super::SavedItems>();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(item)) => {
            if let Some(saved_items) = saved_items {
                saved_items.record(item.clone());
            }
            saved.set_value((item.media.title.clone(), item.media.alt_text.clone()));
            state.set(SaveState::Saved);
        }
        Some(Err(_)) => state.set(SaveState::Idle),
        None => {}
    });
    // Saved when the field loses focus, and only if something changed.
    let save_on_blur = move |_| {
        let current = (title.get_untracked(), alt_text.get_untracked());
        if current != saved.get_value() {
            state.set(SaveState::Saving);
            save.dispatch(current);
        }
    };
    let status = move || match (state.get(), save.value().get()) {
        (SaveState::Saving, _) => view! { <span class="save-state">"Saving…"</span> }.into_any(),
        (_, Some(Err(e))) => {
            view! { <span class="save-state error" role="alert">{format!("Not saved: {e}")}</span> }.into_any()
        }
        (SaveState::Saved, _) => view! { <span class="save-state ok" role="status">"Saved"</span> }.into_any(),
        _ => view! { <span class="save-state"></span> }.into_any(),
    };
    let snippet = if item.media.is_image() {
        format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"100vw\"{} alt=\"{}\">",
            item.url,
            item.srcset,
            match (item.media.width, item.media.height) {
                (Some(w), Some(h)) => format!(" width=\"{w}\" height=\"{h}\""),
                _ => String::new(),
            },
            item.media.alt_text.replace('"', "&quot;")
        )
    } else {
        format!("<video src=\"{}\" controls preload=\"metadata\"></video>", item.url)
    };
    let preview = if item.media.is_video() {
        view! { <video src=item.url.clone() controls preload="metadata"></video> }.into_any()
    } else {
        view! { <MediaImage item=item.clone() sizes="(max-width: 900px) 100vw, 420px" loading=Loading::Eager/> }
            .into_any()
    };
    // Viewers see the text but cannot change it (the API refuses them anyway).
    let can_edit = use_can_edit();
    let read_only = move || !can_edit.get();
    let uploader = item.media.created_by;
    let team = use_context::<super::Team>();
    let uploaded_by = move || {
        let people = team.and_then(|super::Team(people)| people.get()).and_then(Result::ok).unwrap_or_default();
        match uploader.and_then(|id| people.into_iter().find(|p| p.id == id)) {
            Some(person) => person.name().to_string(),
            None => FORMER_MEMBER.to_string(),
        }
    };
    let dimensions = match (item.media.width, item.media.height) {
        (Some(w), Some(h)) => format!("{w} × {h}"),
        _ => "—".to_string(),
    };
    let photo_facts = item.media.photo.as_ref().map(photo_rows).unwrap_or_default();
    view! {
        <div class="detail-preview">{preview}</div>
        <dl class="facts">
            <dt>"File"</dt><dd>{item.media.original_filename.clone()}</dd>
            <dt>"Type"</dt><dd>{item.media.content_type.to_string()}</dd>
            <dt>"Size"</dt><dd>{format_size(item.media.size, DECIMAL)}</dd>
            <dt>"Dimensions"</dt><dd>{dimensions}</dd>
            <dt>"Uploaded"</dt><dd>{crate::model::short_utc(&item.media.created_at)}</dd>
            <dt>"Uploaded by"</dt><dd class="uploader">{uploaded_by}</dd>
            {photo_facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
            <dt>"Collections"</dt>
            <dd>
                {if collections.is_empty() {
                    view! { "None" }.into_any()
                } else {
                    collections.into_iter().map(|c| view! { <span class="chip">{c.title}</span> }).collect_view().into_any()
                }}
            </dd>
        </dl>
        <div class="stack edit" data-media-id=media_id.to_string()>
            <label>"Title" <input type="text" maxlength=Title::MAX_CHARS prop:value=move || title.get() readonly=read_only
                on:input=move |ev| title.set(event_target_value(&ev)) on:blur=save_on_blur/></label>
            <label>"Alt text" <textarea maxlength=AltText::MAX_CHARS rows="3" prop:value=move || alt_text.get() readonly=read_only
                on:input=move |ev| alt_text.set(event_target_value(&ev)) on:blur=save_on_blur></textarea></label>
            {status}
        </div>
        {item.media.is_image().then(|| view! { <FocalPointEditor item=item.clone() can_edit/> })}
        <TagEditor media_id tags=item.tags.clone() can_edit/>
        <div class="stack">
            <span>"URL"</span>
            <CopyText label="URL" text=item.url.clone()/>
            <label>"HTML" <textarea readonly rows="4">{snippet}</textarea></label>
        </div>
    }
}

/// The photo's EXIF facts as label and value, those it has. The position and the serial are
/// here because only the library's own people see this panel.
fn photo_rows(facts: &PhotoFacts) -> Vec<(&'static str, String)> {
    let position = facts.gps.map(|p| format!("{:.5}, {:.5}", p.latitude, p.longitude));
    [
        ("Taken", facts.taken.clone()),
        ("Camera", facts.camera()),
        ("Lens", facts.lens.clone()),
        ("Exposure", facts.exposure_summary()),
        ("Position", position),
        ("Camera serial", facts.camera_serial.clone()),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|v| (label, v)))
    .collect()
}
