use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::Logout;
use crate::model::{CurrentUser, Role};

/// The signed-in header: where you can go, who you are, and the way out.
#[component]
pub fn Nav(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            navigate("/login", Default::default());
        }
    });
    let is_owner = user.role == Role::Owner;
    let name = user.name().to_string();
    view! {
        <header class="topbar">
            <a class="brand" href="/library">"Vitrine"</a>
            <nav aria-label="Main">
                <a href="/library">"Library"</a>
                {user.can_edit().then(|| view! { <a href="/uploads">"Uploads"</a> })}
                <a href="/collections">"Collections"</a>
                <a href="/tags">"Tags"</a>
                <a href="/duplicates">"Duplicates"</a>
                <a href="/trash">"Trash"</a>
                {is_owner.then(|| view! { <a href="/people">"People"</a> <a href="/admin/health">"Self-test"</a> })}
            </nav>
            <div class="account">
                <a class="who" href="/account" title=format!("Your account ({})", user.role.label())>{name}</a>
                <button class="link" on:click=move |_| { logout.dispatch(Logout {}); }>"Sign out"</button>
            </div>
        </header>
    }
}
