//! Reusable views.

pub mod media_image;
pub mod nav;
pub mod require_user;
pub mod uploader;
