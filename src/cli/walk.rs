//! What `vitrine import` finds on disk: every file under the given paths, each either a
//! candidate (with its type, size and content hash) or skipped with the reason. Symlink loops,
//! unreadable entries, names that are not UTF-8 and empty files are reported by name; the rest
//! go on.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The manifest `vitrine export` writes and `vitrine import` reads back.
pub const MANIFEST: &str = "collection.json";

/// A file that can be sent.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub modified_ms: Option<i64>,
}

/// A file that will not be sent, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Walks `paths` (files and folders, recursively, following links but not in circles), in a
/// stable order: by path.
pub fn find(paths: &[PathBuf], allowed: &[String], max_bytes: u64) -> (Vec<Candidate>, Vec<Skipped>) {
    let mut candidates = Vec::new();
    let mut skipped = Vec::new();
    for root in paths {
        for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e.path().map(shown).unwrap_or_else(|| shown(root));
                    let reason = if e.loop_ancestor().is_some() { "a symlink loop".to_string() } else { e.to_string() };
                    skipped.push(Skipped { path, reason });
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            match candidate(entry.path(), allowed, max_bytes) {
                Ok(Some(c)) => candidates.push(c),
                Ok(None) => {}
                Err(reason) => skipped.push(Skipped { path: shown(entry.path()), reason }),
            }
        }
    }
    (candidates, skipped)
}

/// A path as the report shows it (lossy where the name is not UTF-8).
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn candidate(path: &Path, allowed: &[String], max_bytes: u64) -> Result<Option<Candidate>, String> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Err("the name is not valid UTF-8; rename it".into());
    };
    if name == MANIFEST {
        return Ok(None);
    }
    let metadata = std::fs::metadata(path).map_err(|e| format!("unreadable: {e}"))?;
    if metadata.len() == 0 {
        return Err("an empty file".into());
    }
    if metadata.len() > max_bytes {
        return Err(format!("{} bytes; the largest accepted is {max_bytes}", metadata.len()));
    }
    let content_type = mime_guess::from_path(path).first_raw().unwrap_or("application/octet-stream");
    if !allowed.iter().any(|t| t == content_type) {
        return Err(format!("the type {content_type} is not accepted"));
    }
    let modified_ms = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64);
    Ok(Some(Candidate {
        path: path.to_path_buf(),
        name: name.to_string(),
        size: metadata.len(),
        content_type: content_type.to_string(),
        modified_ms,
    }))
}

/// The SHA-256 of a file, read once in 256 KiB pieces; refused if it changes size meanwhile.
pub fn hash(candidate: &Candidate, on_bytes: &dyn Fn(u64)) -> Result<String, String> {
    thread_local! {
        // One buffer per blocking thread, kept: a fresh one per file made the allocator hold
        // tens of MB of freed buffers when thousands of files were hashed.
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 256 * 1024]);
    }
    BUFFER.with_borrow_mut(|buffer| hash_with(candidate, on_bytes, buffer))
}

fn hash_with(candidate: &Candidate, on_bytes: &dyn Fn(u64), buffer: &mut [u8]) -> Result<String, String> {
    let mut file = std::fs::File::open(&candidate.path).map_err(|e| format!("unreadable: {e}"))?;
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    loop {
        let n = file.read(buffer).map_err(|e| format!("unreadable: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
        on_bytes(n as u64);
    }
    if total != candidate.size {
        return Err(format!("changed while being read ({} bytes, then {total})", candidate.size));
    }
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex, as hashes travel in the API.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a big file is recognised as the one an unfinished upload was of, without reading all
/// of it: the SHA-256 of its first and last MiB, exactly as the browser's uploader computes it
/// (`components/uploader/probes.rs`), so either can resume what the other started.
pub fn fingerprint(candidate: &Candidate) -> Result<String, String> {
    use std::io::{Seek, SeekFrom};
    const MIB: u64 = 1024 * 1024;
    let mut file = std::fs::File::open(&candidate.path).map_err(|e| format!("unreadable: {e}"))?;
    let mut hasher = Sha256::new();
    for (start, len) in [(0, MIB.min(candidate.size)), (candidate.size.saturating_sub(MIB), candidate.size.min(MIB))] {
        let mut buffer = vec![0u8; len as usize];
        file.seek(SeekFrom::Start(start)).map_err(|e| format!("unreadable: {e}"))?;
        file.read_exact(&mut buffer).map_err(|e| format!("unreadable: {e}"))?;
        hasher.update(&buffer);
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_found_in_order_with_reasons_for_the_rest() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("b.png"), b"png").unwrap();
        std::fs::write(dir.join("a.jpg"), b"jpg").unwrap();
        std::fs::write(dir.join("notes.txt"), b"text").unwrap();
        std::fs::write(dir.join("empty.png"), b"").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
        let allowed = vec!["image/png".to_string(), "image/jpeg".to_string()];
        let (found, skipped) = find(std::slice::from_ref(&dir), &allowed, 1 << 20);
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a.jpg", "b.png"]);
        let reasons: Vec<String> = skipped.iter().map(|s| s.reason.clone()).collect();
        assert!(reasons.iter().any(|r| r == "an empty file"), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("text/plain")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r == "a symlink loop"), "{reasons:?}");
        let hashed = hash(&found[0], &|_| {}).unwrap();
        assert_eq!(hashed.len(), 64);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_file_that_changed_size_since_it_was_listed_is_refused_and_fingerprints_match_the_browser() {
        let dir = tempfile_dir();
        let path = dir.join("grew.png");
        let bytes: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let listed = Candidate {
            path: path.clone(),
            name: "grew.png".into(),
            size: 1000,
            content_type: "image/png".into(),
            modified_ms: None,
        };
        let refused = hash(&listed, &|_| {}).unwrap_err();
        assert!(refused.contains("changed while being read"), "{refused}");
        // The browser hashes the first MiB and then the last MiB.
        let whole = Candidate { size: bytes.len() as u64, ..listed };
        let mib = 1024 * 1024;
        let expected = hex(&Sha256::digest([&bytes[..mib], &bytes[bytes.len() - mib..]].concat()));
        assert_eq!(fingerprint(&whole).unwrap(), expected);
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vitrine-walk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
