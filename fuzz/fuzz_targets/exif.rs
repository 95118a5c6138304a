//! Any bytes read as a photo's first bytes give facts or nothing, never a panic; what is
//! kept is within the ranges the reader promises.
#![no_main]

mod model {
    #[path = "../../../src/model/photo.rs"]
    #[allow(dead_code)]
    pub mod photo;
}

#[path = "../../src/server/media/exif.rs"]
#[allow(dead_code)]
mod exif_reader;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    if let Some((facts, taken_at)) = exif_reader::read_photo_facts(bytes, now) {
        assert!(taken_at.is_none_or(|at| at <= now + chrono::Duration::days(1)));
        assert!(facts.orientation.is_none_or(|o| (1..=8).contains(&o)));
        assert!(facts.f_number.is_none_or(f64::is_finite));
        if let Some(gps) = facts.gps {
            assert!(gps.latitude.abs() <= 90.0 && gps.longitude.abs() <= 180.0);
        }
        let _ = facts.exposure_summary();
        let _ = facts.camera();
    }
});
