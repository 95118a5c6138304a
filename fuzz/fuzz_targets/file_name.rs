//! Any name the checker accepts becomes a storage key under `media/<uuid>/` made only of
//! [a-z0-9.-] with no `..`; names it refuses are refused without panicking.
#![no_main]

#[path = "../../src/server/naming.rs"]
#[allow(dead_code)]
mod naming;

#[path = "../../src/model/file_name.rs"]
#[allow(dead_code)]
mod file_name;

libfuzzer_sys::fuzz_target!(|name: &str| {
    let Ok(checked) = file_name::FileName::parse(name) else { return };
    assert!(!checked.as_str().contains('/') && !checked.as_str().contains('\\'));
    assert!(checked.as_str().len() <= file_name::FileName::MAX_BYTES);
    let id = uuid::Uuid::nil();
    let key = naming::object_key(id, checked.as_str());
    let prefix = format!("media/{id}/");
    let tail = key.strip_prefix(&prefix).unwrap_or_else(|| panic!("{key:?}"));
    assert!(!tail.is_empty() && tail.len() <= 112, "{key:?}");
    assert!(tail.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'), "{key:?}");
    assert!(!tail.contains("..") && !tail.starts_with('.'), "{key:?}");
});
