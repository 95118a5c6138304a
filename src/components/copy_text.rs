use leptos::prelude::*;

/// A one-time secret or link, shown in a read-only field (select it and copy by hand without
/// JavaScript) with a button that copies it.
#[component]
pub fn CopyText(
    /// What the field is, for screen readers.
    label: &'static str,
    text: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let value = text.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&value);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &value;
    };
    view! {
        <div class="copy-text">
            <input type="text" readonly aria-label=label value=text class="secret"/>
            <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
        </div>
    }
}
