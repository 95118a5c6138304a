//! One file per page.

pub mod account;
pub mod admin_health;
pub mod collection_editor;
pub mod collections;
pub mod duplicates;
pub mod file_request;
pub mod gallery;
pub mod home;
pub mod invite;
pub mod library;
pub mod login;
pub mod not_found;
pub mod people;
pub mod share;
pub mod tags;
pub mod trash;
pub mod uploads;
