//! Unfinished multipart uploads (cut off by a reload, a closed tab, a lost connection): the
//! person picks the same file again and only the missing parts are sent.

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use uuid::Uuid;

use super::UploaderState;
#[cfg(feature = "hydrate")]
use super::{probes, queue};

/// Big uploads cut off by a reload, a closed tab or a lost connection: pick the same file again
/// and only the parts the store does not have are sent.
#[component]
pub(super) fn Unfinished(state: UploaderState) -> impl IntoView {
    // In the browser only: nothing of it is rendered on the server.
    let dismissed = RwSignal::new(Vec::<Uuid>::new());
    let list = LocalResource::new(move || {
        state.settled.track();
        crate::api::uploads::unfinished_uploads()
    });
    let rows = move || {
        let resuming: Vec<Uuid> = state.items.with(|items| items.iter().filter_map(|i| i.file_id.get()).collect());
        list.get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| !resuming.contains(&f.id) && !dismissed.with(|d| d.contains(&f.id)))
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || !rows().is_empty()>
            <div class="unfinished">
                <h2>"Unfinished uploads"</h2>
                <p class="hint">"Choose the same file again to send only what is missing."</p>
                <ul>
                    <For each=rows key=|f| f.id let:file>
                        <UnfinishedRow file state dismissed/>
                    </For>
                </ul>
            </div>
        </Show>
    }
}

#[component]
fn UnfinishedRow(
    file: crate::model::upload::UploadFile,
    state: UploaderState,
    dismissed: RwSignal<Vec<Uuid>>,
) -> impl IntoView {
    let label = format!("Resume {}", file.original_filename);
    let size = format_size(file.size, DECIMAL);
    let name = file.original_filename.clone();
    let input_ref = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let queue = use_context::<StoredValue<queue::Queue, LocalStorage>>();
    #[cfg(feature = "hydrate")]
    let stored = StoredValue::new(file);
    #[cfg(not(feature = "hydrate"))]
    let _ = file;
    let on_change = move |_ev: leptos::ev::Event| {
        let _ = (state, dismissed);
        #[cfg(feature = "hydrate")]
        {
            let Some(picked) = input_ref.get().and_then(|input| input.files()).and_then(|files| files.get(0)) else {
                return;
            };
            let upload_file = stored.get_value();
            let queue = queue;
            leptos::task::spawn_local(async move {
                let same = picked.name() == upload_file.original_filename
                    && picked.size() as u64 == upload_file.size
                    && upload_file.last_modified.is_none_or(|m| m == picked.last_modified() as i64);
                let same = same
                    && match &upload_file.fingerprint {
                        Some(expected) => probes::fingerprint(&picked).await.as_deref() == Some(expected.as_str()),
                        None => true,
                    };
                if !same {
                    state.banner.set(Some(format!(
                        "That is not the file \u{201c}{}\u{201d} was uploading from (its name, size, date or content differ).",
                        upload_file.original_filename
                    )));
                    return;
                }
                state.banner.set(None);
                dismissed.update(|d| d.push(upload_file.id));
                if let Some(queue) = queue {
                    queue.with_value(|q| q.resume(upload_file, picked));
                }
            });
        }
    };
    view! {
        <li class="unfinished-item">
            <span class="upload-name">{name}</span>
            <span class="upload-bytes">{size}</span>
            <label class="button">
                "Choose the file…"
                <input type="file" class="visually-hidden" aria-label=label node_ref=input_ref on:change=on_change/>
            </label>
        </li>
    }
}
