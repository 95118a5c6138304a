//! What an object's first bytes say it is, against what it was declared to be.

use crate::model::ContentType;

/// Enough of a file's first bytes to tell its type.
pub(super) const SNIFF_BYTES: u64 = 8 * 1024;

/// `None` when the first bytes are of the declared type; otherwise what they look like.
/// ISO media files (MP4, QuickTime; HEIF, AVIF) share one container and are told apart by
/// brand, which tools write loosely, so each family counts as one type.
pub fn sniff_mismatch(declared: &ContentType, prefix: &[u8]) -> Option<String> {
    const ISO_VIDEO: &[&str] = &["video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp"];
    const ISO_IMAGE: &[&str] = &["image/heif", "image/heic", "image/avif"];
    const OGG: &[&str] = &["video/ogg", "audio/ogg", "audio/x-ogg"];
    let declared = declared.as_str();
    let sniffed = infer::get(prefix).map(|kind| kind.mime_type());
    let same = |found: &str| {
        found == declared
            || [ISO_VIDEO, ISO_IMAGE, OGG].iter().any(|family| family.contains(&found) && family.contains(&declared))
    };
    match sniffed {
        Some(found) if same(found) => None,
        Some(found) => Some(found.to_string()),
        None => Some("of no type we recognise".to_string()),
    }
}
