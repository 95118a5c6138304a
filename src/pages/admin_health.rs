//! `/admin/health` (owners): the self-test, and a probe upload from this very browser (the
//! real preflight, PUT and ETag read that uploads depend on).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::admin::run_checks;
use crate::components::copy_text::CopyText;
use crate::components::require_user::RequireUser;
use crate::model::people::Access;
use crate::model::selftest::Check;

#[component]
pub fn AdminHealthPage() -> impl IntoView {
    view! {
        <Title text="Self-test"/>
        <RequireUser needs=Access::Owner>
            <SelfTest/>
        </RequireUser>
    }
}

#[component]
fn SelfTest() -> impl IntoView {
    let again = RwSignal::new(0u32);
    let checks = Resource::new(move || again.get(), |_| run_checks());
    view! {
        <div class="page-head">
            <h1>"Self-test"</h1>
            <button type="button" on:click=move |_| again.update(|n| *n += 1)>"Run again"</button>
        </div>
        <p>"What this server finds, with the fix for anything that is not right."</p>
        <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Checking…"</p> }>
            {move || Suspend::new(async move {
                match checks.await {
                    Ok(list) => view! { <ul class="checks">{list.into_iter().map(check_row).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <h2>"From this browser"</h2>
        <BrowserProbe/>
    }
}

fn check_row(check: Check) -> impl IntoView {
    let verdict = check.verdict;
    view! {
        <li class="check" data-verdict=format!("{verdict:?}").to_lowercase()>
            <strong>{check.name.clone()}</strong> ": " <span class="verdict">{verdict.label()}</span>
            " — " {check.detail}
            {check.fix.map(|fix| view! { <div class="fix">"Fix: " <CopyText label="Fix" text=fix/></div> })}
        </li>
    }
}

/// Uploads a probe from the browser to the address uploads use, and reads the ETag back: a
/// CORS rule that blocks the PUT or hides the ETag shows here exactly as uploads would fail.
#[component]
fn BrowserProbe() -> impl IntoView {
    let result = RwSignal::new(None::<Check>);
    let running = RwSignal::new(false);
    let run = move |_| {
        running.set(true);
        result.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            result.set(Some(probe().await));
            running.set(false);
        });
    };
    view! {
        <p>"Uploads one small probe file from this browser, as uploads do, then deletes it."</p>
        <button type="button" on:click=run disabled=move || running.get()>"Test an upload from this browser"</button>
        {move || result.get().map(|check| view! { <ul class="checks" aria-live="polite">{check_row(check)}</ul> })}
    }
}

#[cfg(feature = "hydrate")]
async fn probe() -> Check {
    use crate::api::admin::{finish_probe, start_probe};
    use crate::components::uploader::xhr::{put_file, PutError};
    const NAME: &str = "Upload from this browser";
    let probe = match start_probe().await {
        Ok(probe) => probe,
        Err(e) => return Check::fail(NAME, e.to_string(), "See the checks above."),
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&probe.body));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence(&parts) else {
        return Check::fail(NAME, "the browser could not make the probe", "Try another browser.");
    };
    let outcome = match put_file(&probe.upload, &blob, |_| {}) {
        Ok(put) => put.wait().await,
        Err(e) => Err(e),
    };
    let _ = finish_probe(probe.key.clone()).await;
    let fix = "Give the bucket the CORS rule shown in the check above (it allows this origin and exposes ETag).";
    match outcome {
        Ok(response) if (200..300).contains(&response.status) && response.etag.is_some() => {
            Check::ok(NAME, "the probe went straight to the store, and the page could read its ETag")
        }
        Ok(response) if (200..300).contains(&response.status) => {
            Check::fail(NAME, "the probe was stored, but the page cannot read its ETag (not exposed by CORS)", fix)
        }
        Ok(response) => Check::fail(NAME, format!("the store answered {}", response.status), fix),
        Err(PutError::Network) => Check::fail(NAME, "the PUT was blocked or the store is unreachable from here", fix),
        Err(e) => Check::fail(NAME, format!("{e:?}"), fix),
    }
}
