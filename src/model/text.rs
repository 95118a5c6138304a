//! Text people type: titles, alt text, descriptions. Each kind carries its limit, and one
//! cleaner applies them, so the server, the API and the form's `maxlength` agree.

use serde::{Deserialize, Serialize};

/// The limits of one kind of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// What the text is, for messages ("title").
    pub what: &'static str,
    pub max_chars: usize,
    /// Line breaks and tabs allowed (other control characters never are).
    pub multiline: bool,
}

impl TextRule {
    /// The text trimmed, or why it cannot be taken as it is.
    pub fn clean(&self, raw: &str) -> Result<String, String> {
        let value = raw.trim();
        if value.chars().count() > self.max_chars {
            return Err(format!("The {} is longer than {} characters.", self.what, self.max_chars));
        }
        if value.chars().any(|c| c.is_control() && !(self.multiline && (c == '\n' || c == '\t'))) {
            return Err(if self.multiline {
                format!("The {} contains control characters.", self.what)
            } else {
                format!("The {} must be one line without control characters.", self.what)
            });
        }
        Ok(value.to_string())
    }

    /// Text we keep whatever it is (a browser's reason for a failure): control characters
    /// become spaces, then it is cut to the limit; `fallback` when nothing is left.
    pub fn sanitize(&self, raw: &str, fallback: &str) -> String {
        let one_line: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).take(self.max_chars).collect();
        match one_line.trim() {
            "" => fallback.to_string(),
            trimmed => trimmed.to_string(),
        }
    }
}

/// A title (of a media item or a collection): one line, at most 200 characters, may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    pub const RULE: TextRule = TextRule { what: "title", max_chars: 200, multiline: false };
    pub const MAX_CHARS: usize = Self::RULE.max_chars;

    pub fn parse(raw: &str) -> Result<Title, String> {
        Self::RULE.clean(raw).map(Title)
    }

    /// A title that must say something (a collection's).
    pub fn parse_required(raw: &str, missing: &str) -> Result<Title, String> {
        let title = Self::parse(raw)?;
        if title.0.is_empty() {
            return Err(missing.to_string());
        }
        Ok(title)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an image shows, for people who cannot see it: one line, at most 1000 characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AltText(String);

impl AltText {
    pub const RULE: TextRule = TextRule { what: "alt text", max_chars: 1000, multiline: false };
    pub const MAX_CHARS: usize = Self::RULE.max_chars;

    pub fn parse(raw: &str) -> Result<AltText, String> {
        Self::RULE.clean(raw).map(AltText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A collection's description: paragraphs allowed, at most 5000 characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Description(String);

impl Description {
    pub const RULE: TextRule = TextRule { what: "description", max_chars: 5000, multiline: true };
    pub const MAX_CHARS: usize = Self::RULE.max_chars;

    pub fn parse(raw: &str) -> Result<Description, String> {
        Self::RULE.clean(raw).map(Description)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an upload failed, as a browser reported it: kept whatever it says, made one short line.
pub const FAILURE_REASON: TextRule = TextRule { what: "reason", max_chars: 300, multiline: false };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_lines_are_enforced_with_a_reason() {
        assert_eq!(Title::parse("  Summer  ").unwrap().as_str(), "Summer");
        assert!(Title::parse(&"x".repeat(201)).unwrap_err().contains("longer than 200"));
        assert!(Title::parse(&"é".repeat(200)).is_ok(), "characters, not bytes");
        assert!(Title::parse("line\nbreak").unwrap_err().contains("one line"));
        assert!(AltText::parse(&"y".repeat(1001)).unwrap_err().contains("longer than 1000"));
        assert_eq!(Description::parse("one\n\ttwo").unwrap().as_str(), "one\n\ttwo");
        assert!(Description::parse("bell\u{7}").unwrap_err().contains("control characters"));
        assert_eq!(
            Title::parse_required(" ", "A collection needs a title.").unwrap_err(),
            "A collection needs a title."
        );
    }

    #[test]
    fn reasons_are_one_short_line() {
        assert_eq!(FAILURE_REASON.sanitize("network\nerror", "failed"), "network error");
        assert_eq!(FAILURE_REASON.sanitize("   ", "failed in the browser"), "failed in the browser");
        assert_eq!(FAILURE_REASON.sanitize(&"x".repeat(1000), "").len(), 300);
    }
}
