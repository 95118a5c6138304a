//! File names as people gave them. Pure (std only), so the fuzz target compiles this file alone.

/// A file name as people gave it: 1–255 bytes of UTF-8, no control or bidirectional-override
/// characters, no path separators, not only dots. It is kept for display; storage keys are
/// made from it separately and never contain it verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub const MAX_BYTES: usize = 255;

    pub fn parse(raw: &str) -> Result<FileName, String> {
        if raw.trim().is_empty() {
            return Err("the name is empty".into());
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(format!("the name is {} bytes long; at most {} are allowed", raw.len(), Self::MAX_BYTES));
        }
        if let Some(c) = raw.chars().find(|c| c.is_control() || is_bidi_control(*c)) {
            return Err(format!("the name contains the control character U+{:04X}", c as u32));
        }
        if raw.contains('/') || raw.contains('\\') {
            return Err("the name contains a path separator".into());
        }
        if raw.chars().all(|c| c == '.' || c.is_whitespace()) {
            return Err("the name is only dots".into());
        }
        Ok(FileName(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that reorder text and let `photo\u{202E}gnp.exe` display as `photoexe.png`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_accepted_as_given() {
        for name in
            ["photo.jpg", "Café Zürich 2024.JPG", "a", "日本語の写真.png", ".hidden.png", "x".repeat(255).as_str()]
        {
            assert_eq!(FileName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn hostile_names_are_refused_with_a_reason() {
        for name in [
            "",
            "   ",
            "..",
            ".",
            "../etc/passwd",
            "dir/photo.jpg",
            "dir\\photo.jpg",
            "nul\0byte.png",
            "line\nbreak.png",
            "tab\t.png",
            "photo\u{202E}gnp.exe",
            "\u{7f}del.png",
        ] {
            assert!(FileName::parse(name).is_err(), "{name:?} must be refused");
        }
        let long = "é".repeat(128); // 256 bytes
        assert!(FileName::parse(&long).unwrap_err().contains("256 bytes"));
    }
}
