//! Integration tests: the real server on port 0, a fresh database per test, the real embedded
//! S3 store over HTTP. One binary (zero-to-production's layout) so it links once.

mod account;
mod auth;
mod authorization;
mod books;
mod cli;
mod cli_probes;
mod collections;
mod config;
mod downloads;
mod duplicates;
mod faults;
mod file_requests;
mod focus;
mod formats;
mod gallery;
mod health;
mod helpers;
mod hostile;
mod images;
mod media;
mod multipart;
mod pages;
mod people;
mod photos;
mod posters;
mod renditions;
mod repo_contract;
mod restarts;
mod selftest;
mod shares;
mod storage;
mod tags;
mod transcode;
mod trash;
mod uploads;
