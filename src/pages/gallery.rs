//! `/c/<slug>`: a published collection for anyone, rendered on the server. Everything works
//! with JavaScript off: the lightbox is a `:target` overlay. The page does not hydrate; the small
//! `public/gallery.js` adds keys and swipes to the lightbox.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::api::gallery::get_gallery;
use crate::components::media_image::{Loading, MediaImage};
use crate::model::collection::{CollectionWithItems, GalleryLookup};
use crate::model::media::MediaItem;
use crate::model::media::SHARE_CARD;
use crate::pages::not_found::NotFound;

/// Images above the fold load at once (the first, the likely largest paint, first of all); the
/// rest when scrolled to.
const EAGER_ITEMS: usize = 6;

/// Width of the one variant the lightbox shows.
const LIGHTBOX_WIDTH: u32 = 1920;

/// The URL of the widest `srcset` entry no wider than `max`.
fn largest_up_to(srcset: &str, max: u32) -> Option<String> {
    srcset
        .split(", ")
        .filter_map(|entry| entry.rsplit_once(' '))
        .filter_map(|(url, w)| w.strip_suffix('w')?.parse::<u32>().ok().map(|w| (w, url)))
        .filter(|(w, _)| *w <= max)
        .max_by_key(|(w, _)| *w)
        .map(|(_, url)| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::largest_up_to;

    #[test]
    fn the_lightbox_takes_the_widest_variant_that_fits() {
        let srcset = "a?width=320 320w, a?width=1280 1280w, a?width=1920 1920w, a?width=2560 2560w";
        assert_eq!(largest_up_to(srcset, 1920).as_deref(), Some("a?width=1920"));
        assert_eq!(largest_up_to(srcset, 1000).as_deref(), Some("a?width=320"));
        assert_eq!(largest_up_to("", 1920), None);
    }
}

#[component]
pub fn GalleryPage() -> impl IntoView {
    let params = use_params_map();
    // A plain future, not a Resource: the page does not hydrate, so there is nothing to
    // serialize for a browser to pick up.
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let slug = params.read().get("slug").unwrap_or_default();
                Suspend::new(async move {
                match get_gallery(slug).await {
                    Ok(GalleryLookup::Found { gallery, share_image, canonical_url }) => {
                        view! { <Gallery gallery share_image canonical_url/> }.into_any()
                    }
                    Ok(GalleryLookup::Moved { slug }) => {
                        let to = format!("/c/{slug}");
                        #[cfg(feature = "ssr")]
                        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                            response.set_status(http::StatusCode::MOVED_PERMANENTLY);
                            if let Ok(location) = http::HeaderValue::from_str(&to) {
                                response.insert_header(http::header::LOCATION, location);
                            }
                        }
                        view! { <p>"This gallery moved to " <a href=to.clone()>{to.clone()}</a> "."</p> }.into_any()
                    }
                    Ok(GalleryLookup::NotFound) | Err(_) => view! { <NotFound/> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn Gallery(gallery: CollectionWithItems, share_image: Option<String>, canonical_url: String) -> impl IntoView {
    let CollectionWithItems { collection, items } = gallery;
    let description = if collection.description.trim().is_empty() {
        format!("{} — {} photos and videos on Vitrine", collection.title, items.len())
    } else {
        collection.description.chars().take(300).collect()
    };
    view! {
        <Title text=collection.title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Link rel="canonical" href=canonical_url.clone()/>
        <Meta property="og:type" content="website"/>
        <Meta property="og:title" content=collection.title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:url" content=canonical_url/>
        {share_image.clone().map(|url| view! {
            <Meta property="og:image" content=url/>
            <Meta property="og:image:width" content=SHARE_CARD.0.to_string()/>
            <Meta property="og:image:height" content=SHARE_CARD.1.to_string()/>
        })}
        <Meta name="twitter:card" content=if share_image.is_some() { "summary_large_image" } else { "summary" }/>
        <Meta name="twitter:title" content=collection.title.clone()/>
        {share_image.map(|url| view! { <Meta name="twitter:image" content=url/> })}
        <header class="topbar public">
            <a class="brand" href="/">"Vitrine"</a>
        </header>
        <main class="page gallery" id="gallery">
            <h1>{collection.title.clone()}</h1>
            {(!collection.description.trim().is_empty()).then(|| view! { <p class="lead">{collection.description.clone()}</p> })}
            {collection.allow_download.then(|| view! {
                <p><a class="button" href=format!("/c/{}/download", collection.slug) download="">"Download all (ZIP)"</a></p>
            })}
            <GalleryItems items originals=Vec::new()/>
        </main>
        <script src=crate::app::asset_url("/gallery.js") defer=true></script>
    }
}

/// The grid and its lightboxes, as a published gallery and a share link show them. With
/// `originals` (one per item, in order), each tile offers its original for download.
#[component]
pub fn GalleryItems(items: Vec<MediaItem>, originals: Vec<String>) -> impl IntoView {
    let ids: Vec<String> = items.iter().map(|i| format!("m-{}", i.media.id)).collect();
    let count = items.len();
    if items.is_empty() {
        return view! { <p class="empty">"This gallery is empty."</p> }.into_any();
    }
    view! {
        <ul class="gallery-grid">
            {items.iter().enumerate().map(|(i, item)| {
                let original = originals.get(i).cloned();
                view! { <GalleryTile item=item.clone() index=i original/> }
            }).collect_view()}
        </ul>
        {items.into_iter().enumerate().map(|(i, item)| {
            let previous = i.checked_sub(1).map(|p| ids[p].clone());
            let next = ids.get(i + 1).cloned();
            view! { <Lightbox item index=i count previous next/> }
        }).collect_view()}
    }
    .into_any()
}

#[component]
fn GalleryTile(item: MediaItem, index: usize, original: Option<String>) -> impl IntoView {
    let media = item.media.clone();
    let anchor = format!("#m-{}", media.id);
    let loading = match index {
        0 => Loading::First,
        i if i < EAGER_ITEMS => Loading::Eager,
        _ => Loading::Lazy,
    };
    let inner = if media.is_video() {
        let MediaItem { url, poster, hls, .. } = item;
        view! {
            // HLS where the browser plays it (Safari, iOS), else the original as it is.
            <video controls preload="metadata" poster=poster width=media.width height=media.height
                aria-label=media.display_name().to_string()>
                {hls.map(|src| view! { <source src=src type="application/vnd.apple.mpegurl"/> })}
                <source src=url type=media.content_type.to_string()/>
            </video>
        }
        .into_any()
    } else {
        view! {
            <a href=anchor aria-label=format!("Open {}", media.display_name())>
                <MediaImage item sizes="(max-width: 600px) 100vw, (max-width: 1100px) 50vw, 33vw" loading/>
            </a>
        }
        .into_any()
    };
    let download = original.map(|href| {
        let label = format!("Download {}", media.display_name());
        view! { <a class="download" href=href download="" aria-label=label>"Download original"</a> }
    });
    view! { <li class="gallery-item" data-media-id=media.id.to_string()>{inner}{download}</li> }
}

/// A full-screen view of one item, shown when the URL's fragment names it.
#[component]
fn Lightbox(
    item: MediaItem,
    index: usize,
    count: usize,
    previous: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let MediaItem { media, url, srcset, .. } = item;
    let alt = if media.alt_text.is_empty() { media.display_name().to_string() } else { media.alt_text.clone() };
    // One large variant rather than a second srcset: the page stays light, and an enlarged
    // view is fetched only when opened (lazy + not displayed until targeted).
    let large = largest_up_to(&srcset, LIGHTBOX_WIDTH).unwrap_or(url);
    view! {
        <div class="lightbox" id=format!("m-{}", media.id) role="dialog" aria-label=format!("{} ({} of {count})", media.display_name(), index + 1)>
            <a class="lb-close" href="#gallery" aria-label="Close">"×"</a>
            {previous.map(|p| view! { <a class="lb-prev" href=format!("#{p}") aria-label="Previous">"‹"</a> })}
            {media.is_image().then(|| view! {
                <img src=large alt=alt loading="lazy" decoding="async"/>
            })}
            {next.map(|n| view! { <a class="lb-next" href=format!("#{n}") aria-label="Next">"›"</a> })}
        </div>
    }
}
