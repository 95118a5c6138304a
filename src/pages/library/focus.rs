//! The focal point editor in the detail panel: click the picture, or move the point with the
//! arrow keys (Shift: ten times further), and it is saved; the share card and a square crop
//! beside it show at once what every crop will keep in frame.

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::media::set_focal_point;
use crate::model::focus::FocalPoint;
use crate::model::media::{MediaItem, SHARE_CARD};

/// How far one arrow key moves the point (Shift: ten times).
const STEP: f64 = 0.01;

#[component]
pub(super) fn FocalPointEditor(item: MediaItem, can_edit: Signal<bool>) -> impl IntoView {
    let media_id: Uuid = item.media.id;
    let size = item.media.width.zip(item.media.height);
    let point = RwSignal::new(item.media.focus.unwrap_or(FocalPoint::CENTRE));
    let save = Action::new(move |focus: &Option<FocalPoint>| set_focal_point(media_id, *focus));
    let saved_items = use_context::<super::SavedItems>();
    Effect::new(move |_| {
        if let (Some(Ok(item)), Some(saved_items)) = (save.value().get(), saved_items) {
            saved_items.record(item);
        }
    });
    let set = move |focus: Option<FocalPoint>| {
        point.set(focus.unwrap_or(FocalPoint::CENTRE));
        save.dispatch(focus);
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if !can_edit.get_untracked() {
            return;
        }
        let image = event_target::<leptos::web_sys::HtmlElement>(&ev);
        let (w, h) = (f64::from(image.client_width().max(1)), f64::from(image.client_height().max(1)));
        if let Ok(focus) = FocalPoint::parse(
            (f64::from(ev.offset_x()) / w).clamp(0.0, 1.0),
            (f64::from(ev.offset_y()) / h).clamp(0.0, 1.0),
        ) {
            set(Some(focus));
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if !can_edit.get_untracked() {
            return;
        }
        let step = if ev.shift_key() { STEP * 10.0 } else { STEP };
        let (dx, dy) = match ev.key().as_str() {
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            "ArrowDown" => (0.0, step),
            _ => return,
        };
        ev.prevent_default();
        set(Some(point.get_untracked().moved(dx, dy)));
    };
    let marker_style = move || format!("left: {:.2}%; top: {:.2}%", point.get().x() * 100.0, point.get().y() * 100.0);
    let described =
        move || format!("Focal point: {:.0}% across, {:.0}% down.", point.get().x() * 100.0, point.get().y() * 100.0);
    let preview = move |ratio: (u32, u32)| {
        let focus = point.get();
        let position = match size {
            Some(size) => focus.preview_position(size, ratio),
            None => focus.object_position(),
        };
        format!("aspect-ratio: {} / {}; object-position: {position}", ratio.0, ratio.1)
    };
    let status = move || match save.value().get() {
        Some(Err(e)) => {
            view! { <span class="save-state error" role="alert">{format!("Not saved: {e}")}</span> }.into_any()
        }
        Some(Ok(_)) if !save.pending().get() => view! { <span class="save-state ok">"Saved"</span> }.into_any(),
        _ => view! { <span class="save-state"></span> }.into_any(),
    };
    let url = item.url.clone();
    view! {
        <section class="focus-editor" aria-labelledby="focus-heading">
            <h3 id="focus-heading">"Focal point"</h3>
            <p class="hint" id="focus-hint">
                {move || if can_edit.get() {
                    "Click the picture, or focus it and use the arrow keys (Shift: further). Every crop keeps this point in frame."
                } else {
                    "Every crop keeps this point in frame."
                }}
            </p>
            <div class="focus-picker" tabindex=move || if can_edit.get() { "0" } else { "-1" } role="group"
                aria-label=described aria-describedby="focus-hint" on:keydown=on_key>
                <img src=url.clone() alt="" draggable="false" on:click=on_click/>
                <span class="focus-marker" style=marker_style aria-hidden="true"></span>
            </div>
            <p class="visually-hidden" aria-live="polite">{described}</p>
            <div class="focus-previews">
                <figure>
                    <img src=url.clone() alt="" style=move || preview(SHARE_CARD)/>
                    <figcaption>"Share card"</figcaption>
                </figure>
                <figure>
                    <img src=url alt="" style=move || preview((1, 1))/>
                    <figcaption>"Square"</figcaption>
                </figure>
            </div>
            <div class="row">
                <button type="button" class="link" disabled=move || !can_edit.get() on:click=move |_| set(None)>
                    "Back to the centre"
                </button>
                {status}
            </div>
        </section>
    }
}
