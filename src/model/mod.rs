//! Types shared by the server and the browser. No I/O, no sqlx: the server maps rows into these.

pub mod collection;
pub mod content_type;
mod email;
pub mod file_name;
pub mod focus;
pub mod key;
pub mod media;
pub mod people;
pub mod photo;
pub mod search;
pub mod selftest;
pub mod share;
pub mod tag;
pub mod text;
pub mod trash;
pub mod upload;

pub use content_type::{ContentType, MediaKind};
pub use email::Email;
pub use file_name::FileName;
pub use key::ObjectKey;
pub use people::{CurrentUser, Role};

/// "2026-12-01 17:45 UTC": how the UI shows a moment. Written out by hand: chrono's `format`
/// would bring its whole strftime machinery into the browser's Wasm for two fields.
pub fn short_utc(at: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    #[test]
    fn moments_read_as_date_and_minute() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-04T05:06:59Z").unwrap().with_timezone(&chrono::Utc);
        assert_eq!(super::short_utc(&at), "2026-03-04 05:06 UTC");
    }
}
