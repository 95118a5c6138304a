//! Server functions: the one API used by the UI, the tests and users' scripts.
//! Each lives at a stable path `/api/<area>/<verb>`, takes JSON and answers JSON.

pub mod account;
pub mod admin;
pub mod auth;
pub mod collections;
pub mod gallery;
pub mod media;
pub mod people;
pub mod shares;
pub mod tags;
pub mod trash;
pub mod uploads;
