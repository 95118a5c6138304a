//! Server-only code (feature `ssr`), by domain: uploads, media, collections, people; and what
//! holds them together: configuration, start-up, state, the clock, database, storage.

pub mod archive;
pub mod assets;
pub mod books;
pub mod clock;
pub mod collections;
pub mod config;
pub mod db;
pub mod delivery;
pub mod health;
pub mod images;
pub mod media;
pub mod naming;
pub mod people;
pub mod routes;
pub mod security;
pub mod selftest;
pub mod sharing;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod uploads;

pub use people::signed_in;
