//! The self-test's findings, as `/admin/health` and `vitrine check` show them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    /// Works, but not as it should be run (no TLS on a public address, a slow clock).
    Warn,
    Fail,
    /// Not applicable to this setup (no CDN configured, the store shares the app's origin).
    Skipped,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warning",
            Verdict::Fail => "FAILED",
            Verdict::Skipped => "not needed",
        }
    }
}

/// One check: what was checked, what was found, and the exact fix when it is not ok.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub verdict: Verdict,
    pub detail: String,
    /// What to do: a variable to set, a CORS rule to paste.
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(name: &str, detail: impl Into<String>) -> Check {
        Check { name: name.into(), verdict: Verdict::Ok, detail: detail.into(), fix: None }
    }

    pub fn skipped(name: &str, detail: impl Into<String>) -> Check {
        Check { name: name.into(), verdict: Verdict::Skipped, detail: detail.into(), fix: None }
    }

    pub fn fail(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name: name.into(), verdict: Verdict::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }

    pub fn warn(name: &str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name: name.into(), verdict: Verdict::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// A presigned PUT of a probe object, for the browser half of the self-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub key: String,
    pub upload: super::upload::PresignedRequest,
    /// What the probe's body must be (its length and type are signed).
    pub body: String,
}
