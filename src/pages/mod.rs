//! One file per page.

pub mod collections;
pub mod home;
pub mod library;
pub mod login;
pub mod not_found;
pub mod uploads;
