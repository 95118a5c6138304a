//! The upload dialog: pick, drop or paste files; each goes straight to the store with a live
//! progress bar, at most three at a time, each cancellable and retryable.

#[cfg(feature = "hydrate")]
mod probes;
#[cfg(feature = "hydrate")]
mod queue;
mod unfinished;
#[cfg(feature = "hydrate")]
pub(crate) mod xhr;

use humansize::{format_size, DECIMAL};
use leptos::prelude::*;
use uuid::Uuid;

use unfinished::Unfinished;

/// The streaming hash, for the benchmark's export (`crate::sha256_streaming`).
#[cfg(feature = "hydrate")]
pub async fn sha256_streaming(file: &web_sys::File) -> Option<String> {
    probes::sha256_streaming(file, |_| {}).await
}

/// Files uploading at once: enough to fill the pipe, few enough that each one progresses.
pub const MAX_IN_FLIGHT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Queued,
    Uploading,
    Verifying,
    Done,
    Failed,
    /// Cancel requested; waiting for the server to record it before a retry is offered.
    Cancelling,
    Cancelled,
    /// The library already holds this content: nothing was sent (see `held_as`).
    Duplicate,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Uploading => "uploading",
            Phase::Verifying => "verifying",
            Phase::Done => "completed",
            Phase::Failed => "failed",
            Phase::Cancelling => "cancelling",
            Phase::Cancelled => "cancelled",
            Phase::Duplicate => "duplicate",
        }
    }

    fn can_retry(self) -> bool {
        matches!(self, Phase::Failed | Phase::Cancelled)
    }

    fn can_cancel(self) -> bool {
        matches!(self, Phase::Queued | Phase::Uploading)
    }

    fn is_active(self) -> bool {
        matches!(self, Phase::Queued | Phase::Uploading | Phase::Verifying)
    }
}

/// One file of the dialog. Signals, so each row updates on its own.
#[derive(Debug, Clone, Copy)]
pub struct UploadItem {
    pub key: u64,
    pub name: StoredValue<String>,
    pub size: u64,
    pub file_id: RwSignal<Option<Uuid>>,
    pub loaded: RwSignal<u64>,
    pub phase: RwSignal<Phase>,
    pub error: RwSignal<Option<String>>,
    /// `Duplicate`: the item of the library holding the same content.
    pub held_as: RwSignal<Option<Uuid>>,
    /// Bytes hashed so far, for a file hashed while it is sent.
    pub hashed: RwSignal<Option<u64>>,
}

impl UploadItem {
    pub fn new(key: u64, name: String, size: u64, file_id: Option<Uuid>, phase: Phase) -> Self {
        UploadItem {
            key,
            name: StoredValue::new(name),
            size,
            file_id: RwSignal::new(file_id),
            loaded: RwSignal::new(0),
            phase: RwSignal::new(phase),
            error: RwSignal::new(None),
            held_as: RwSignal::new(None),
            hashed: RwSignal::new(None),
        }
    }

    /// "Checking the content: 40%" while a file hashed as it is sent is not hashed to the end.
    fn hashing_text(&self) -> Option<String> {
        let hashed = self.hashed.get()?;
        (hashed < self.size && self.phase.get().is_active())
            .then(|| format!("Checking the content: {}%", percent(hashed, self.size)))
    }
}

/// What the dialog shares with its queue.
#[derive(Debug, Clone, Copy)]
pub struct UploaderState {
    pub items: RwSignal<Vec<UploadItem>>,
    /// A batch refused as a whole (the message names the file and the reason).
    pub banner: RwSignal<Option<String>>,
    /// When the current batch started sending (ms since the epoch), for speed and time left.
    pub started_at: RwSignal<Option<f64>>,
    pub now: RwSignal<f64>,
    /// Bumped whenever a file settles, so the job list can refresh.
    pub settled: RwSignal<u64>,
    /// "Checking 2 of 5 files against the library…" while files are hashed before sending.
    pub checking: RwSignal<Option<String>>,
}

