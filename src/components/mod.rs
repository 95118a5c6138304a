//! Reusable views.

pub mod nav;
pub mod require_user;
