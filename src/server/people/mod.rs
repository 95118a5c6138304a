//! People: who is signed in and what they may do, the team's accounts, passwords, tokens and
//! invitations, and how often anyone may try to sign in.

pub mod access;
pub mod forms;
pub mod login_limit;
pub mod password;
pub mod secrets;
pub mod session;
pub mod team;

pub use session::signed_in;
