//! An item's picture as every page shows it: the `srcset` from the one builder in `cdn`, its
//! intrinsic size (no layout shift), its ThumbHash placeholder until the image arrives, its
//! focal point kept in view where CSS crops it, and an alt text (the item's, else its name).

use leptos::prelude::*;

use crate::model::media::MediaItem;

/// When the browser should fetch the image.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Loading {
    /// Below the fold: when scrolled near.
    #[default]
    Lazy,
    /// Above the fold: now.
    Eager,
    /// The page's largest paint: now, before anything else.
    First,
}

#[component]
pub fn MediaImage(
    item: MediaItem,
    /// How wide the image is shown, for the browser to pick a `srcset` entry (`sizes`).
    sizes: &'static str,
    #[prop(optional)] loading: Loading,
    /// Beside a text that already names it: `alt=""`, so screen readers do not say it twice.
    #[prop(optional)]
    decorative: bool,
) -> impl IntoView {
    let MediaItem { media, url, srcset, placeholder, .. } = item;
    let alt = match decorative {
        true => String::new(),
        false if media.alt_text.is_empty() => media.display_name().to_string(),
        false => media.alt_text.clone(),
    };
    // Wherever CSS crops it (`object-fit: cover` tiles and cards), its focal point stays in view.
    let style = [
        placeholder.map(|p| format!("background-image: url({p})")),
        media.focus.map(|f| format!("object-position: {}", f.object_position())),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ");
    let style = (!style.is_empty()).then_some(style);
    view! {
        <img src=url srcset=srcset sizes=sizes width=media.width height=media.height alt=alt style=style
            loading=if loading == Loading::Lazy { "lazy" } else { "eager" }
            fetchpriority=if loading == Loading::First { "high" } else { "auto" }
            decoding="async"/>
    }
}
