//! A photo's EXIF block, read from the first bytes completion already fetched (no second
//! request) with kamadak-exif, and never trusted: a value out of any camera's range, a date
//! before photography or after now, text that is not printable is dropped, field by field.
//! Compiled on its own by the `exif` fuzz target, so it names nothing of the server.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use exif::{In, Tag, Value};

use crate::model::photo::{GpsPosition, PhotoFacts};

/// Longest text kept from a field (a camera model, a lens).
const MAX_TEXT_CHARS: usize = 64;

/// The facts of a photo, and the moment it was taken for sorting (the camera's local time
/// taken as UTC when it recorded no offset). `None` when there is no readable EXIF block.
pub fn read_photo_facts(prefix: &[u8], now: DateTime<Utc>) -> Option<(PhotoFacts, Option<DateTime<Utc>>)> {
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(prefix)).ok()?;
    let text = |tag| exif.get_field(tag, In::PRIMARY).and_then(|f| clean_text(&f.value));
    let rational = |tag| exif.get_field(tag, In::PRIMARY).and_then(|f| first_rational(&f.value));
    let uint = |tag| exif.get_field(tag, In::PRIMARY).and_then(|f| f.value.get_uint(0));

    let moments = [
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal),
        (Tag::DateTimeDigitized, Tag::OffsetTimeDigitized),
        (Tag::DateTime, Tag::OffsetTime),
    ];
    let (taken, taken_at) = moments
        .into_iter()
        .find_map(|(tag, offset_tag)| {
            let raw = ascii(&exif.get_field(tag, In::PRIMARY)?.value)?;
            let offset = exif.get_field(offset_tag, In::PRIMARY).and_then(|f| ascii(&f.value));
            moment(raw, offset, now)
        })
        .map_or((None, None), |(shown, at)| (Some(shown), Some(at)));

    let facts = PhotoFacts {
        taken,
        camera_make: text(Tag::Make),
        camera_model: text(Tag::Model),
        lens: text(Tag::LensModel),
        exposure_s: rational(Tag::ExposureTime).filter(|s| (1e-6..=3600.0).contains(s)),
        f_number: rational(Tag::FNumber).filter(|f| (0.5..=128.0).contains(f)),
        iso: uint(Tag::PhotographicSensitivity).filter(|iso| (1..=10_000_000).contains(iso)),
        focal_length_mm: rational(Tag::FocalLength).filter(|mm| (0.5..=10_000.0).contains(mm)),
        orientation: uint(Tag::Orientation).filter(|o| (1..=8).contains(o)).and_then(|o| u8::try_from(o).ok()),
        gps: gps(&exif),
        camera_serial: text(Tag::BodySerialNumber),
    };
    Some((facts, taken_at))
}

fn ascii(value: &Value) -> Option<&[u8]> {
    match value {
        Value::Ascii(parts) => parts.first().map(Vec::as_slice),
        _ => None,
    }
}

/// Printable text, trimmed of the padding cameras write (spaces, NULs), at most 64 characters.
fn clean_text(value: &Value) -> Option<String> {
    let text = std::str::from_utf8(ascii(value)?).ok()?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    let ok = !text.is_empty() && text.chars().count() <= MAX_TEXT_CHARS && !text.chars().any(char::is_control);
    ok.then(|| text.to_string())
}

fn first_rational(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Rational(v) => v.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
        Value::SRational(v) => v.first().filter(|r| r.denom != 0).map(|r| r.to_f64()),
        _ => None,
    }?;
    n.is_finite().then_some(n)
}

/// "2024:07:03 14:22:05" (and "+02:00") as shown and as an instant; a date before 1826 (the
/// first photograph) or more than a day ahead of now is a wrong clock, not a date.
fn moment(raw: &[u8], offset: Option<&[u8]>, now: DateTime<Utc>) -> Option<(String, DateTime<Utc>)> {
    let mut dt = exif::DateTime::from_ascii(raw).ok()?;
    if let Some(offset) = offset {
        // A malformed offset is ignored, not the date.
        let _ = dt.parse_offset(offset);
    }
    let naive = NaiveDate::from_ymd_opt(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))?.and_hms_opt(
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
    )?;
    let shown = naive.format("%Y-%m-%d %H:%M:%S").to_string();
    let (shown, at) = match dt.offset.and_then(|minutes| FixedOffset::east_opt(i32::from(minutes) * 60)) {
        Some(zone) => {
            let at = zone.from_local_datetime(&naive).single()?.with_timezone(&Utc);
            (format!("{shown} {zone}"), at)
        }
        None => (shown, Utc.from_utc_datetime(&naive)),
    };
    let first_photograph = Utc.with_ymd_and_hms(1826, 1, 1, 0, 0, 0).single()?;
    (at >= first_photograph && at <= now + chrono::Duration::days(1)).then_some((shown, at))
}

