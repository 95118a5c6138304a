//! Reusable views.

pub mod nav;
pub mod require_user;
pub mod uploader;
