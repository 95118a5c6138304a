//! Reusable views.

pub mod copy_text;
pub mod media_image;
pub mod nav;
pub mod require_user;
pub mod share_inbox;
pub mod share_links;
pub mod uploader;
