use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::require_user::RequireUser;

#[component]
pub fn UploadsPage() -> impl IntoView {
    view! {
        <Title text="Uploads"/>
        <RequireUser>
            <h1>"Uploads"</h1>
            <p class="empty">"No uploads yet."</p>
        </RequireUser>
    }
}
