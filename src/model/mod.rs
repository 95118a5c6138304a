//! Types shared by the server and the browser. No I/O, no sqlx: the server maps rows into these.

pub mod collection;
pub mod content_type;
mod email;
pub mod file_name;
pub mod key;
pub mod media;
pub mod text;
pub mod upload;

pub use content_type::{ContentType, MediaKind};
pub use email::Email;
pub use file_name::FileName;
pub use key::ObjectKey;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
}