#[component]
pub fn Uploader(
    /// Bumped whenever a file reaches a final state.
    settled: RwSignal<u64>,
    /// Files of a batch are added to this collection as they complete.
    #[prop(into, optional)]
    collection_id: Signal<Option<Uuid>>,
    /// A file request's guest: no list of unfinished uploads (the link's guest is shared by
    /// everyone holding the link, and may not ask for it).
    #[prop(optional)]
    guest: bool,
) -> impl IntoView {
    let state = UploaderState {
        items: RwSignal::new(Vec::new()),
        banner: RwSignal::new(None),
        started_at: RwSignal::new(None),
        now: RwSignal::new(0.0),
        settled,
        checking: RwSignal::new(None),
    };
    let _ = collection_id;

    #[cfg(feature = "hydrate")]
    let queue = StoredValue::new_local(queue::Queue::new(state, collection_id));
    #[cfg(feature = "hydrate")]
    provide_context(queue);

    #[cfg(feature = "hydrate")]
    let add_files = move |files: Option<web_sys::FileList>| {
        let Some(files) = files else { return };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        if !files.is_empty() {
            queue.with_value(|q| q.add_files(files));
        }
    };

    let dragging = RwSignal::new(false);
    let input_ref = NodeRef::<leptos::html::Input>::new();

    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        add_files(ev.data_transfer().and_then(|dt| dt.files()));
    };
    let on_change = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(input) = input_ref.get() {
            add_files(input.files());
            // The same file can be picked again after a cancel.
            input.set_value("");
        }
    };

    // Paste anywhere on the page adds the pasted files (screenshots, copied images).
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::paste, move |ev: web_sys::ClipboardEvent| {
            if let Some(files) = ev.clipboard_data().and_then(|dt| dt.files()) {
                if files.length() > 0 {
                    ev.prevent_default();
                    add_files(Some(files));
                }
            }
        });
        on_cleanup(move || handle.remove());
    }

    let totals = Memo::new(move |_| {
        state.items.with(|items| {
            let active: Vec<_> = items
                .iter()
                .filter(|i| !matches!(i.phase.get(), Phase::Cancelled | Phase::Cancelling | Phase::Duplicate))
                .collect();
            let total: u64 = active.iter().map(|i| i.size).sum();
            let loaded: u64 = active
                .iter()
                .map(|i| if i.phase.get() == Phase::Done { i.size } else { i.loaded.get().min(i.size) })
                .sum();
            let running = items.iter().any(|i| i.phase.get().is_active());
            (loaded, total, running)
        })
    });

    let batch_line = move || {
        let (loaded, total, running) = totals.get();
        if total == 0 {
            return String::new();
        }
        let percent = percent(loaded, total);
        let mut line = format!("{} of {} ({percent}%)", format_size(loaded, DECIMAL), format_size(total, DECIMAL));
        if running {
            if let Some(start) = state.started_at.get() {
                let seconds = ((state.now.get() - start) / 1000.0).max(0.001);
                let speed = loaded as f64 / seconds;
                if speed > 1.0 && loaded > 0 {
                    let left = (total - loaded) as f64 / speed;
                    line.push_str(&format!(
                        " · {}/s · {} left",
                        format_size(speed as u64, DECIMAL),
                        duration_text(left)
                    ));
                }
            }
        }
        line
    };

    view! {
        <section class="uploader" aria-label="Upload files">
            <label
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
                data-testid="dropzone"
            >
                <strong>"Drop photos and videos here"</strong>
                <span>" or choose files, or paste an image"</span>
                <input type="file" multiple accept="image/*,video/*" node_ref=input_ref on:change=on_change/>
            </label>
            {move || state.banner.get().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <p class="checking" role="status">{move || state.checking.get()}</p>
            <Show when=move || { totals.get().1 > 0 }>
                <div class="batch">
                    <progress
                        max=move || totals.get().1.max(1).to_string()
                        value=move || totals.get().0.to_string()
                        aria-label="All files"
                    ></progress>
                    <span class="batch-line">{batch_line}</span>
                </div>
            </Show>
            <ul class="upload-items">
                <For each=move || state.items.get() key=|item| item.key let:item>
                    <UploadRow item/>
                </For>
            </ul>
            {(!guest).then(|| view! { <Unfinished state/> })}
        </section>
    }
}

#[component]
fn UploadRow(item: UploadItem) -> impl IntoView {
    let name = item.name.get_value();
    let progress_text = move || {
        if item.phase.get() == Phase::Duplicate {
            return format!("{}, not sent", format_size(item.size, DECIMAL));
        }
        let loaded = if item.phase.get() == Phase::Done { item.size } else { item.loaded.get().min(item.size) };
        format!(
            "{} of {} ({}%)",
            format_size(loaded, DECIMAL),
            format_size(item.size, DECIMAL),
            percent(loaded, item.size)
        )
    };
    #[cfg(feature = "hydrate")]
    let queue = use_context::<StoredValue<queue::Queue, LocalStorage>>();
    let cancel = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(queue) = queue {
            queue.with_value(|q| q.cancel(item.key));
        }
    };
    let retry = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(queue) = queue {
            queue.with_value(|q| q.retry(item.key));
        }
    };
    let upload_anyway = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(queue) = queue {
            queue.with_value(|q| q.upload_anyway(item.key));
        }
    };
    view! {
        <li class="upload-item" data-phase=move || item.phase.get().label()>
            <div class="upload-head">
                <span class="upload-name">{name.clone()}</span>
                <span class="upload-phase">{move || item.phase.get().label()}</span>
            </div>
            <progress
                max=item.size.max(1).to_string()
                value=move || if item.phase.get() == Phase::Done { item.size.to_string() } else { item.loaded.get().to_string() }
                aria-label=format!("Upload of {name}")
            ></progress>
            <div class="upload-foot">
                <span class="upload-bytes">{progress_text}</span>
                <span class="upload-hash">{move || item.hashing_text()}</span>
                {move || item.error.get().map(|e| view! { <span class="error">{e}</span> })}
                <Show when=move || item.phase.get().can_cancel()>
                    <button class="link" on:click=cancel>"Cancel"</button>
                </Show>
                <Show when=move || item.phase.get().can_retry()>
                    <button class="link" on:click=retry>"Retry"</button>
                </Show>
                {move || item.held_as.get().filter(|_| item.phase.get() == Phase::Duplicate).map(|id| view! {
                    <span class="held">"Already in your library: "</span>
                    <a href=format!("/library?item={id}")>"show it"</a>
                    <button class="link" on:click=upload_anyway>"Upload anyway"</button>
                })}
            </div>
        </li>
    }
}

fn percent(loaded: u64, total: u64) -> u64 {
    if total == 0 {
        100
    } else {
        ((u128::from(loaded) * 100 / u128::from(total)).min(100)) as u64
    }
}

fn duration_text(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_whole_and_capped() {
        assert_eq!(percent(0, 10), 0);
        assert_eq!(percent(5, 10), 50);
        assert_eq!(percent(10, 10), 100);
        assert_eq!(percent(11, 10), 100);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(u64::MAX / 2, u64::MAX), 49);
    }

    #[test]
    fn time_left_reads_naturally() {
        assert_eq!(duration_text(4.4), "4 s");
        assert_eq!(duration_text(125.0), "2 min 5 s");
        assert_eq!(duration_text(7300.0), "2 h 1 min");
    }
}
