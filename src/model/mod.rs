//! Types shared by the server and the browser. No I/O, no sqlx: the server maps rows into these.

pub mod collection;
mod email;
pub mod media;
pub mod upload;

pub use email::Email;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in person, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
}
