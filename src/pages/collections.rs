use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::require_user::RequireUser;

#[component]
pub fn CollectionsPage() -> impl IntoView {
    view! {
        <Title text="Collections"/>
        <RequireUser>
            <h1>"Collections"</h1>
            <p class="empty">"No collections yet."</p>
        </RequireUser>
    }
}
