use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::require_user::RequireUser;

#[component]
pub fn LibraryPage() -> impl IntoView {
    view! {
        <Title text="Library"/>
        <RequireUser>
            <LibraryView/>
        </RequireUser>
    }
}

#[component]
fn LibraryView() -> impl IntoView {
    // Compact shows more, smaller tiles; the choice is the viewer's, so it is kept in the page.
    let (compact, set_compact) = signal(false);
    view! {
        <div class="page-head">
            <h1>"Library"</h1>
            <button
                class="toggle"
                aria-pressed=move || compact.get().to_string()
                on:click=move |_| set_compact.update(|c| *c = !*c)
            >
                {move || if compact.get() { "Comfortable view" } else { "Compact view" }}
            </button>
        </div>
        <section class="media-grid" class:compact=move || compact.get() aria-label="Media">
            <p class="empty">"Nothing here yet. Upload photos and videos from the " <a href="/uploads">"Uploads"</a> " page."</p>
        </section>
    }
}
