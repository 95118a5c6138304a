//! `/people` (owners): the team, their roles, invitations.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::people::{
    list_invitations, list_people, DeletePerson, DisablePerson, EnablePerson, Invite, RevokeInvitation, UpdatePerson,
};
use crate::components::copy_text::CopyText;
use crate::components::require_user::{use_user, RequireUser};
use crate::error::AppError;
use crate::model::people::{Access, Invitation, Person};
use crate::model::{short_utc, Role};

#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <Title text="People"/>
        <RequireUser needs=Access::Owner>
            <PeopleView/>
        </RequireUser>
    }
}

/// Every change on this page, so the lists reload after any of them.
#[derive(Clone, Copy)]
struct Actions {
    update: ServerAction<UpdatePerson>,
    disable: ServerAction<DisablePerson>,
    enable: ServerAction<EnablePerson>,
    delete: ServerAction<DeletePerson>,
    invite: ServerAction<Invite>,
    revoke: ServerAction<RevokeInvitation>,
}

impl Actions {
    fn version(&self) -> usize {
        self.update.version().get()
            + self.disable.version().get()
            + self.enable.version().get()
            + self.delete.version().get()
            + self.invite.version().get()
            + self.revoke.version().get()
    }

    /// The latest refusal of any of them, to show once.
    fn error(&self) -> Option<AppError> {
        [
            self.update.value().get().and_then(Result::err),
            self.disable.value().get().and_then(Result::err),
            self.enable.value().get().and_then(Result::err),
            self.delete.value().get().and_then(Result::err),
            self.revoke.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

#[component]
fn PeopleView() -> impl IntoView {
    let actions = Actions {
        update: ServerAction::new(),
        disable: ServerAction::new(),
        enable: ServerAction::new(),
        delete: ServerAction::new(),
        invite: ServerAction::new(),
        revoke: ServerAction::new(),
    };
    let people = Resource::new(move || actions.version(), |_| list_people());
    let invitations = Resource::new(move || actions.version(), |_| list_invitations());
    view! {
        <h1>"People"</h1>
        {move || actions.error().map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })}
        <Transition fallback=|| view! { <p class="loading">"Loading people…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    Ok(list) => view! {
                        <div class="table-scroll">
                        <table class="people">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>{list.into_iter().map(|person| view! { <PersonRow person actions/> }).collect_view()}</tbody>
                        </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <InviteForm invite=actions.invite/>
        <h2>"Pending invitations"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match invitations.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No pending invitations."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="invitations">
                            {list.into_iter().map(|invitation| view! { <InvitationRow invitation revoke=actions.revoke/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PersonRow(person: Person, actions: Actions) -> impl IntoView {
    let id = person.id;
    let me = use_user();
    let is_me = move || me.with(|me| me.as_ref().is_some_and(|me| me.id == id));
    let name = person.name().to_string();
    let on_role = move |ev: leptos::ev::Event| {
        if let Ok(role) = Role::parse(&event_target_value(&ev)) {
            actions.update.dispatch(UpdatePerson { id, role });
        }
    };
    let confirm_delete = {
        let name = name.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            {
                let question = format!("Delete {name}'s account? What they uploaded stays in the library.");
                if !window().confirm_with_message(&question).unwrap_or(false) {
                    return;
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &name;
            actions.delete.dispatch(DeletePerson { id });
        }
    };
    let role = person.role;
    view! {
        <tr data-email=person.email.clone()>
            <td>{name.clone()} {move || is_me().then_some(" (you)")}</td>
            <td>{person.email.clone()}</td>
            <td>
                <select aria-label=format!("Role of {name}") on:change=on_role>
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> }).collect_view()}
                </select>
            </td>
            <td>{if person.disabled { "Disabled" } else { "Active" }}</td>
            <td class="actions">
                {if person.disabled {
                    view! { <button type="button" on:click=move |_| { actions.enable.dispatch(EnablePerson { id }); }>"Enable"</button> }.into_any()
                } else {
                    view! { <button type="button" on:click=move |_| { actions.disable.dispatch(DisablePerson { id }); }>"Disable"</button> }.into_any()
                }}
                <button type="button" class="danger" on:click=confirm_delete>"Delete"</button>
            </td>
        </tr>
    }
}

#[component]
fn InviteForm(invite: ServerAction<Invite>) -> impl IntoView {
    let email = NodeRef::<leptos::html::Input>::new();
    let role = NodeRef::<leptos::html::Select>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(email), Some(role)) = (email.get(), role.get()) else { return };
        let Ok(role) = Role::parse(&role.value()) else { return };
        invite.dispatch(Invite { email: email.value(), role });
        email.set_value("");
    };
    let result = move || match invite.value().get() {
        Some(Ok(new)) => {
            let link = format!("{}{}", origin(), new.link);
            Some(view! {
                <div class="notice" role="status">
                    <p>{format!("Send this link to {}. It works once, until {}.", new.invitation.email, short_utc(&new.invitation.expires_at))}</p>
                    <CopyText label="Invitation link" text=link/>
                </div>
            }.into_any())
        }
        Some(Err(e)) => Some(view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()),
        None => None,
    };
    view! {
        <h2>"Invite someone"</h2>
        <form class="toolbar" on:submit=on_submit>
            <input type="email" aria-label="Email of the person to invite" placeholder="name@example.com" required node_ref=email/>
            <select aria-label="Their role" node_ref=role>
                <option value="viewer">"Viewer: sees everything, changes nothing"</option>
                <option value="editor" selected>"Editor: uploads, edits, publishes"</option>
                <option value="owner">"Owner: also manages people"</option>
            </select>
            <button type="submit" class="primary" disabled=move || invite.pending().get()>"Create invitation link"</button>
        </form>
        {result}
    }
}

#[component]
fn InvitationRow(invitation: Invitation, revoke: ServerAction<RevokeInvitation>) -> impl IntoView {
    let id = invitation.id;
    view! {
        <li>
            <span>{format!("{} as {}, until {}", invitation.email, invitation.role.label(), short_utc(&invitation.expires_at))}</span>
            <button type="button" on:click=move |_| { revoke.dispatch(RevokeInvitation { id }); }>
                "Revoke" <span class="visually-hidden">{format!(" the invitation for {}", invitation.email)}</span>
            </button>
        </li>
    }
}

/// Where this page was loaded from, for links to copy.
fn origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
