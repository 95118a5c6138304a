//! Any title gives a slug that is safe in a URL path: [a-z0-9-], no leading, trailing or
//! doubled dash, at most 80 bytes, never empty.
#![no_main]

#[path = "../../src/server/naming.rs"]
#[allow(dead_code)]
mod naming;

libfuzzer_sys::fuzz_target!(|title: &str| {
    let slug = naming::slugify(title);
    assert!(!slug.is_empty() && slug.len() <= naming::MAX_SLUG_LEN, "{title:?} -> {slug:?}");
    assert!(slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{slug:?}");
    assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"), "{slug:?}");
    let next = naming::next_candidate(&slug, &[slug.clone()]);
    assert!(next.len() <= naming::MAX_SLUG_LEN && next != slug, "{next:?}");
});
