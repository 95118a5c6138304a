//! Share links as the API and the editor see them, and the rules their settings follow.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::text::TextRule;

/// A private link to one collection, `/s/<token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLink {
    pub id: Uuid,
    pub collection_id: Uuid,
    /// The whole link, to copy.
    pub url: String,
    pub label: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub has_password: bool,
    pub allow_download: bool,
    pub allow_upload: bool,
    pub max_files: Option<u32>,
    pub max_bytes: Option<u64>,
    pub view_count: u64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// As the server's clock has it when the link was read (a page rendered on the server, or
    /// without JavaScript, must not judge expiry by a clock it does not have).
    pub status: ShareStatus,
}

/// Where a link stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShareStatus {
    Active,
    Expired,
    Revoked,
}

impl ShareStatus {
    /// A link with this expiry and revocation, at `now`.
    pub fn of(expires_at: Option<DateTime<Utc>>, revoked_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ShareStatus {
        if revoked_at.is_some() {
            ShareStatus::Revoked
        } else if expires_at.is_some_and(|at| at <= now) {
            ShareStatus::Expired
        } else {
            ShareStatus::Active
        }
    }
}

/// What an editor sets on a link (`/api/shares/create` and `/update`). On update, a missing
/// `password` keeps the current one, and `remove_password` takes it away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareSettings {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub remove_password: bool,
    #[serde(default)]
    pub allow_download: bool,
    #[serde(default)]
    pub allow_upload: bool,
    #[serde(default)]
    pub max_files: Option<u32>,
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// The limits of a link's settings, in one place for the server and the form.
pub struct ShareRules;

impl ShareRules {
    pub const LABEL: TextRule = TextRule { what: "label", max_chars: 100, multiline: false };
    pub const PASSWORD_MIN_CHARS: usize = 6;
    pub const PASSWORD_MAX_CHARS: usize = 200;
    pub const MAX_FILES: u32 = 10_000;
    /// 1 TiB: beyond it, a quota is no quota.
    pub const MAX_BYTES: u64 = 1 << 40;
    /// Links a collection may have, revoked ones included (a list, not a database).
    pub const MAX_LINKS_PER_COLLECTION: usize = 100;

    /// The settings cleaned (label trimmed), or why they cannot be taken. `now` refuses an
    /// expiry in the past.
    pub fn check(settings: &ShareSettings, now: DateTime<Utc>) -> Result<ShareSettings, String> {
        let mut clean = settings.clone();
        clean.label = Self::LABEL.clean(&settings.label)?;
        if settings.expires_at.is_some_and(|at| at <= now) {
            return Err("The expiry is in the past.".into());
        }
        if let Some(password) = &settings.password {
            let chars = password.chars().count();
            if !(Self::PASSWORD_MIN_CHARS..=Self::PASSWORD_MAX_CHARS).contains(&chars) {
                return Err(format!(
                    "A link's password has {} to {} characters.",
                    Self::PASSWORD_MIN_CHARS,
                    Self::PASSWORD_MAX_CHARS
                ));
            }
            if settings.remove_password {
                return Err("Either set a password or remove it, not both.".into());
            }
        }
        if settings.max_files.is_some_and(|n| n == 0 || n > Self::MAX_FILES) {
            return Err(format!("The file quota is 1 to {}.", Self::MAX_FILES));
        }
        if settings.max_bytes.is_some_and(|n| n == 0 || n > Self::MAX_BYTES) {
            return Err("The byte quota is 1 byte to 1 TiB.".into());
        }
        if !settings.allow_upload && (settings.max_files.is_some() || settings.max_bytes.is_some()) {
            return Err("Quotas are for links that allow uploads.".into());
        }
        Ok(clean)
    }
}

/// The editor's "new link" form as typed: the same fields whether the hydrated page reads them
/// or the form is posted without JavaScript (`POST /shares`), read into settings in one place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    pub label: String,
    /// Days until the link expires; empty for never.
    #[serde(default)]
    pub days: String,
    #[serde(default)]
    pub password: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub allow_download: Option<String>,
    #[serde(default)]
    pub allow_upload: Option<String>,
    #[serde(default)]
    pub max_files: String,
    #[serde(default)]
    pub max_megabytes: String,
}

