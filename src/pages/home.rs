use leptos::prelude::*;
use leptos_meta::Title;

/// The public front page. Published collections will be listed here.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <header class="topbar public">
            <a class="brand" href="/">"Vitrine"</a>
            <nav aria-label="Account"><a href="/login">"Sign in"</a></nav>
        </header>
        <main class="page">
            <h1>"Vitrine"</h1>
            <p class="lead">"A media library: upload straight to storage, organise into collections, share galleries."</p>
            <p class="empty">"No published collections yet."</p>
        </main>
    }
}
