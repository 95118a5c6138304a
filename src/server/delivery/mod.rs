//! Delivery URLs: where every image, video and original Vitrine hands out is fetched from (the
//! CDN zone, or this app's own `/cdn` origin), and, with a token key configured, signed the way
//! BunnyCDN's token authentication checks them (`token`), with an expiry chosen by who sees
//! the page:
//! - a signed-in person's library: a rolling window, bucketed by the hour, so every page
//!   rendered within the same hour hands out the same URLs (and browsers and the CDN reuse them);
//! - a public gallery: a week, bucketed by the day (its cached page is rendered again when the
//!   day turns, see `collections::public_pages`);
//! - a share link: the library's window, but never past the link's own expiry.
//!
//! The local image origin checks the same tokens (`admit`), so the embedded setup behaves like a
//! Bunny zone with token authentication on. Without a key nothing is signed or checked.

pub mod token;

use chrono::{DateTime, Duration, Utc};
use url::Url;

use crate::cdn::{encode_key, image_url, ladder, Transform};
use crate::model::ObjectKey;
pub use token::{Admitted, Refusal, TokenKey};

/// How long a library URL stays valid at least, and the bucket its expiry is rounded up to.
pub const LIBRARY_WINDOW: Duration = Duration::hours(12);
pub const LIBRARY_BUCKET: Duration = Duration::hours(1);
/// The same for public galleries.
pub const PUBLIC_WINDOW: Duration = Duration::days(7);
pub const PUBLIC_BUCKET: Duration = Duration::days(1);

/// Who a page's URLs are for (see the module's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Library,
    Public,
    /// A share link's visitor; its expiry, if it has one.
    Shared(Option<DateTime<Utc>>),
}

#[derive(Debug, Clone)]
pub struct Delivery {
    /// The zone root: the CDN's base URL, or `<public>/cdn`, without a trailing `/`.
    base: String,
    key: Option<TokenKey>,
    /// Whether the local origin is the zone browsers fetch from (no CDN configured), and so
    /// checks tokens itself. Behind a CDN, the CDN checks them.
    origin_is_zone: bool,
}

impl Delivery {
    pub fn new(public_base_url: &Url, cdn_base_url: Option<&Url>, key: Option<TokenKey>) -> Delivery {
        let base = match cdn_base_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("{}cdn", public_base_url.as_str()),
        };
        Delivery { base, key, origin_is_zone: cdn_base_url.is_none() }
    }

    /// The URLs one page hands out to `audience` at `now`.
    pub fn for_page(&self, audience: Audience, now: DateTime<Utc>) -> PageUrls<'_> {
        let expires = self.key.as_ref().map(|_| expires_at(audience, now));
        PageUrls { delivery: self, expires }
    }

    /// The day a public page's URLs were signed in: when it changes, a cached public page is
    /// rendered again before its URLs could expire.
    pub fn public_epoch(&self, now: DateTime<Utc>) -> i64 {
        if self.key.is_some() {
            now.timestamp().div_euclid(PUBLIC_BUCKET.num_seconds())
        } else {
            0
        }
    }

    /// A request to the local origin: its path below `/cdn` (percent-encoded, as received) and
    /// its query. With a key, and no CDN in front, the token must be valid at `now`; what is
    /// left is the path and the transform's query. Behind a CDN (which checked the token) a
    /// token that came along is set aside unchecked.
    pub fn admit(&self, path: &str, query: &str, now: DateTime<Utc>) -> Result<Admitted, Refusal> {
        match &self.key {
            Some(key) if self.origin_is_zone => key.verify(path, query, now.timestamp()),
            _ => Ok(token::set_aside(path, query)),
        }
    }
}

