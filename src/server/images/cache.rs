//! Variants on disk: `<data>/cache/<key>/<query>[.webp]`, written once, never changed (a key's
//! content never changes), all of an item's variants in one folder so a delete removes them.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::cdn::{Format, Transform};
use crate::model::ObjectKey;

/// A key's content never changes, so the variant's identity is the key, the canonical
/// parameters and the format chosen for this browser.
pub(super) fn variant_etag(key: &ObjectKey, transform: &Transform, accepts_webp: bool) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    transform.query().hash(&mut hasher);
    (transform.format == Some(Format::Auto) && accepts_webp).hash(&mut hasher);
    format!("\"v{:016x}\"", hasher.finish())
}

/// `<data>/cache/<key>/<query>[.webp]`: all of an item's variants in one directory, so a delete
/// removes them together.
pub(super) fn cache_path(data_dir: &Path, key: &ObjectKey, transform: &Transform, accepts_webp: bool) -> PathBuf {
    let auto_webp = transform.format == Some(Format::Auto) && accepts_webp;
    let mut name = transform.query().replace(['/', '\\'], "_");
    if auto_webp {
        name.push_str(".webp");
    }
    variant_dir(data_dir, key).join(name)
}

pub fn variant_dir(data_dir: &Path, key: &ObjectKey) -> PathBuf {
    data_dir.join("cache").join(key.as_str())
}

pub(super) async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let tmp = path.with_extension(format!("tmp{}", uuid::Uuid::new_v4().simple()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}
