//! Server-only code: configuration, start-up, state, database, storage, sessions.

pub mod collections;
pub mod config;
pub mod db;
pub mod health;
pub mod images;
pub mod login_limit;
pub mod media;
pub mod naming;
pub mod password;
pub mod public_cache;
pub mod security;
pub mod session;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod transcode;
pub mod uploads;
