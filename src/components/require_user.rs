use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::auth::me;
use crate::components::nav::Nav;
use crate::error::AppError;

/// Wraps a signed-in page: renders it under the nav for a signed-in user, sends everyone else
/// to the sign-in page (a 302 when rendered on the server).
#[component]
pub fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let user = Resource::new(|| (), |_| me());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => {
                        provide_context(user.clone());
                        view! {
                            <Nav user/>
                            <main class="page">{children.with_value(|c| c())}</main>
                        }
                            .into_any()
                    }
                    Err(AppError::Unauthorized) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