/// The expiry (seconds since the epoch) of URLs handed to `audience` at `now`: the window,
/// rounded up to its bucket's end, so a bucket's pages all carry the same URLs.
fn expires_at(audience: Audience, now: DateTime<Utc>) -> i64 {
    let (window, bucket) = match audience {
        Audience::Public => (PUBLIC_WINDOW, PUBLIC_BUCKET),
        Audience::Library | Audience::Shared(_) => (LIBRARY_WINDOW, LIBRARY_BUCKET),
    };
    let bucket = bucket.num_seconds();
    let rolling = (now.timestamp() + window.num_seconds()).div_euclid(bucket) * bucket + bucket;
    match audience {
        Audience::Shared(Some(until)) => rolling.min(until.timestamp()),
        _ => rolling,
    }
}

/// Builds one page's URLs, all with the same expiry.
pub struct PageUrls<'a> {
    delivery: &'a Delivery,
    /// `None`: unsigned.
    expires: Option<i64>,
}

impl PageUrls<'_> {
    /// `<base>/<key>?<transform>`, signed when signing is on.
    pub fn image(&self, key: &ObjectKey, transform: &Transform) -> String {
        match (&self.delivery.key, self.expires) {
            (Some(token_key), Some(expires)) => {
                let path = format!("/{}", encode_key(key.as_str()));
                format!("{}{}", self.delivery.base, token_key.sign(&path, &transform.query(), expires))
            }
            _ => image_url(&self.delivery.base, key.as_str(), transform),
        }
    }

    /// The original, as stored.
    pub fn original(&self, key: &ObjectKey) -> String {
        self.image(key, &Transform::default())
    }

    /// `url 320w, url 640w, …` over the ladder of widths.
    pub fn srcset(&self, key: &ObjectKey, widths: &[u32], original_width: Option<u32>) -> String {
        ladder(widths, original_width)
            .into_iter()
            .map(|w| format!("{} {w}w", self.image(key, &Transform::width(w))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A video's HLS master playlist: signed with a token for its whole folder, in the path
    /// form, so the segments the player fetches relative to it carry the token too.
    pub fn hls(&self, playlist: &ObjectKey) -> String {
        let path = format!("/{}", encode_key(playlist.as_str()));
        match (&self.delivery.key, self.expires) {
            (Some(token_key), Some(expires)) => match path.rfind('/').filter(|at| *at > 0) {
                Some(at) => format!("{}{}", self.delivery.base, token_key.sign_directory(&path[..=at], &path, expires)),
                // A playlist at the zone's root: a directory token would open the whole zone.
                None => self.image(playlist, &Transform::default()),
            },
            _ => format!("{}{path}", self.delivery.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    fn signing() -> Delivery {
        let public = Url::parse("http://127.0.0.1:3000/").unwrap();
        Delivery::new(&public, None, Some(TokenKey::new(SecretString::from("0123456789abcdef0123"))))
    }

    #[test]
    fn one_bucket_hands_out_one_url() {
        let delivery = signing();
        let key = ObjectKey::parse("media/a/b.jpg").unwrap();
        let t = Transform::width(640);
        let first = delivery.for_page(Audience::Library, at(36_000)).image(&key, &t);
        assert_eq!(first, delivery.for_page(Audience::Library, at(36_000 + 3_599)).image(&key, &t));
        assert_ne!(first, delivery.for_page(Audience::Library, at(36_000 + 3_600)).image(&key, &t));
        assert!(first.starts_with("http://127.0.0.1:3000/cdn/media/a/b.jpg?token="), "{first}");
        assert!(first.ends_with(&format!("&width=640&expires={}", 36_000 + 12 * 3_600 + 3_600)), "{first}");
    }

    #[test]
    fn a_library_url_lives_at_least_its_window() {
        for now in [0, 1, 3_599, 3_600, 86_399] {
            let expires = expires_at(Audience::Library, at(now));
            assert!(expires - now > LIBRARY_WINDOW.num_seconds(), "{now}");
            assert!(expires - now <= (LIBRARY_WINDOW + LIBRARY_BUCKET).num_seconds(), "{now}");
            let public = expires_at(Audience::Public, at(now));
            assert!(public - now > PUBLIC_WINDOW.num_seconds(), "{now}");
        }
    }

    #[test]
    fn a_share_links_urls_end_with_it() {
        assert_eq!(expires_at(Audience::Shared(Some(at(5_000))), at(1_000)), 5_000);
        assert_eq!(expires_at(Audience::Shared(None), at(1_000)), expires_at(Audience::Library, at(1_000)));
        let far = at(10_000_000);
        assert_eq!(expires_at(Audience::Shared(Some(far)), at(1_000)), expires_at(Audience::Library, at(1_000)));
    }

    #[test]
    fn the_origin_admits_what_the_pages_hand_out() {
        let delivery = signing();
        let key = ObjectKey::parse("media/a/b.jpg").unwrap();
        let url = delivery.for_page(Audience::Library, at(1_000)).image(&key, &Transform::width(640));
        let below = url.strip_prefix("http://127.0.0.1:3000/cdn").unwrap();
        let (path, query) = below.split_once('?').unwrap();
        let admitted = delivery.admit(path, query, at(1_000)).unwrap();
        assert_eq!((admitted.path.as_str(), admitted.query.as_str()), ("/media/a/b.jpg", "width=640"));
        assert_eq!(delivery.admit(path, query, at(1_000 + 14 * 3_600)), Err(Refusal::Expired));
        assert_eq!(delivery.admit(path, "width=640", at(1_000)), Err(Refusal::Unsigned));
    }

    #[test]
    fn behind_a_cdn_the_origin_leaves_tokens_to_the_cdn() {
        let public = Url::parse("http://127.0.0.1:3000/").unwrap();
        let cdn = Url::parse("https://zone.b-cdn.net").unwrap();
        let key = Some(TokenKey::new(SecretString::from("0123456789abcdef0123")));
        let delivery = Delivery::new(&public, Some(&cdn), key);
        let admitted = delivery.admit("/media/a/b.jpg", "token=x&width=320&expires=1", at(5)).unwrap();
        assert_eq!((admitted.path.as_str(), admitted.query.as_str()), ("/media/a/b.jpg", "width=320"));
        let directory = delivery.admit("/bcdn_token=x&expires=1&token_path=%2Fmedia%2F/media/a/b.m3u8", "", at(5));
        assert_eq!(directory.unwrap().path, "/media/a/b.m3u8");
        let urls = delivery.for_page(Audience::Library, at(0));
        let signed = urls.image(&ObjectKey::parse("media/a/b.jpg").unwrap(), &Transform::width(320));
        assert!(signed.starts_with("https://zone.b-cdn.net/media/a/b.jpg?token="), "{signed}");
    }

    #[test]
    fn a_playlist_at_the_root_gets_no_directory_token() {
        let url = signing().for_page(Audience::Library, at(0)).hls(&ObjectKey::parse("master.m3u8").unwrap());
        assert!(url.contains("/cdn/master.m3u8?token="), "{url}");
    }

    #[test]
    fn without_a_key_nothing_changes() {
        let public = Url::parse("http://127.0.0.1:3000/").unwrap();
        let delivery = Delivery::new(&public, None, None);
        let urls = delivery.for_page(Audience::Library, at(0));
        let key = ObjectKey::parse("media/a/b.jpg").unwrap();
        assert_eq!(urls.image(&key, &Transform::width(320)), "http://127.0.0.1:3000/cdn/media/a/b.jpg?width=320");
        assert_eq!(urls.original(&key), "http://127.0.0.1:3000/cdn/media/a/b.jpg");
        let hls = ObjectKey::parse("media/a/v.mp4.hls/master.m3u8").unwrap();
        assert_eq!(urls.hls(&hls), "http://127.0.0.1:3000/cdn/media/a/v.mp4.hls/master.m3u8");
        assert_eq!(delivery.admit("/x", "width=1", at(0)).unwrap().query, "width=1");
    }
}
