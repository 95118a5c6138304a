use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::auth::Login;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if let Some(Ok(_)) = login.value().get() {
            navigate("/library", Default::default());
        }
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(email), Some(password)) = (email.get(), password.get()) else { return };
        login.dispatch(Login { email: email.value(), password: password.value() });
    };

    let error = move || match login.value().get() {
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }),
        _ => None,
    };

    view! {
        <Title text="Sign in"/>
        <main class="page narrow">
            <h1>"Sign in to Vitrine"</h1>
            <form class="stack" on:submit=on_submit>
                <label>"Email" <input type="email" name="email" autocomplete="username" required node_ref=email/></label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required node_ref=password/>
                </label>
                {error}
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
