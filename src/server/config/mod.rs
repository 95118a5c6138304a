//! Typed configuration read once from the environment (and an optional `.env`).
//!
//! Every variable is optional; the defaults give the zero-config embedded setup. A value that
//! is present but wrong stops start-up with one line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::model::Email;

pub mod network;
mod uploads;

use uploads::{parse_upload_config, RawUploads};
pub use uploads::{UploadConfig, DEFAULT_ALLOWED_TYPES};

#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

pub(super) fn bad(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError { var, reason: reason.into() }
}

/// The environment exactly as given: `VITRINE_<FIELD>` in upper case. Strings only, so that
/// parsing (and its error messages) happens in one place below.
#[derive(Debug, Default, Deserialize)]
struct RawEnv {
    database_url: Option<String>,
    s3_endpoint: Option<String>,
    s3_bucket: Option<String>,
    s3_region: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
    cdn_base_url: Option<String>,
    cdn_token_key: Option<String>,
    public_base_url: Option<String>,
    admin_email: Option<String>,
    admin_password: Option<String>,
    data_dir: Option<String>,
    store_addr: Option<String>,
    upload_allowed_types: Option<String>,
    upload_max_bytes: Option<String>,
    upload_max_files: Option<String>,
    upload_url_ttl_secs: Option<String>,
    upload_sweep_interval_secs: Option<String>,
    upload_sweep_grace_secs: Option<String>,
    upload_multipart_threshold_bytes: Option<String>,
    upload_multipart_abandon_secs: Option<String>,
    upload_part_url_ttl_secs: Option<String>,
    transcode: Option<String>,
    image_widths: Option<String>,
    invitation_days: Option<String>,
    trash_days: Option<String>,
    store_public_url: Option<String>,
    trusted_proxies: Option<String>,
}

/// Which database a URL names; the scheme decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub backend: Backend,
}

/// Where object bytes live.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// An S3-compatible service run by someone else (R2 in production).
    External { endpoint: Url, bucket: String, region: String, access_key_id: String, secret_access_key: SecretString },
    /// The store this process serves itself; credentials are made on first start. Browsers
    /// reach it on the app's own origin under `/<bucket>/` (one port, one certificate, no
    /// CORS), or at `public_url` when it is given its own origin; the app itself calls it on
    /// `addr`.
    Embedded { addr: SocketAddr, bucket: String, region: String, public_url: Option<Url> },
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub email: Email,
    /// `None` only in the embedded setup: a password is then generated and logged once.
    pub password: Option<SecretString>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub cdn_base_url: Option<Url>,
    /// The pull zone's token authentication key: every delivery URL is then signed, and the
    /// local image origin refuses unsigned ones.
    pub cdn_token_key: Option<SecretString>,
    /// `None`: derived from the address the app is bound to.
    pub public_base_url: Option<Url>,
    pub admin: AdminConfig,
    pub data_dir: PathBuf,
    pub uploads: UploadConfig,
    /// The srcset width ladder.
    pub image_widths: Vec<u32>,
    /// How long an invitation link stays valid.
    pub invitation_ttl: chrono::Duration,
    /// How long deleted items and collections stay in the trash before they are purged.
    pub trash_retention: chrono::Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

