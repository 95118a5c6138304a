//! What file requests brought into a collection, waiting for an editor: accept (into the
//! library, appended to the collection) or reject (deleted for good).

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::shares::{accept_inbox, reject_inbox, share_inbox};
use crate::components::media_image::{Loading, MediaImage};
use crate::model::share::InboxItem;

/// An accept (`true`) or reject of one item, and what the server did.
type Decision = Action<(Uuid, bool), (bool, Result<Vec<Uuid>, crate::error::AppError>)>;

#[component]
pub fn ShareInbox(
    collection_id: Uuid,
    /// Bumped when an item is accepted, so the collection shows it.
    accepted: RwSignal<u32>,
    /// The page's one live region: what was done is said there.
    announcement: RwSignal<String>,
) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let items = Resource::new(move || reload.get(), move |_| share_inbox(Some(collection_id)));
    let error = RwSignal::new(None::<String>);
    let decide = Action::new(move |(id, accept): &(Uuid, bool)| {
        let (id, accept) = (*id, *accept);
        async move {
            let done = if accept { accept_inbox(vec![id]).await } else { reject_inbox(vec![id]).await };
            (accept, done)
        }
    });
    Effect::new(move |_| match decide.value().get() {
        Some((accept, Ok(done))) => {
            error.set(None);
            announcement.set(match (accept, done.len()) {
                (_, 0) => "That item was already dealt with.".to_string(),
                (true, _) => "Accepted: it is now in the collection.".to_string(),
                (false, _) => "Rejected and deleted.".to_string(),
            });
            reload.update(|n| *n += 1);
            if accept {
                accepted.update(|n| *n += 1);
            }
        }
        Some((_, Err(e))) => error.set(Some(e.to_string())),
        None => {}
    });
    view! {
        <section class="share-inbox" aria-labelledby="inbox-heading">
            <h2 id="inbox-heading">"Inbox"</h2>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading the inbox…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"Nothing waiting. Files sent through a link that allows uploads arrive here first."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="inbox-list">
                                {list.into_iter().map(|item| view! { <InboxRow item decide/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn InboxRow(item: InboxItem, decide: Decision) -> impl IntoView {
    let id = item.item.media.id;
    let name = item.item.media.display_name().to_string();
    let when = crate::model::short_utc(&item.received_at);
    let shows_image = item.item.media.is_image();
    let thumb = item.item.clone();
    view! {
        <li class="inbox-row" data-media-id=id.to_string()>
            {shows_image.then(|| view! { <MediaImage item=thumb sizes="96px" loading=Loading::Lazy decorative=true/> })}
            <span class="inbox-name"><strong>{name.clone()}</strong>" "<span class="muted">{format!("{} · {when}", item.share_label)}</span></span>
            <button type="button" class="primary" aria-label=format!("Accept {name}")
                on:click=move |_| { decide.dispatch((id, true)); }>"Accept"</button>
            <button type="button" class="danger" aria-label=format!("Reject {name}")
                on:click=move |_| { decide.dispatch((id, false)); }>"Reject"</button>
        </li>
    }
}
