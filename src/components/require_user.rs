use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::api::auth::me;
use crate::components::nav::Nav;
use crate::error::AppError;
use crate::model::people::Access;
use crate::model::CurrentUser;

/// The signed-in person, for the page's controls (see [`use_user`]).
#[derive(Clone, Copy)]
struct SignedIn(Resource<Result<CurrentUser, AppError>>);

/// Wraps a signed-in page: the nav for a signed-in user, a redirect to the sign-in page for
/// everyone else (a 302 when rendered on the server).
///
/// The page itself is rendered once, outside the session check's Suspense: resources created
/// inside a re-running `Suspend` would be created twice on the server, and hydration would then
/// pair the page's resources with the wrong serialized values. Its own server calls are
/// refused with 401 without a session, so nothing leaks before the redirect.
#[component]
pub fn RequireUser(
    /// What the page needs: a viewer seeing an owner's page is sent to the library.
    #[prop(optional)]
    needs: Option<Access>,
    children: Children,
) -> impl IntoView {
    let user = Resource::new(|| (), |_| me());
    provide_context(SignedIn(user));
    view! {
        <Suspense fallback=|| view! { <header class="topbar"><span class="brand">"Vitrine"</span></header> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) if needs.is_some_and(|access| !user.may(access)) => {
                        view! { <Redirect path="/library"/> }.into_any()
                    }
                    Ok(user) => view! { <Nav user/> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <main class="page">{children()}</main>
    }
}

/// The signed-in person, once known (inside a [`RequireUser`] page).
pub fn use_user() -> Signal<Option<CurrentUser>> {
    let signed_in = use_context::<SignedIn>();
    Signal::derive(move || signed_in.and_then(|SignedIn(user)| user.get()).and_then(Result::ok))
}

/// Whether the signed-in person may upload, edit, organize and delete: viewers see none of
/// those controls (and the API refuses them anyway).
pub fn use_can_edit() -> Signal<bool> {
    let user = use_user();
    Signal::derive(move || user.with(|user| user.as_ref().is_some_and(CurrentUser::can_edit)))
}
