//! People on a team: roles, what each kind of request may do, and what the UI shows of
//! accounts, invitations, sessions and API tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::text::TextRule;

/// What a person may do. Each role includes everything of the roles below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees the library, collections and unpublished galleries, downloads; changes nothing.
    Viewer,
    /// Uploads, edits, organizes, publishes, deletes.
    Editor,
    /// Everything, and manages people.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Editor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Role, String> {
        match raw {
            "owner" => Ok(Role::Owner),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("Unknown role {other:?}: use owner, editor or viewer.")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Editor => "Editor",
            Role::Viewer => "Viewer",
        }
    }
}

/// What an API token may do, never more than its person's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(raw: &str) -> Result<Scope, String> {
        match raw {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            other => Err(format!("Unknown scope {other:?}: use read or write.")),
        }
    }

    /// The widest scope a role may hand to a token.
    pub fn allowed_for(self, role: Role) -> bool {
        self == Scope::Read || role >= Role::Editor
    }
}

/// What an endpoint asks of the request. The one table of which endpoint needs what is
/// `server::people::access`; this says what each level means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Anyone signed in, and any valid token.
    Read,
    /// Editors and owners; tokens with the write scope.
    Write,
    /// Owners; an owner's write token.
    Owner,
    /// Anyone signed in with a browser session (their own account and tokens): never a token,
    /// so a leaked token cannot change a password or mint more tokens.
    Session,
    /// Sending files: whoever may `Write`, and a file request's guest (nothing else).
    Upload,
}

/// How a request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "scope")]
pub enum Credential {
    /// A browser session (cookie).
    Session,
    Token(Scope),
    /// A visitor sending files through this share link (a file request), as its guest.
    FileRequest(Uuid),
}

/// The signed-in person, as the server found them for this request and as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub credential: Credential,
}

impl CurrentUser {
    /// Whether this request may do what `access` asks.
    pub fn may(&self, access: Access) -> bool {
        let writes = match self.credential {
            Credential::Session => true,
            Credential::Token(scope) => scope == Scope::Write,
            // A guest sends files and does nothing else, whatever its account's role.
            Credential::FileRequest(_) => return matches!(access, Access::Public | Access::Upload),
        };
        match access {
            Access::Public | Access::Read => true,
            Access::Write | Access::Upload => writes && self.role >= Role::Editor,
            Access::Owner => writes && self.role == Role::Owner,
            Access::Session => self.credential == Credential::Session,
        }
    }

    /// Whether the UI offers upload, edit and delete controls.
    pub fn can_edit(&self) -> bool {
        self.may(Access::Write)
    }

    /// The name to show: the display name, or the email before one is chosen.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.email
        } else {
            &self.display_name
        }
    }
}

/// A person's name as others see it.
pub const DISPLAY_NAME: TextRule = TextRule { what: "display name", max_chars: 100, multiline: false };
/// A token's name ("deploy script").
pub const TOKEN_NAME: TextRule = TextRule { what: "token name", max_chars: 100, multiline: false };
/// Passwords: long enough to mean something; the upper bound keeps hashing cheap to refuse.
pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 1000;

/// Checks a new password's length (the only rule: length beats composition rules).
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(format!("The password must be at least {PASSWORD_MIN_CHARS} characters."));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(format!("The password must be at most {PASSWORD_MAX_CHARS} characters."));
    }
    Ok(())
}

/// A member of the team, as the people page and the uploader filter show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Person {
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.email
        } else {
            &self.display_name
        }
    }
}

/// Who made something, as the detail panel shows it. `None` in a record: a former member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creator {
    pub id: Uuid,
    pub name: String,
}

/// What shows for something whose creator's account was deleted.
pub const FORMER_MEMBER: &str = "former member";

/// A pending invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A new invitation: the one time its link is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInvitation {
    pub invitation: Invitation,
    /// The path to open, `/invite/<secret>`; the UI prefixes the site's origin.
    pub link: String,
}

/// One signed-in browser of a person's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub current: bool,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// "Firefox on Windows": enough of a `User-Agent` to recognise one's own browsers in a list.
pub fn browser_name(user_agent: &str) -> String {
    const BROWSERS: [(&str, &str); 6] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: [(&str, &str); 6] = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ];
    let browser = BROWSERS.iter().find(|(mark, _)| user_agent.contains(mark)).map(|(_, name)| *name);
    let system = SYSTEMS.iter().find(|(mark, _)| user_agent.contains(mark)).map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => "Unknown browser".to_string(),
    }
}

/// A personal access token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    /// The secret's first characters (`vt_AbCd…`), to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new token: the one time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub token: ApiToken,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, credential: Credential) -> CurrentUser {
        CurrentUser { id: Uuid::nil(), email: "a@b.c".into(), display_name: String::new(), role, credential }
    }

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Owner > Role::Editor && Role::Editor > Role::Viewer);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn tokens_never_exceed_their_scope_or_reach_the_account() {
        let owner_read = user(Role::Owner, Credential::Token(Scope::Read));
        assert!(owner_read.may(Access::Read) && !owner_read.may(Access::Write) && !owner_read.may(Access::Owner));
        let viewer_write = user(Role::Viewer, Credential::Token(Scope::Write));
        assert!(!viewer_write.may(Access::Write), "a token never exceeds the role");
        let owner_write = user(Role::Owner, Credential::Token(Scope::Write));
        assert!(owner_write.may(Access::Owner) && !owner_write.may(Access::Session));
        let editor = user(Role::Editor, Credential::Session);
        assert!(editor.may(Access::Write) && editor.may(Access::Session) && !editor.may(Access::Owner));
        assert!(!Scope::Write.allowed_for(Role::Viewer) && Scope::Read.allowed_for(Role::Viewer));
        assert!(editor.may(Access::Upload) && !user(Role::Viewer, Credential::Session).may(Access::Upload));
    }

    #[test]
    fn a_file_request_guest_only_sends_files() {
        let guest = user(Role::Owner, Credential::FileRequest(Uuid::nil()));
        assert!(guest.may(Access::Upload) && guest.may(Access::Public));
        for denied in [Access::Read, Access::Write, Access::Owner, Access::Session] {
            assert!(!guest.may(denied), "{denied:?}");
        }
    }

    #[test]
    fn browsers_are_named_briefly() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(browser_name(chrome), "Chrome on Linux");
        let iphone =
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1";
        assert_eq!(browser_name(iphone), "Safari on iPhone");
        assert_eq!(browser_name(""), "Unknown browser");
    }

    #[test]
    fn passwords_have_a_length_rule() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pass").is_ok());
        assert!(check_new_password(&"x".repeat(1001)).is_err());
    }
}
