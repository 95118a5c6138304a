//! `/account`: a person's own name, password, signed-in browsers and API tokens.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::{
    list_sessions, list_tokens, ChangePassword, CreateToken, RevokeToken, SignOutOthers, UpdateAccount,
};
use crate::components::copy_text::CopyText;
use crate::components::require_user::{use_user, RequireUser};
use crate::model::people::{
    browser_name, ApiToken, Scope, SessionInfo, DISPLAY_NAME, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};
use crate::model::short_utc;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Your account"/>
        <RequireUser>
            <h1>"Your account"</h1>
            <NameForm/>
            <PasswordForm/>
            <Sessions/>
            <Tokens/>
        </RequireUser>
    }
}

#[component]
fn NameForm() -> impl IntoView {
    let user = use_user();
    let update = ServerAction::<UpdateAccount>::new();
    let name = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(name) = name.get() {
            update.dispatch(UpdateAccount { display_name: name.value() });
        }
    };
    view! {
        <h2>"Profile"</h2>
        <p>{move || user.with(|u| u.as_ref().map(|u| format!("{} · {}", u.email, u.role.label())))}</p>
        <form class="toolbar" on:submit=on_submit>
            <label>
                "Display name "
                <input type="text" required maxlength=DISPLAY_NAME.max_chars node_ref=name
                    value=move || user.with(|u| u.as_ref().map(|u| u.display_name.clone()).unwrap_or_default())/>
            </label>
            <button type="submit" disabled=move || update.pending().get()>"Save name"</button>
        </form>
        {move || match update.value().get() {
            Some(Ok(_)) => Some(view! { <p class="notice" role="status">"Name saved."</p> }.into_any()),
            Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
            None => None,
        }}
    }
}

/// A real `POST /account/password` form: works before hydration and without JavaScript.
#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let current = NodeRef::<leptos::html::Input>::new();
    let new = NodeRef::<leptos::html::Input>::new();
    let query = use_query_map();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(current), Some(new)) = (current.get(), new.get()) else { return };
        change.dispatch(ChangePassword { current_password: current.value(), new_password: new.value() });
        current.set_value("");
        new.set_value("");
    };
    let message = move || {
        match change.value().get() {
        Some(Ok(ended)) => {
            Some((false, format!("Password changed. {ended} other session(s) were signed out.")))
        }
        Some(Err(e)) => Some((true, e.to_string())),
        None => query.with(|q| {
            if q.get("saved").as_deref() == Some("password") {
                Some((false, "Password changed. Your other sessions were signed out.".to_string()))
            } else {
                q.get("error").map(|_| {
                    (true, format!("The current password is not right, or the new one is not {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters."))
                })
            }
        }),
    }
    };
    view! {
        <h2>"Password"</h2>
        <form class="stack" method="post" action="/account/password" on:submit=on_submit>
            <label>"Current password" <input type="password" name="current_password" autocomplete="current-password" required node_ref=current/></label>
            <label>
                {format!("New password (at least {PASSWORD_MIN_CHARS} characters)")}
                <input type="password" name="new_password" autocomplete="new-password" required minlength=PASSWORD_MIN_CHARS maxlength=PASSWORD_MAX_CHARS node_ref=new/>
            </label>
            {move || message().map(|(is_error, text)| if is_error {
                view! { <p class="error" role="alert">{text}</p> }.into_any()
            } else {
                view! { <p class="notice" role="status">{text}</p> }.into_any()
            })}
            <button type="submit" disabled=move || change.pending().get()>"Change password"</button>
        </form>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let sign_out = ServerAction::<SignOutOthers>::new();
    let sessions = Resource::new(move || sign_out.version().get(), |_| list_sessions());
    view! {
        <h2>"Where you are signed in"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(list) => view! { <ul class="sessions">{list.into_iter().map(session_row).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <button type="button" on:click=move |_| { sign_out.dispatch(SignOutOthers {}); }>"Sign out everywhere else"</button>
    }
}

fn session_row(session: SessionInfo) -> impl IntoView {
    view! {
        <li>
            <span class="agent" title=session.user_agent.clone()>{browser_name(&session.user_agent)}</span>
            {format!(" · signed in {} · last seen {}", short_utc(&session.created_at), short_utc(&session.last_seen_at))}
            {session.current.then_some(" · this browser")}
        </li>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let user = use_user();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_tokens());
    let name = NodeRef::<leptos::html::Input>::new();
    let scope = NodeRef::<leptos::html::Select>::new();
    let days = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(name), Some(scope), Some(days)) = (name.get(), scope.get(), days.get()) else { return };
        let Ok(scope) = Scope::parse(&scope.value()) else { return };
        let expires_in_days = days.value().trim().parse::<u32>().ok();
        create.dispatch(CreateToken { name: name.value(), scope, expires_in_days });
        name.set_value("");
    };
    let can_write = move || user.with(|u| u.as_ref().is_some_and(|u| Scope::Write.allowed_for(u.role)));
    view! {
        <h2>"API tokens"</h2>
        <p>"For scripts: send " <code>"Authorization: Bearer vt_…"</code> " to the same " <code>"/api/…"</code> " endpoints the app uses."</p>
        <form class="toolbar" on:submit=on_submit>
            <input type="text" aria-label="Token name" placeholder="What uses it (backup script)" required node_ref=name/>
            <select aria-label="Token scope" node_ref=scope>
                <option value="read">"Read only"</option>
                {move || can_write().then(|| view! { <option value="write">"Read and write"</option> })}
            </select>
            <label>"Expires in " <input type="number" min="1" max="3650" placeholder="never" aria-label="Expires in days (empty: never)" node_ref=days/> " days"</label>
            <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
        </form>
        {move || match create.value().get() {
            Some(Ok(new)) => Some(view! {
                <div class="notice" role="status">
                    <p>"Copy the token now: it is shown only this once."</p>
                    <CopyText label="New API token" text=new.secret/>
                </div>
            }.into_any()),
            Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
            None => None,
        }}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match tokens.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No tokens yet."</p> }.into_any(),
                    Ok(list) => view! { <ul class="tokens">{list.into_iter().map(|token| view! { <TokenRow token revoke/> }).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TokenRow(token: ApiToken, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let id = token.id;
    let used =
        token.last_used_at.map(|at| format!("last used {}", short_utc(&at))).unwrap_or_else(|| "never used".into());
    let expires =
        token.expires_at.map(|at| format!("expires {}", short_utc(&at))).unwrap_or_else(|| "no expiry".into());
    view! {
        <li>
            <code>{format!("{}…", token.prefix)}</code>
            {format!(" {} · {} · {} · {}", token.name, token.scope.as_str(), used, expires)}
            <button type="button" on:click=move |_| { revoke.dispatch(RevokeToken { id }); }>
                "Revoke" <span class="visually-hidden">{format!(" {}", token.name)}</span>
            </button>
        </li>
    }
}
