//! People: who is signed in, their passwords, and how often they may try.

pub mod login_limit;
pub mod password;
pub mod session;

pub use session::signed_in;