/// Degrees, minutes, seconds and a hemisphere letter, for both axes; a position off the
/// globe, or exactly 0°, 0° (what a receiver without a fix writes), is dropped.
fn gps(exif: &exif::Exif) -> Option<GpsPosition> {
    let axis = |tag, reference, negative: u8, limit: f64| -> Option<f64> {
        let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else { return None };
        if parts.len() < 3 || parts.iter().take(3).any(|r| r.denom == 0) {
            return None;
        }
        let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
        let sign = match ascii(&exif.get_field(reference, In::PRIMARY)?.value)?.first()? {
            c if c.eq_ignore_ascii_case(&negative) => -1.0,
            _ => 1.0,
        };
        let value = sign * degrees;
        (value.is_finite() && value.abs() <= limit).then_some(value)
    };
    let latitude = axis(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S', 90.0)?;
    let longitude = axis(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W', 180.0)?;
    (latitude != 0.0 || longitude != 0.0).then_some(GpsPosition { latitude, longitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiff(fields: &[exif::Field]) -> Vec<u8> {
        let mut writer = exif::experimental::Writer::new();
        for field in fields {
            writer.push_field(field);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        writer.write(&mut out, false).unwrap();
        out.into_inner()
    }

    fn field(tag: Tag, value: Value) -> exif::Field {
        exif::Field { tag, ifd_num: In::PRIMARY, value }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    #[test]
    fn absurd_values_are_dropped_one_by_one() {
        let bytes = tiff(&[
            field(Tag::Model, Value::Ascii(vec![b"  Pixel 8\0\0".to_vec()])),
            field(Tag::Make, Value::Ascii(vec![b"bad\x07bell".to_vec()])),
            field(Tag::DateTimeOriginal, Value::Ascii(vec![b"2099:01:01 00:00:00".to_vec()])),
            field(Tag::DateTime, Value::Ascii(vec![b"2021:05:06 07:08:09".to_vec()])),
            field(Tag::FNumber, Value::Rational(vec![(28, 0).into()])),
            field(Tag::FocalLength, Value::Rational(vec![(1_000_000, 1).into()])),
            field(Tag::Orientation, Value::Short(vec![9])),
            field(Tag::GPSLatitude, Value::Rational(vec![(0, 1).into(), (0, 1).into(), (0, 1).into()])),
            field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"N".to_vec()])),
            field(Tag::GPSLongitude, Value::Rational(vec![(0, 1).into(), (0, 1).into(), (0, 1).into()])),
            field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"E".to_vec()])),
        ]);
        let (facts, taken_at) = read_photo_facts(&bytes, now()).unwrap();
        assert_eq!(facts.camera_model.as_deref(), Some("Pixel 8"));
        assert_eq!(facts.camera_make, None, "control characters");
        // The original date is in the future: the next date the camera wrote is used.
        assert_eq!(facts.taken.as_deref(), Some("2021-05-06 07:08:09"));
        assert_eq!(taken_at, Some(Utc.with_ymd_and_hms(2021, 5, 6, 7, 8, 9).unwrap()));
        assert_eq!((facts.f_number, facts.focal_length_mm, facts.orientation), (None, None, None));
        assert_eq!(facts.gps, None, "0°, 0° is no fix");
    }

    #[test]
    fn an_offset_makes_the_instant_and_is_shown() {
        let bytes = tiff(&[
            field(Tag::DateTimeOriginal, Value::Ascii(vec![b"2024:07:03 14:22:05".to_vec()])),
            field(Tag::OffsetTimeOriginal, Value::Ascii(vec![b"+02:00".to_vec()])),
        ]);
        let (facts, taken_at) = read_photo_facts(&bytes, now()).unwrap();
        assert_eq!(facts.taken.as_deref(), Some("2024-07-03 14:22:05 +02:00"));
        assert_eq!(taken_at, Some(Utc.with_ymd_and_hms(2024, 7, 3, 12, 22, 5).unwrap()));
    }

    #[test]
    fn what_is_not_exif_reads_as_nothing() {
        assert!(read_photo_facts(b"", now()).is_none());
        assert!(read_photo_facts(b"\xFF\xD8\xFF\xE1\x00\x10Exif\0\0MM\0*\0\0\0\x08", now()).is_none());
        let mut truncated = tiff(&[field(Tag::Model, Value::Ascii(vec![b"X100V".to_vec()]))]);
        truncated.truncate(truncated.len() - 3);
        let _ = read_photo_facts(&truncated, now());
    }
}
