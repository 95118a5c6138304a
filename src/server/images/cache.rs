//! Variants made once and kept: the most asked-for in memory (bounded by bytes, least recently
//! used first out), all of them on disk under `<data>/cache/<key>/<query>[.webp]`. A key's
//! content never changes, so neither does a variant; an item's variants share one folder so a
//! delete removes them together.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderValue;

use super::render::AutoFormat;
use crate::cdn::Transform;
use crate::model::ObjectKey;

/// Memory the variants may take on one instance (`VITRINE_*` needs no knob yet: a 640-px JPEG
/// is ~20-60 KB, so this holds thousands).
const MEMORY_BYTES: u64 = 128 * 1024 * 1024;

/// A variant ready to send.
pub(super) struct Variant {
    pub(super) bytes: Bytes,
    pub(super) content_type: HeaderValue,
}

#[derive(Clone)]
struct VariantWeight;

impl quick_cache::Weighter<String, Arc<Variant>> for VariantWeight {
    fn weight(&self, id: &String, variant: &Arc<Variant>) -> u64 {
        (id.len() + variant.bytes.len() + 128) as u64
    }
}

/// The variants in memory, by identity (`VariantId`).
pub struct Variants {
    memory: quick_cache::sync::Cache<String, Arc<Variant>, VariantWeight>,
}

impl Default for Variants {
    fn default() -> Self {
        Variants { memory: quick_cache::sync::Cache::with_weighter(4096, MEMORY_BYTES, VariantWeight) }
    }
}

impl Variants {
    pub(super) fn get(&self, id: &VariantId) -> Option<Arc<Variant>> {
        self.memory.get(&id.text)
    }

    pub(super) fn keep(&self, id: &VariantId, variant: Arc<Variant>) {
        self.memory.insert(id.text.clone(), variant);
    }

    /// Forgets every variant of `key` (its item was deleted).
    pub fn forget(&self, key: &ObjectKey) {
        let prefix = format!("{key}?");
        self.memory.retain(|id, _| !id.starts_with(&prefix));
    }
}

/// What a variant is: the key, the canonical parameters and, for `format=auto`, what this
/// browser takes. Its ETag follows from it.
pub(super) struct VariantId {
    text: String,
    pub(super) etag: HeaderValue,
}

impl VariantId {
    pub(super) fn new(key: &ObjectKey, transform: &Transform, auto: AutoFormat) -> VariantId {
        let text = format!("{key}?{}{}", transform.query(), auto.suffix("#"));
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"v{:016x}\"", hasher.finish()))
            .unwrap_or(HeaderValue::from_static("\"v\""));
        VariantId { text, etag }
    }
}

/// `<data>/cache/<key>/<query>[.webp|.avif]`: all of an item's variants in one directory, so a
/// delete removes them together.
pub(super) fn cache_path(data_dir: &Path, key: &ObjectKey, transform: &Transform, auto: AutoFormat) -> PathBuf {
    let mut name = transform.query().replace(['/', '\\'], "_");
    name.push_str(&auto.suffix("."));
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
