//! Sign-in. The form is a real `POST /login`: before the page hydrates (a slow link) or without
//! JavaScript it still signs in, and the password never lands in the address bar. Once
//! hydrated, the same form calls `/api/auth/login` and stays on the page for errors.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::Login;

/// The sentence for an `error` code a form's redirect carries (see `server::people::forms`).
pub fn sign_in_error(code: &str) -> &'static str {
    match code {
        "credentials" => "Email or password is incorrect.",
        "rate_limited" => "Too many attempts. Try again in a little while.",
        "invalid" => "This account is disabled. Ask an owner of this Vitrine to enable it.",
        "unavailable" => "The service is temporarily unavailable. Try again shortly.",
        _ => "Something went wrong. Try again.",
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let email = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let navigate = use_navigate();
    let query = use_query_map();

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
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
        None => query.with(|q| q.get("error").map(|code| sign_in_error(&code).to_string())),
    };

    view! {
        <Title text="Sign in"/>
        <main class="page narrow">
            <h1>"Sign in to Vitrine"</h1>
            <form class="stack" method="post" action="/login" on:submit=on_submit>
                <label>"Email" <input type="email" name="email" autocomplete="username" required node_ref=email/></label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required node_ref=password/>
                </label>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