impl ShareForm {
    /// The settings the form asks for, at `now`; quotas only count with uploads allowed.
    pub fn settings(&self, now: DateTime<Utc>) -> Result<ShareSettings, String> {
        let number = |text: &str, what: &str| -> Result<Option<u64>, String> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse::<u64>().map(Some).map_err(|_| format!("{what} is a whole number, or empty for none.")),
            }
        };
        let expires_at = match number(&self.days, "The expiry in days")? {
            None => None,
            Some(n @ 1..=3650) => Some(now + chrono::Duration::days(n as i64)),
            Some(_) => return Err("Give the expiry as a number of days from 1 to 3650, or leave it empty.".into()),
        };
        let uploads = self.allow_upload.is_some();
        let max_files = number(&self.max_files, "The file quota")?.filter(|_| uploads);
        let max_megabytes = number(&self.max_megabytes, "The megabyte quota")?.filter(|_| uploads);
        Ok(ShareSettings {
            label: self.label.clone(),
            expires_at,
            password: Some(self.password.clone()).filter(|p| !p.is_empty()),
            remove_password: false,
            allow_download: self.allow_download.is_some(),
            allow_upload: uploads,
            max_files: max_files.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            max_bytes: max_megabytes.map(|n| n.saturating_mul(1_000_000)),
        })
    }
}

/// What `/s/<token>` finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShareLookup {
    Open {
        gallery: crate::model::collection::CollectionWithItems,
        /// Each item's original, in the gallery's order, when the link allows downloading.
        originals: Vec<String>,
        allow_upload: bool,
        expires_at: Option<DateTime<Utc>>,
    },
    /// The link has a password this browser has not given yet (or just gave wrong).
    Locked {
        wrong_password: bool,
    },
    /// Expired or revoked: the same answer for both, and never the collection's title.
    Gone,
    NotFound,
}

/// What a file request's page shows its visitor (`/api/shares/request`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileRequestLookup {
    /// Open: this browser may now send files through the uploader, into the inbox.
    Open {
        collection_title: String,
        label: String,
        /// What is left of the link's quotas, if it has them.
        files_left: Option<u32>,
        bytes_left: Option<u64>,
        expires_at: Option<DateTime<Utc>>,
    },
    /// The link has a password this browser has not given yet: its page asks for it.
    Locked,
    /// Expired, revoked, or not taking files.
    Gone,
    NotFound,
}

/// An item waiting in a file request's inbox, as the editor reviews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub item: crate::model::media::MediaItem,
    pub share_id: Uuid,
    /// "from <label>"
    pub share_label: String,
    pub collection_id: Uuid,
    pub received_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn settings_outside_the_rules_are_refused_with_a_reason() {
        let ok = ShareSettings { label: "  Client review  ".into(), ..Default::default() };
        assert_eq!(ShareRules::check(&ok, now()).unwrap().label, "Client review");
        for (settings, needle) in [
            (ShareSettings { label: "x".repeat(101), ..Default::default() }, "label"),
            (ShareSettings { expires_at: Some(now()), ..Default::default() }, "past"),
            (ShareSettings { password: Some("12345".into()), ..Default::default() }, "password"),
            (
                ShareSettings { password: Some("123456".into()), remove_password: true, ..Default::default() },
                "not both",
            ),
            (ShareSettings { allow_upload: true, max_files: Some(0), ..Default::default() }, "file quota"),
            (ShareSettings { allow_upload: true, max_bytes: Some(0), ..Default::default() }, "byte quota"),
            (ShareSettings { max_files: Some(5), ..Default::default() }, "allow uploads"),
        ] {
            let err = ShareRules::check(&settings, now()).unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn the_form_reads_days_checkboxes_and_quotas() {
        let form = ShareForm {
            label: "Anna".into(),
            days: " 7 ".into(),
            password: String::new(),
            allow_download: Some("on".into()),
            allow_upload: None,
            max_files: "5".into(),
            max_megabytes: "20".into(),
        };
        let settings = form.settings(now()).unwrap();
        assert_eq!(settings.expires_at, Some(now() + chrono::Duration::days(7)));
        assert!(settings.allow_download && !settings.allow_upload && settings.password.is_none());
        assert_eq!((settings.max_files, settings.max_bytes), (None, None), "quotas only with uploads");
        let uploads = ShareForm { allow_upload: Some("on".into()), ..form.clone() }.settings(now()).unwrap();
        assert_eq!((uploads.max_files, uploads.max_bytes), (Some(5), Some(20_000_000)));
        assert!(ShareForm { days: "0".into(), ..form.clone() }.settings(now()).unwrap_err().contains("1 to 3650"));
        assert!(ShareForm { max_files: "x".into(), allow_upload: Some("on".into()), ..form }.settings(now()).is_err());
    }

    #[test]
    fn a_link_is_revoked_before_it_is_expired() {
        let at = Some(now());
        assert_eq!(ShareStatus::of(at, None, now() - chrono::Duration::seconds(1)), ShareStatus::Active);
        assert_eq!(ShareStatus::of(at, None, now()), ShareStatus::Expired);
        assert_eq!(ShareStatus::of(at, at, now()), ShareStatus::Revoked);
        assert_eq!(ShareStatus::of(None, None, now()), ShareStatus::Active);
    }
}
