//! What a library search matches: words, on both databases alike.
//!
//! The text an item is found by and the text typed into the search box are cut into words
//! here, the same way, before either database sees them: lower-cased runs of letters and
//! digits, everything else a separator. So `IMG_2034.jpg` is the words `img 2034 jpg` on
//! SQLite's FTS5 and on PostgreSQL's full-text search (whose own parser would keep it whole, as
//! a file name), and typing `img_20` finds it on both.

use serde::{Deserialize, Serialize};

/// Most words a search is made of; the rest are ignored (each word is one more index lookup).
pub const MAX_SEARCH_WORDS: usize = 8;

/// Lower-cased runs of letters and digits, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

fn joined_words(parts: &[&str]) -> String {
    parts.iter().flat_map(|p| words(p)).collect::<Vec<_>>().join(" ")
}

/// What an item is indexed by: its name (title and file name), which ranks first, and the rest
/// (alt text, tags, camera).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDocument {
    pub name: String,
    pub body: String,
}

impl SearchDocument {
    pub fn new(title: &str, original_filename: &str, alt_text: &str, tags: &[String], camera: &str) -> Self {
        let mut body: Vec<&str> = vec![alt_text, camera];
        body.extend(tags.iter().map(String::as_str));
        SearchDocument { name: joined_words(&[title, original_filename]), body: joined_words(&body) }
    }
}

/// A search as typed, cut into words: every word must begin a word of the item (prefix
/// matching, so results come as you type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    /// `None` when the text holds no word at all (only spaces or punctuation): such a search
    /// matches nothing.
    pub fn parse(text: &str) -> Option<SearchTerms> {
        let mut terms: Vec<String> = Vec::new();
        for word in words(text) {
            if !terms.contains(&word) && terms.len() < MAX_SEARCH_WORDS {
                terms.push(word);
            }
        }
        (!terms.is_empty()).then_some(SearchTerms(terms))
    }

    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// An FTS5 query: each word a quoted prefix, all required. The words hold only letters
    /// and digits, so quoting cannot be broken out of.
    pub fn fts5_query(&self, column: Option<&str>) -> String {
        let prefix = column.map(|c| format!("{c} : ")).unwrap_or_default();
        self.0.iter().map(|w| format!("{prefix}\"{w}\"*")).collect::<Vec<_>>().join(" AND ")
    }

    /// A PostgreSQL `to_tsquery` text: each word a prefix (`:*`), all required.
    pub fn tsquery(&self) -> String {
        self.0.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_into_words_as_typed() {
        let doc = SearchDocument::new("", "IMG_2034.JPG", "A dog, running", &["Beach".into()], "Apple iPhone 15");
        assert_eq!(doc.name, "img 2034 jpg");
        assert_eq!(doc.body, "a dog running apple iphone 15 beach");
        let terms = SearchTerms::parse("img_20").unwrap();
        assert_eq!(terms.words(), ["img", "20"]);
        assert_eq!(terms.fts5_query(None), "\"img\"* AND \"20\"*");
        assert_eq!(terms.fts5_query(Some("name")), "name : \"img\"* AND name : \"20\"*");
        assert_eq!(terms.tsquery(), "img:* & 20:*");
    }

    #[test]
    fn punctuation_and_quotes_are_separators_not_syntax() {
        assert!(SearchTerms::parse("  %_ \"* :& ").is_none());
        let terms = SearchTerms::parse("\"beach\" OR * sunset:*").unwrap();
        assert_eq!(terms.words(), ["beach", "or", "sunset"]);
        assert_eq!(SearchTerms::parse("Été ÉTÉ été").unwrap().words(), ["été"]);
        let many = "a b c d e f g h i j k";
        assert_eq!(SearchTerms::parse(many).unwrap().words().len(), MAX_SEARCH_WORDS);
    }
}
