//! BunnyCDN token authentication (the SHA-256 "advanced" scheme), both ways: signing the URLs
//! Vitrine writes, and checking them where the local image origin stands in for a Bunny zone.
//!
//! token = base64url(SHA-256(key + signed_path + expires + sorted_parameters)), without padding,
//! where `sorted_parameters` is every other query parameter (the transform's `width=…`, and
//! `token_path` for a directory token) as `name=value` joined by `&`, sorted by name. So a
//! changed path, width or expiry makes another token. A directory token signs `token_path`
//! instead of the path and admits every path under it: HLS players fetch segments relative to
//! the playlist, and the path form (`/bcdn_token=…&expires=…&token_path=…/<path>`) carries the
//! token in those relative URLs too.

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The key of a pull zone's token authentication.
#[derive(Clone)]
pub struct TokenKey(SecretString);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(…)")
    }
}

/// Why a URL was refused (the origin answers 403 either way; the reason goes to the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unsigned,
    Malformed,
    Expired,
    /// The token is not the one for this path, these parameters and this expiry.
    Mismatch,
    /// A directory token used outside its directory.
    OutsidePath,
}

/// A request as the origin received it, once its token was checked: the path (still
/// percent-encoded, below the zone root) and the query without the token's own parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub path: String,
    pub query: String,
}

/// The parameters the token scheme itself uses; everything else is signed.
const TOKEN_PARAMETERS: [&str; 2] = ["token", "expires"];
/// Where a path-form token starts.
const PATH_TOKEN_PREFIX: &str = "/bcdn_token=";

impl TokenKey {
    pub fn new(key: SecretString) -> TokenKey {
        TokenKey(key)
    }

    fn token(&self, signed_path: &str, expires: i64, parameters: &[(String, String)]) -> String {
        let mut sorted: Vec<&(String, String)> = parameters.iter().collect();
        sorted.sort();
        let joined = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        let mut hasher = Sha256::new();
        hasher.update(self.0.expose_secret().as_bytes());
        hasher.update(signed_path.as_bytes());
        hasher.update(expires.to_string().as_bytes());
        hasher.update(joined.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hasher.finalize())
    }

    /// `path?query` signed in the query form: `path?token=…&<sorted query>&expires=…`.
    /// `path` is below the zone root and percent-encoded as it will be requested.
    pub fn sign(&self, path: &str, query: &str, expires: i64) -> String {
        let parameters = parse_pairs(query);
        let token = self.token(path, expires, &parameters);
        let mut url = format!("{path}?token={token}");
        for (name, value) in sorted(&parameters) {
            url.push_str(&format!("&{name}={}", encode_component(value)));
        }
        url.push_str(&format!("&expires={expires}"));
        url
    }

    /// `path` signed with a directory token for `directory` (which must end in `/` and hold
    /// `path`), in the path form, so relative URLs resolved against it carry the token.
    pub fn sign_directory(&self, directory: &str, path: &str, expires: i64) -> String {
        let parameters = vec![("token_path".to_string(), directory.to_string())];
        let token = self.token(directory, expires, &parameters);
        format!("{PATH_TOKEN_PREFIX}{token}&expires={expires}&token_path={}{path}", encode_component(directory))
    }

    /// Checks a request's token at `now` (seconds since the epoch). `path` is the request's
    /// path below the zone root, as received (percent-encoded); `query` its raw query.
    pub fn verify(&self, path: &str, query: &str, now: i64) -> Result<Admitted, Refusal> {
        let (path, mut parameters) = match path.strip_prefix(PATH_TOKEN_PREFIX) {
            Some(rest) => {
                // `bcdn_token=T&expires=E&token_path=P` up to the next `/` that starts the path.
                let at = rest.find('/').ok_or(Refusal::Malformed)?;
                let mut pairs = parse_pairs(&format!("token={}", &rest[..at]));
                pairs.extend(parse_pairs(query));
                (rest[at..].to_string(), pairs)
            }
            None => (path.to_string(), parse_pairs(query)),
        };
        let take = |parameters: &mut Vec<(String, String)>, name: &str| {
            let at = parameters.iter().position(|(k, _)| k == name)?;
            Some(parameters.remove(at).1)
        };
        let Some(token) = take(&mut parameters, "token") else { return Err(Refusal::Unsigned) };
        let expires: i64 = take(&mut parameters, "expires").and_then(|e| e.parse().ok()).ok_or(Refusal::Malformed)?;
        if parameters.iter().any(|(k, _)| TOKEN_PARAMETERS.contains(&k.as_str())) {
            return Err(Refusal::Malformed);
        }
        let signed_path = match parameters.iter().find(|(k, _)| k == "token_path") {
            Some((_, directory)) => {
                if !directory.ends_with('/') || !path.starts_with(directory.as_str()) {
                    return Err(Refusal::OutsidePath);
                }
                directory.clone()
            }
            None => path.clone(),
        };
        let expected = self.token(&signed_path, expires, &parameters);
        if !constant_time_eq(expected.as_bytes(), token.as_bytes()) {
            return Err(Refusal::Mismatch);
        }
        if expires <= now {
            return Err(Refusal::Expired);
        }
        Ok(Admitted { path, query: transform_query(parameters) })
    }
}