pub const DEFAULT_BUCKET: &str = "vitrine";
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@vitrine.local";
pub const DEFAULT_INVITATION_DAYS: i64 = 7;
/// Days in the trash before the sweeper deletes for good (`VITRINE_TRASH_DAYS`).
pub const DEFAULT_TRASH_DAYS: i64 = 30;

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is the normal case; a malformed one is worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(bad(".env", e.to_string())),
        }
        let raw: RawEnv = envy::prefixed("VITRINE_").from_env().map_err(|e| bad("VITRINE_*", e.to_string()))?;
        Config::from_raw(raw)
    }

    fn from_raw(raw: RawEnv) -> Result<Config, ConfigError> {
        let raw_uploads = RawUploads {
            allowed_types: raw.upload_allowed_types.clone(),
            max_bytes: raw.upload_max_bytes.clone(),
            max_files: raw.upload_max_files.clone(),
            url_ttl_secs: raw.upload_url_ttl_secs.clone(),
            sweep_interval_secs: raw.upload_sweep_interval_secs.clone(),
            sweep_grace_secs: raw.upload_sweep_grace_secs.clone(),
            multipart_threshold_bytes: raw.upload_multipart_threshold_bytes.clone(),
            multipart_abandon_secs: raw.upload_multipart_abandon_secs.clone(),
            part_url_ttl_secs: raw.upload_part_url_ttl_secs.clone(),
            transcode: raw.transcode.clone(),
        };
        let data_dir = PathBuf::from(non_empty(raw.data_dir).unwrap_or_else(|| "./data".into()));

        let database = match non_empty(raw.database_url) {
            None => DatabaseConfig {
                url: format!("sqlite://{}/vitrine.db?mode=rwc", data_dir.display()),
                backend: Backend::Sqlite,
            },
            Some(url) => parse_database_url(url)?,
        };

        let region = non_empty(raw.s3_region).unwrap_or_else(|| "auto".into());
        let bucket = non_empty(raw.s3_bucket).unwrap_or_else(|| DEFAULT_BUCKET.into());
        network::validate_bucket(&bucket)?;

        let storage = match non_empty(raw.s3_endpoint) {
            None => {
                let addr = match non_empty(raw.store_addr) {
                    None => SocketAddr::from(([127, 0, 0, 1], 9000)),
                    Some(s) => s.parse().map_err(|_| {
                        bad("VITRINE_STORE_ADDR", format!("'{s}' is not an address like 127.0.0.1:9000"))
                    })?,
                };
                let public_url = non_empty(raw.store_public_url)
                    .map(|s| parse_http_url("VITRINE_STORE_PUBLIC_URL", &s))
                    .transpose()?;
                if public_url.is_none() {
                    network::check_bucket_path(&bucket)?;
                }
                StorageConfig::Embedded { addr, bucket, region, public_url }
            }
            Some(endpoint) => {
                let endpoint = parse_http_url("VITRINE_S3_ENDPOINT", &endpoint)?;
                let access_key_id = non_empty(raw.s3_access_key_id)
                    .ok_or_else(|| bad("VITRINE_S3_ACCESS_KEY_ID", "required when VITRINE_S3_ENDPOINT is set"))?;
                let secret = non_empty(raw.s3_secret_access_key)
                    .ok_or_else(|| bad("VITRINE_S3_SECRET_ACCESS_KEY", "required when VITRINE_S3_ENDPOINT is set"))?;
                StorageConfig::External {
                    endpoint,
                    bucket,
                    region,
                    access_key_id,
                    secret_access_key: SecretString::from(secret),
                }
            }
        };

        let cdn_base_url =
            non_empty(raw.cdn_base_url).map(|s| parse_http_url("VITRINE_CDN_BASE_URL", &s)).transpose()?;
        let cdn_token_key = match non_empty(raw.cdn_token_key) {
            Some(key) if key.len() < 16 => {
                return Err(bad("VITRINE_CDN_TOKEN_KEY", "must be at least 16 characters (copy it from the pull zone)"))
            }
            key => key.map(SecretString::from),
        };
        let public_base_url =
            non_empty(raw.public_base_url).map(|s| parse_http_url("VITRINE_PUBLIC_BASE_URL", &s)).transpose()?;

        let email = match non_empty(raw.admin_email) {
            None => Email::parse(DEFAULT_ADMIN_EMAIL).expect("the default email is valid"),
            Some(s) => Email::parse(&s).map_err(|reason| bad("VITRINE_ADMIN_EMAIL", reason))?,
        };
        let password = non_empty(raw.admin_password);
        if let Some(p) = &password {
            if p.chars().count() < 8 {
                return Err(bad("VITRINE_ADMIN_PASSWORD", "must be at least 8 characters"));
            }
        }
        // A generated password is only acceptable for a laptop demo; a deployment with its own
        // bucket is a real one and must say who the admin is.
        if password.is_none() && matches!(storage, StorageConfig::External { .. }) {
            return Err(bad("VITRINE_ADMIN_PASSWORD", "required when VITRINE_S3_ENDPOINT is set"));
        }

        let uploads = parse_upload_config(&raw_uploads)?;
        let image_widths = match non_empty(raw.image_widths.clone()) {
            None => crate::cdn::DEFAULT_WIDTHS.to_vec(),
            Some(list) => {
                let mut widths = Vec::new();
                for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match part.parse::<u32>() {
                        Ok(w) if (16..=crate::cdn::MAX_DIMENSION).contains(&w) => widths.push(w),
                        _ => {
                            return Err(bad("VITRINE_IMAGE_WIDTHS", format!("'{part}' is not a width from 16 to 8192")))
                        }
                    }
                }
                if widths.is_empty() {
                    return Err(bad("VITRINE_IMAGE_WIDTHS", "lists no width"));
                }
                widths.sort_unstable();
                widths.dedup();
                widths
            }
        };

        let invitation_ttl =
            days_setting("VITRINE_INVITATION_DAYS", raw.invitation_days, DEFAULT_INVITATION_DAYS, 365)?;
        let trash_retention = days_setting("VITRINE_TRASH_DAYS", raw.trash_days, DEFAULT_TRASH_DAYS, 3650)?;

        Ok(Config {
            trash_retention,
            trusted_proxies: network::parse_trusted_proxies(raw.trusted_proxies.as_deref())?,
            invitation_ttl,
            uploads,
            image_widths,
            database,
            storage,
            cdn_base_url,
            cdn_token_key,
            public_base_url,
            admin: AdminConfig { email, password: password.map(SecretString::from) },
            data_dir,
        })
    }
}

/// A number of days from 1 to `max`, or `default` when unset.
fn days_setting(
    var: &'static str,
    raw: Option<String>,
    default: i64,
    max: i64,
) -> Result<chrono::Duration, ConfigError> {
    match non_empty(raw) {
        None => Ok(chrono::Duration::days(default)),
        Some(days) => match days.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(chrono::Duration::days(n)),
            _ => Err(bad(var, format!("'{days}' is not a number of days from 1 to {max}"))),
        },
    }
}

pub(super) fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn parse_database_url(url: String) -> Result<DatabaseConfig, ConfigError> {
    let Some(backend) = Backend::of_url(&url) else {
        return Err(bad(
            "VITRINE_DATABASE_URL",
            "must start with sqlite:// or postgres:// (e.g. postgres://user@host/vitrine)",
        ));
    };
    Ok(DatabaseConfig { url, backend })
}

fn parse_http_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| bad(var, format!("'{value}' is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(var, format!("'{value}' must be an http:// or https:// URL")));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
