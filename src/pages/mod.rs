//! One file per page.

pub mod collection_editor;
pub mod collections;
pub mod gallery;
pub mod home;
pub mod library;
pub mod login;
pub mod not_found;
pub mod uploads;