/// A request's path and query with whatever token it carries taken out, unchecked: for an
/// origin behind a CDN that checked it.
pub fn set_aside(path: &str, query: &str) -> Admitted {
    let path = match path.strip_prefix(PATH_TOKEN_PREFIX) {
        Some(rest) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => path,
    };
    let pairs = parse_pairs(query);
    let query = if pairs.iter().any(|(k, _)| TOKEN_PARAMETERS.contains(&k.as_str()) || k == "token_path") {
        transform_query(pairs)
    } else {
        query.to_string()
    };
    Admitted { path: path.to_string(), query }
}

/// The transform's parameters as `Transform::parse_query` reads them: decoded values (`16:9`,
/// `400,300,0.5,0.5`), the token's own parameters left out.
fn transform_query(pairs: Vec<(String, String)>) -> String {
    pairs
        .into_iter()
        .filter(|(k, _)| !TOKEN_PARAMETERS.contains(&k.as_str()) && k != "token_path")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn sorted(parameters: &[(String, String)]) -> Vec<&(String, String)> {
    let mut sorted: Vec<&(String, String)> = parameters.iter().collect();
    sorted.sort();
    sorted
}

/// `a=1&b=2` as decoded pairs (`+` is a space, as PHP's `parse_str` reads it).
fn parse_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// What PHP's `urlencode` makes of a value, which Bunny's own signers use: our values are
/// digits, words, `:` and `,` and paths, so only those matter.
fn encode_component(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::new(SecretString::from("229248f0-f007-4bf9-ba1f-bbf1b4ad9d40"))
    }

    /// The token Bunny's PHP signer (`sign_bcdn_url`) makes for this key, path and expiry:
    /// SHA-256 over the concatenation, base64url without padding.
    #[test]
    fn the_token_is_bunnys() {
        let mut hasher = Sha256::new();
        hasher.update(b"229248f0-f007-4bf9-ba1f-bbf1b4ad9d40/media/a/b.jpg1598024587width=640");
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hasher.finalize());
        assert_eq!(
            key().sign("/media/a/b.jpg", "width=640", 1598024587),
            format!("/media/a/b.jpg?token={expected}&width=640&expires=1598024587")
        );
    }

    #[test]
    fn a_signed_url_is_admitted_until_it_expires() {
        let url = key().sign("/media/a/b.jpg", "width=640&aspect_ratio=16:9&focus_crop=400,300,0.5,0.25", 2_000);
        let (path, query) = url.split_once('?').unwrap();
        let admitted = key().verify(path, query, 1_999).unwrap();
        assert_eq!(admitted.path, "/media/a/b.jpg");
        assert_eq!(admitted.query, "aspect_ratio=16:9&focus_crop=400,300,0.5,0.25&width=640");
        let transform = crate::cdn::Transform::parse_query(&admitted.query).unwrap();
        assert_eq!((transform.width, transform.aspect_ratio), (Some(640), Some((16, 9))));
        assert!(transform.focus_crop.is_some());
        assert_eq!(key().verify(path, query, 2_000), Err(Refusal::Expired));
    }

    #[test]
    fn anything_changed_is_refused() {
        let url = key().sign("/media/a/b.jpg", "width=640", 2_000);
        let (path, query) = url.split_once('?').unwrap();
        assert_eq!(key().verify("/media/a/c.jpg", query, 0), Err(Refusal::Mismatch));
        assert_eq!(key().verify(path, &query.replace("width=640", "width=641"), 0), Err(Refusal::Mismatch));
        assert_eq!(key().verify(path, &query.replace("expires=2000", "expires=9000"), 0), Err(Refusal::Mismatch));
        assert_eq!(key().verify(path, &format!("{query}&height=10"), 0), Err(Refusal::Mismatch));
        assert_eq!(key().verify(path, "width=640", 0), Err(Refusal::Unsigned));
        assert_eq!(key().verify(path, "token=x&width=640", 0), Err(Refusal::Malformed));
        let other = TokenKey::new(SecretString::from("another key"));
        assert_eq!(other.verify(path, query, 0), Err(Refusal::Mismatch));
    }

    #[test]
    fn a_directory_token_admits_its_directory_only() {
        let signed = key().sign_directory("/media/v/clip.mp4.hls/", "/media/v/clip.mp4.hls/master.m3u8", 5_000);
        assert!(signed.starts_with("/bcdn_token="), "{signed}");
        assert!(signed.contains("&token_path=%2Fmedia%2Fv%2Fclip.mp4.hls%2F/media/v/"), "{signed}");
        // The player resolves a segment against the playlist's URL: same prefix, other file.
        let segment = signed.replace("master.m3u8", "720p/segment_003.ts");
        let admitted = key().verify(&segment, "", 4_999).unwrap();
        assert_eq!(admitted.path, "/media/v/clip.mp4.hls/720p/segment_003.ts");
        assert_eq!(admitted.query, "");
        assert_eq!(key().verify(&signed, "", 5_000), Err(Refusal::Expired));
        let outside = signed.replace("/media/v/clip.mp4.hls/master.m3u8", "/media/v/clip.mp4");
        assert_eq!(key().verify(&outside, "", 0), Err(Refusal::OutsidePath));
        let widened = signed.replace("token_path=%2Fmedia%2Fv%2Fclip.mp4.hls%2F", "token_path=%2Fmedia%2F");
        assert_eq!(key().verify(&widened, "", 0), Err(Refusal::Mismatch));
    }
}
