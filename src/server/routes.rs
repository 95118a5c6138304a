//! The router: which requests go through which layers. Each layer costs every request it
//! wraps, so the cheap answers are made before the expensive layers: static files from memory
//! and `/cdn` variants carry only the security headers; a cached public gallery is answered
//! before routing, so before any session or page handler; only pages and server functions pay
//! for sessions, the cross-site check, the body limit, gzip and request tracing.

use axum::extract::{Request, State};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{predicate::NotForContentType, CompressionLayer, DefaultPredicate, Predicate};
use tower_http::trace::TraceLayer;
use tower_sessions::SessionManagerLayer;

use crate::app::{shell, App};
use crate::server::db::DbSessionStore;
use crate::server::state::AppState;
use crate::server::{collections, health, images, media, people, security, sharing};

/// `store`: the embedded store's route on the app's own origin, when browsers upload there.
pub fn router(
    state: &AppState,
    sessions: SessionManagerLayer<DbSessionStore>,
    store: Option<(String, axum::routing::MethodRouter)>,
) -> Router {
    // What every page render gets: the state, and its Content-Security-Policy with its nonce.
    let page_context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            security::set_page_policy(&state);
        }
    };
    let pages_and_api = Router::new()
        // The sign-in, invitation, password, trash and tags forms also work as plain POSTs (no JavaScript).
        .route("/login", post(people::forms::sign_in))
        .route("/invite", post(people::forms::accept_invitation))
        .route("/account/password", post(people::forms::change_password))
        .route("/trash", post(media::trash_form::submit))
        .route("/tags", post(media::tags_form::submit))
        .route("/duplicates", post(media::duplicates::submit))
        .route("/s/{token}", post(sharing::form::unlock))
        .route("/shares", post(sharing::form::manage))
        .route("/c/{slug}/download", get(collections::download::collection))
        .route("/s/{token}/download", get(collections::download::shared))
        .leptos_routes_with_context(state, generate_route_list(App), page_context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .layer(from_fn_with_state(state.clone(), sharing::views::count))
        .layer(from_fn_with_state(state.clone(), people::session::authenticate))
        .layer(from_fn_with_state(state.clone(), security::same_origin_only))
        .layer(from_fn(security::limit_body))
        .layer(sessions)
        // Text responses are gzipped on the way out (cached galleries come gzipped already);
        // video is excluded because Range responses must stay byte-exact.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("video/"))
                    .and(NotForContentType::const_new("application/zip")),
            ),
        )
        .layer(TraceLayer::new_for_http());

    // Anything else: a static file from memory, or the 404 page (rendered like every page).
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context, shell);
    let fallback = move |State(state): State<AppState>, request: Request| {
        let not_found = not_found.clone();
        async move {
            let uri = request.uri();
            match state.assets.respond(uri.path(), uri.query(), request.headers()) {
                Some(response) => response,
                None => not_found(uri.clone(), State(state.clone()), request).await as Response,
            }
        }
    };

    let mut router = Router::new();
    if let Some((path, store)) = store {
        // Object bytes: no session, no body limit, no gzip; SigV4 is the store's own check.
        router = router.route_service(&path, store);
    }
    router
        .route("/healthz", get(health::healthz))
        .route("/cdn/{*key}", get(images::serve))
        .merge(pages_and_api)
        .fallback(fallback)
        // A cached public gallery is answered here, before routing reaches the page handler
        // (whose per-request setup alone cost more than the answer).
        .layer(from_fn_with_state(state.clone(), collections::public_pages::public_pages))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .with_state(state.clone())
}
