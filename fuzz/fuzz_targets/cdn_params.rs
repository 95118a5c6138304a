//! Any query string is parsed into a transform or refused with a reason, never a panic; an
//! accepted transform written out (its canonical URL form) parses back and writes out the same.
#![no_main]

#[path = "../../src/cdn.rs"]
#[allow(dead_code)]
mod cdn;

libfuzzer_sys::fuzz_target!(|query: &str| {
    if let Ok(transform) = cdn::Transform::parse_query(query) {
        let written = transform.query();
        let again = cdn::Transform::parse_query(written.trim_start_matches('?'))
            .unwrap_or_else(|e| panic!("{query:?} -> {written:?} refused: {e}"));
        assert_eq!(again.query(), written, "{query:?}: the canonical form is stable");
        if transform.focus_crop.is_none() {
            assert_eq!(again, transform, "{query:?} -> {written:?}");
        }
    }
});
