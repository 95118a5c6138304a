use serde::{Deserialize, Serialize};

/// An email address, trimmed and lower-cased so that one person has one account.
///
/// Deliberately lenient (one `@`, something on each side, no spaces): the only addresses we
/// accept are the admin's, and rejecting a valid but unusual address would lock them out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("Email is required.".into());
        }
        if value.len() > Self::MAX_LEN {
            return Err(format!("Email is longer than {} characters.", Self::MAX_LEN));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err("Email must contain an @.".into());
        };
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err("Email must look like name@example.com.".into());
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("Email must not contain spaces or control characters.".into());
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(Email::parse("  Admin@Example.COM ").unwrap().as_str(), "admin@example.com");
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        for bad in ["", "   ", "no-at-sign", "@example.com", "name@", "a@b@c", "a b@c.d", "a\u{0}@b.c"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
