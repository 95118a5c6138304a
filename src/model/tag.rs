//! Tags: short names many items share, created on the fly. A tag is one whatever its case
//! ("Beach" and "beach" are the same tag, shown as first written).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::text::TextRule;

/// A tag's name: one line, 1–50 characters, inner runs of spaces made one, no comma (a comma
/// separates tags where several are typed at once).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TagName(String);

impl TagName {
    pub const RULE: TextRule = TextRule { what: "tag", max_chars: 50, multiline: false };
    pub const MAX_CHARS: usize = Self::RULE.max_chars;
    /// At most this many tags in one request.
    pub const MAX_PER_REQUEST: usize = 50;

    pub fn parse(raw: &str) -> Result<TagName, String> {
        // The rule sees the raw text first, so a line break is refused rather than collapsed.
        let cleaned = Self::RULE.clean(raw)?;
        let name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("A tag needs a name.".into());
        }
        if name.contains(',') {
            return Err(format!("The tag \u{201c}{name}\u{201d} contains a comma; commas separate tags."));
        }
        Ok(TagName(name))
    }

    /// Several names typed as one text, separated by commas; empty parts are skipped and
    /// repeats (in any case) kept once.
    pub fn parse_list(raw: &str) -> Result<Vec<TagName>, String> {
        let mut names: Vec<TagName> = Vec::new();
        for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
            let name = TagName::parse(part)?;
            if !names.iter().any(|n| n.key() == name.key()) {
                names.push(name);
            }
        }
        Ok(names)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What makes two names the same tag.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A tag with the number of items (outside the trash) that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: Uuid,
    pub name: String,
    pub item_count: u32,
}

/// What tagging did: how many (item, tag) pairs were added and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagging {
    pub added: u32,
    pub removed: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_compared_without_case() {
        assert_eq!(TagName::parse("  Summer   camp ").unwrap().as_str(), "Summer camp");
        assert_eq!(TagName::parse("Beach").unwrap().key(), TagName::parse("beach").unwrap().key());
        for bad in ["", "   ", "a,b", "line\nbreak", &"x".repeat(51)] {
            assert!(TagName::parse(bad).is_err(), "{bad:?}");
        }
        let list = TagName::parse_list("beach, Beach,, 2024 ,").unwrap();
        assert_eq!(list.iter().map(TagName::as_str).collect::<Vec<_>>(), ["beach", "2024"]);
    }
}
