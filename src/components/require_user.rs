use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::auth::me;
use crate::components::nav::Nav;
use crate::error::AppError;

/// Wraps a signed-in page: the nav for a signed-in user, a redirect to the sign-in page for
/// everyone else (a 302 when rendered on the server).
///
/// The page itself is rendered once, outside the session check's Suspense: resources created
/// inside a re-running `Suspend` would be created twice on the server, and hydration would then
/// pair the page's resources with the wrong serialized values. Its own server calls are
/// refused with 401 without a session, so nothing leaks before the redirect.
#[component]
pub fn RequireUser(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| me());
    view! {
        <Suspense fallback=|| view! { <header class="topbar"><span class="brand">"Vitrine"</span></header> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Nav user/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <main class="page">{children()}</main>
    }
}
