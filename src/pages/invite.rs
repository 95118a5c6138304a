//! `/invite/<secret>`: someone invited chooses a display name and a password. Like sign-in,
//! the form is a real `POST /invite` (works before hydration and without JavaScript); once
//! hydrated it calls `/api/invitations/accept`. A used, expired or withdrawn link gets a page
//! that says so.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::people::{get_invitation, AcceptInvitation};
use crate::error::AppError;
use crate::model::people::{Invitation, DISPLAY_NAME, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = Resource::new(token, get_invitation);
    view! {
        <Title text="Join"/>
        <main class="page narrow">
            <Suspense fallback=|| view! { <p class="loading">"Opening the invitation…"</p> }>
                {move || Suspend::new(async move {
                    match invitation.await {
                        Ok(invitation) => view! { <AcceptForm invitation token=token()/> }.into_any(),
                        Err(AppError::Gone(message)) => view! {
                            <h1>"This invitation cannot be used"</h1>
                            <p class="error" role="alert">{message}</p>
                            <p><a href="/login">"Go to sign-in"</a></p>
                        }.into_any(),
                        Err(e) => view! {
                            <h1>"Join Vitrine"</h1>
                            <p class="error" role="alert">{e.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn AcceptForm(invitation: Invitation, token: String) -> impl IntoView {
    let accept = ServerAction::<AcceptInvitation>::new();
    let name = NodeRef::<Input>::new();
    let password = NodeRef::<Input>::new();
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(Ok(_)) = accept.value().get() {
            navigate("/library", Default::default());
        }
    });
    let on_submit = {
        let token = token.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (Some(name), Some(password)) = (name.get(), password.get()) else { return };
            accept.dispatch(AcceptInvitation {
                token: token.clone(),
                display_name: name.value(),
                password: password.value(),
            });
        }
    };
    let error = move || match accept.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
        None => query.with(|q| {
            q.get("error").map(|_| {
                format!(
                    "Choose a display name, and a password of {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters."
                )
            })
        }),
    };
    view! {
        <h1>"Join Vitrine"</h1>
        <p>
            "You are invited as " <strong>{invitation.role.label()}</strong> " with "
            <strong>{invitation.email.clone()}</strong> "."
        </p>
        <form class="stack" method="post" action="/invite" on:submit=on_submit>
            <input type="hidden" name="token" value=token/>
            <input type="email" hidden autocomplete="username" value=invitation.email.clone() aria-hidden="true" tabindex="-1"/>
            <label>
                "Your name, as the team sees it"
                <input type="text" name="display_name" autocomplete="name" required maxlength=DISPLAY_NAME.max_chars node_ref=name/>
            </label>
            <label>
                {format!("Choose a password (at least {PASSWORD_MIN_CHARS} characters)")}
                <input type="password" name="password" autocomplete="new-password" required
                    minlength=PASSWORD_MIN_CHARS maxlength=PASSWORD_MAX_CHARS node_ref=password/>
            </label>
            {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <button type="submit" class="primary" disabled=move || accept.pending().get()>"Join"</button>
        </form>
    }
}
