//! The HTML shell and the route table. Each page lives in its own file under `pages/`.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::{
    account::AccountPage, admin_health::AdminHealthPage, collection_editor::CollectionEditorPage,
    collections::CollectionsPage, duplicates::DuplicatesPage, file_request::FileRequestPage, gallery::GalleryPage,
    home::HomePage, invite::InvitePage, library::LibraryPage, login::LoginPage, not_found::NotFound,
    people::PeoplePage, share::SharePage, tags::TagsPage, trash::TrashPage, uploads::UploadsPage,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // Public pages (`/`, `/c/<slug>`) are complete as HTML and do not hydrate: visitors download
    // no Wasm, and the page carries no per-request script nonce, so it can be cached as bytes.
    let hydrate = use_context::<http::request::Parts>().is_none_or(|parts| !is_static_page(parts.uri.path()));
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href=asset_url("/favicon.svg") type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=asset_url("/pkg/vitrine.css")/>
                <AutoReload options=options.clone()/>
                {hydrate.then(|| view! { <HydrationScripts options/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=title_text/>
        // Signed-in pages render in async mode: the session check finishes before the first byte,
        // so a visitor without a session gets a real 302 to /login, not a client-side hop.
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") ssr=SsrMode::Async view=HomePage/>
                <Route path=path!("/c/:slug") ssr=SsrMode::Async view=GalleryPage/>
                <Route path=path!("/s/:token") ssr=SsrMode::Async view=SharePage/>
                <Route path=path!("/s/:token/upload") ssr=SsrMode::Async view=FileRequestPage/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/library") ssr=SsrMode::Async view=LibraryPage/>
                <Route path=path!("/uploads") ssr=SsrMode::Async view=UploadsPage/>
                <Route path=path!("/collections") ssr=SsrMode::Async view=CollectionsPage/>
                <Route path=path!("/collections/:id") ssr=SsrMode::Async view=CollectionEditorPage/>
                <Route path=path!("/people") ssr=SsrMode::Async view=PeoplePage/>
                <Route path=path!("/tags") ssr=SsrMode::Async view=TagsPage/>
                <Route path=path!("/duplicates") ssr=SsrMode::Async view=DuplicatesPage/>
                <Route path=path!("/trash") ssr=SsrMode::Async view=TrashPage/>
                <Route path=path!("/account") ssr=SsrMode::Async view=AccountPage/>
                <Route path=path!("/admin/health") ssr=SsrMode::Async view=AdminHealthPage/>
                <Route path=path!("/invite/:token") ssr=SsrMode::Async view=InvitePage/>
            </Routes>
        </Router>
    }
}

/// Where a static file of the site is fetched from: with its content hash, so browsers keep it
/// until it changes (the shell is rendered on the server only).
pub fn asset_url(path: &str) -> String {
    #[cfg(feature = "ssr")]
    if let Some(state) = use_context::<crate::server::state::AppState>() {
        return state.assets.url(path);
    }
    path.to_string()
}

/// Pages anyone may see, served as plain HTML (see `server::collections::public_pages`). A
/// gallery's download (`/c/<slug>/download`) is not one: the team may download any collection.
pub fn is_public_path(path: &str) -> bool {
    path == "/" || path.strip_prefix("/c/").is_some_and(|slug| !slug.is_empty() && !slug.contains('/'))
}

/// Pages complete as HTML that do not hydrate: the public ones, and share links (which are
/// never cached: each visit counts, and a password may be asked).
pub fn is_static_page(path: &str) -> bool {
    is_public_path(path) || path.strip_prefix("/s/").is_some_and(|token| !token.is_empty() && !token.contains('/'))
}

/// "Page · Vitrine". On the server the text is HTML-escaped here, because leptos_meta writes
/// the `<title>` into the HTML as it is — a collection titled `</title><script>…` would
/// otherwise be markup. In the browser it sets `document.title`, which is plain text.
fn title_text(page: String) -> String {
    let text = if page.is_empty() { "Vitrine".to_string() } else { format!("{page} · Vitrine") };
    #[cfg(feature = "ssr")]
    let text = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    text
}
