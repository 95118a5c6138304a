//! Typed configuration read once from the environment (and an optional `.env`).
//!
//! Every variable is optional; the defaults give the zero-config embedded setup. A value that
//! is present but wrong stops start-up with one line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::model::Email;

#[derive(Debug, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn bad(var: &'static str, reason: impl Into<String>) -> ConfigError {
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
}

#[derive(Debug, Clone)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub kind: DatabaseKind,
}

/// Where object bytes live.
#[derive(Debug, Clone)]
pub enum StorageConfig {
    /// An S3-compatible service run by someone else (R2 in production).
    External {
        endpoint: Url,
        bucket: String,
        region: String,
        access_key_id: String,
        secret_access_key: SecretString,
    },
    /// The store this process serves itself on loopback; credentials are made on first start.
    Embedded { addr: SocketAddr, bucket: String, region: String },
}

#[derive(Debug, Clone)]
pub struct AdminConfig {
    pub email: Email,
    /// `None` only in the embedded setup: a password is then generated and logged once.
    pub password: Option<SecretString>,
}

/// What may be uploaded, and how long an upload may take.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Exact MIME types (lower case) a file may declare.
    pub allowed_types: Vec<String>,
    /// Largest file. One PUT carries at most 5 GiB; bigger files must be above the multipart threshold.
    pub max_bytes: u64,
    /// Most files in one batch.
    pub max_files: usize,
    /// How long a presigned upload URL stays valid.
    pub url_ttl: Duration,
    /// How often the sweeper looks for uploads whose URL expired.
    pub sweep_interval: Duration,
    /// How long after its URL expired an unfinished file is given up on. A PUT that started
    /// just before expiry may still be running (S3 checks the signature when a request starts).
    pub sweep_grace: Duration,
    /// Files this large or larger go up in parts (S3 multipart), resumably.
    pub multipart_threshold: u64,
    /// A multipart upload with no progress for this long is aborted by the sweeper.
    pub multipart_abandon: Duration,
    /// How long one part's URL stays valid; an expired one is simply signed again.
    pub part_url_ttl: Duration,
    /// Make HLS renditions of videos in the background (needs `ffmpeg` on PATH).
    pub transcode: bool,
}

pub const DEFAULT_ALLOWED_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/heic",
    "image/heif",
    "image/tiff",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/ogg",
];

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            allowed_types: DEFAULT_ALLOWED_TYPES.iter().map(|t| t.to_string()).collect(),
            max_bytes: 5 * 1024 * 1024 * 1024,
            max_files: 1000,
            url_ttl: Duration::from_secs(3600),
            sweep_interval: Duration::from_secs(60),
            sweep_grace: Duration::from_secs(15 * 60),
            multipart_threshold: 64 * 1024 * 1024,
            multipart_abandon: Duration::from_secs(24 * 3600),
            part_url_ttl: Duration::from_secs(15 * 60),
            transcode: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub cdn_base_url: Option<Url>,
    /// `None`: derived from the address the app is bound to.
    pub public_base_url: Option<Url>,
    pub admin: AdminConfig,
    pub data_dir: PathBuf,
    pub uploads: UploadConfig,
    /// The srcset width ladder.
    pub image_widths: Vec<u32>,
}

pub const DEFAULT_BUCKET: &str = "vitrine";
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@vitrine.local";

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is the normal case; a malformed one is worth stopping for.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(bad(".env", e.to_string())),
        }
        let raw: RawEnv = envy::prefixed("VITRINE_")
            .from_env()
            .map_err(|e| bad("VITRINE_*", e.to_string()))?;
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
                kind: DatabaseKind::Sqlite,
            },
            Some(url) => parse_database_url(url)?,
        };

        let region = non_empty(raw.s3_region).unwrap_or_else(|| "auto".into());
        let bucket = non_empty(raw.s3_bucket).unwrap_or_else(|| DEFAULT_BUCKET.into());
        validate_bucket(&bucket)?;

        let storage = match non_empty(raw.s3_endpoint) {
            None => {
                let addr = match non_empty(raw.store_addr) {
                    None => SocketAddr::from(([127, 0, 0, 1], 9000)),
                    Some(s) => s.parse().map_err(|_| {
                        bad("VITRINE_STORE_ADDR", format!("'{s}' is not an address like 127.0.0.1:9000"))
                    })?,
                };
                StorageConfig::Embedded { addr, bucket, region }
            }
            Some(endpoint) => {
                let endpoint = parse_http_url("VITRINE_S3_ENDPOINT", &endpoint)?;
                let access_key_id = non_empty(raw.s3_access_key_id).ok_or_else(|| {
                    bad("VITRINE_S3_ACCESS_KEY_ID", "required when VITRINE_S3_ENDPOINT is set")
                })?;
                let secret = non_empty(raw.s3_secret_access_key).ok_or_else(|| {
                    bad("VITRINE_S3_SECRET_ACCESS_KEY", "required when VITRINE_S3_ENDPOINT is set")
                })?;
                StorageConfig::External {
                    endpoint,
                    bucket,
                    region,
                    access_key_id,
                    secret_access_key: SecretString::from(secret),
                }
            }
        };

        let cdn_base_url = non_empty(raw.cdn_base_url)
            .map(|s| parse_http_url("VITRINE_CDN_BASE_URL", &s))
            .transpose()?;
        let public_base_url = non_empty(raw.public_base_url)
            .map(|s| parse_http_url("VITRINE_PUBLIC_BASE_URL", &s))
            .transpose()?;

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
                        _ => return Err(bad("VITRINE_IMAGE_WIDTHS", format!("'{part}' is not a width from 16 to 8192"))),
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

        Ok(Config {
            uploads,
            image_widths,
            database,
            storage,
            cdn_base_url,
            public_base_url,
            admin: AdminConfig { email, password: password.map(SecretString::from) },
            data_dir,
        })
    }
}

struct RawUploads {
    allowed_types: Option<String>,
    max_bytes: Option<String>,
    max_files: Option<String>,
    url_ttl_secs: Option<String>,
    sweep_interval_secs: Option<String>,
    sweep_grace_secs: Option<String>,
    multipart_threshold_bytes: Option<String>,
    multipart_abandon_secs: Option<String>,
    part_url_ttl_secs: Option<String>,
    transcode: Option<String>,
}

fn parse_upload_config(raw: &RawUploads) -> Result<UploadConfig, ConfigError> {
    let defaults = UploadConfig::default();
    let allowed_types = match non_empty(raw.allowed_types.clone()) {
        None => defaults.allowed_types,
        Some(list) => {
            let types: Vec<String> = list.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect();
            if let Some(bad_type) = types.iter().find(|t| !is_mime_type(t)) {
                return Err(bad("VITRINE_UPLOAD_ALLOWED_TYPES", format!("'{bad_type}' is not a MIME type like image/png")));
            }
            if types.is_empty() {
                return Err(bad("VITRINE_UPLOAD_ALLOWED_TYPES", "lists no type"));
            }
            types
        }
    };
    let number = |var: &'static str, value: &Option<String>, min: u64, max: u64| -> Result<Option<u64>, ConfigError> {
        match non_empty(value.clone()) {
            None => Ok(None),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(bad(var, format!("'{v}' is not a whole number from {min} to {max}"))),
            },
        }
    };
    // One PUT carries at most 5 GiB; multipart uploads take up to 10,000 parts of up to 5 GiB.
    const FIVE_TIB: u64 = 5 * 1024 * 1024 * 1024 * 1024;
    Ok(UploadConfig {
        allowed_types,
        max_bytes: number("VITRINE_UPLOAD_MAX_BYTES", &raw.max_bytes, 1, FIVE_TIB)?.unwrap_or(defaults.max_bytes),
        max_files: number("VITRINE_UPLOAD_MAX_FILES", &raw.max_files, 1, 10_000)?
            .map(|n| n as usize)
            .unwrap_or(defaults.max_files),
        url_ttl: number("VITRINE_UPLOAD_URL_TTL_SECS", &raw.url_ttl_secs, 1, 7 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.url_ttl),
        sweep_interval: number("VITRINE_UPLOAD_SWEEP_INTERVAL_SECS", &raw.sweep_interval_secs, 1, 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.sweep_interval),
        sweep_grace: number("VITRINE_UPLOAD_SWEEP_GRACE_SECS", &raw.sweep_grace_secs, 0, 7 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.sweep_grace),
        multipart_threshold: number(
            "VITRINE_UPLOAD_MULTIPART_THRESHOLD_BYTES",
            &raw.multipart_threshold_bytes,
            crate::model::upload::MIN_PART_SIZE,
            5 * 1024 * 1024 * 1024,
        )?
        .unwrap_or(defaults.multipart_threshold),
        multipart_abandon: number("VITRINE_UPLOAD_MULTIPART_ABANDON_SECS", &raw.multipart_abandon_secs, 0, 30 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.multipart_abandon),
        part_url_ttl: number("VITRINE_UPLOAD_PART_URL_TTL_SECS", &raw.part_url_ttl_secs, 1, 7 * 24 * 3600)?
            .map(Duration::from_secs)
            .unwrap_or(defaults.part_url_ttl),
        transcode: match non_empty(raw.transcode.clone()).as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => return Err(bad("VITRINE_TRANSCODE", format!("'{other}' is not 0 or 1"))),
        },
    })
}

/// `type/subtype` of token characters, as in RFC 6838.
fn is_mime_type(value: &str) -> bool {
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c));
    matches!(value.split_once('/'), Some((top, sub)) if token(top) && token(sub))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn parse_database_url(url: String) -> Result<DatabaseConfig, ConfigError> {
    let kind = if url.starts_with("sqlite:") {
        DatabaseKind::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        DatabaseKind::Postgres
    } else {
        return Err(bad(
            "VITRINE_DATABASE_URL",
            "must start with sqlite:// or postgres:// (e.g. postgres://user@host/vitrine)",
        ));
    };
    Ok(DatabaseConfig { url, kind })
}

fn parse_http_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| bad(var, format!("'{value}' is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(var, format!("'{value}' must be an http:// or https:// URL")));
    }
    Ok(url)
}

/// S3 bucket naming rules, in the form every provider accepts.
fn validate_bucket(bucket: &str) -> Result<(), ConfigError> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
        && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(bad("VITRINE_S3_BUCKET", format!("'{bucket}' is not a valid bucket name (3-63 of a-z 0-9 . -)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_environment_gives_the_embedded_setup() {
        let config = Config::from_raw(RawEnv::default()).unwrap();
        assert!(matches!(config.database.kind, DatabaseKind::Sqlite));
        assert_eq!(config.database.url, "sqlite://./data/vitrine.db?mode=rwc");
        match config.storage {
            StorageConfig::Embedded { addr, bucket, region } => {
                assert_eq!(addr.to_string(), "127.0.0.1:9000");
                assert_eq!(bucket, "vitrine");
                assert_eq!(region, "auto");
            }
            other => panic!("expected the embedded store, got {other:?}"),
        }
        assert!(config.admin.password.is_none());
        assert_eq!(config.admin.email.as_str(), DEFAULT_ADMIN_EMAIL);
    }

    #[test]
    fn upload_limits_have_sane_defaults_and_can_be_set() {
        let defaults = Config::from_raw(RawEnv::default()).unwrap().uploads;
        assert_eq!(defaults.max_bytes, 5 * 1024 * 1024 * 1024);
        assert!(defaults.allowed_types.contains(&"image/jpeg".to_string()));
        assert!(defaults.allowed_types.contains(&"video/mp4".to_string()));
        assert!(!defaults.allowed_types.iter().any(|t| t.contains("svg")), "SVG can carry scripts");
        let raw = RawEnv {
            upload_allowed_types: Some(" Image/PNG ,video/mp4".into()),
            upload_max_bytes: Some("1048576".into()),
            upload_url_ttl_secs: Some("5".into()),
            ..Default::default()
        };
        let set = Config::from_raw(raw).unwrap().uploads;
        assert_eq!(set.allowed_types, vec!["image/png".to_string(), "video/mp4".to_string()]);
        assert_eq!(set.max_bytes, 1_048_576);
        assert_eq!(set.url_ttl, Duration::from_secs(5));
    }

    #[test]
    fn postgres_url_switches_backend() {
        let raw = RawEnv { database_url: Some("postgres://postgres@127.0.0.1/v".into()), ..Default::default() };
        assert!(matches!(Config::from_raw(raw).unwrap().database.kind, DatabaseKind::Postgres));
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: Vec<(RawEnv, &str)> = vec![
            (RawEnv { database_url: Some("mysql://x".into()), ..Default::default() }, "VITRINE_DATABASE_URL"),
            (RawEnv { store_addr: Some("nine-thousand".into()), ..Default::default() }, "VITRINE_STORE_ADDR"),
            (RawEnv { cdn_base_url: Some("ftp://cdn".into()), ..Default::default() }, "VITRINE_CDN_BASE_URL"),
            (RawEnv { s3_bucket: Some("Bad_Bucket".into()), ..Default::default() }, "VITRINE_S3_BUCKET"),
            (RawEnv { admin_email: Some("nobody".into()), ..Default::default() }, "VITRINE_ADMIN_EMAIL"),
            (RawEnv { admin_password: Some("short".into()), ..Default::default() }, "VITRINE_ADMIN_PASSWORD"),
            (RawEnv { upload_allowed_types: Some("image/png, nonsense".into()), ..Default::default() }, "VITRINE_UPLOAD_ALLOWED_TYPES"),
            (RawEnv { upload_max_bytes: Some("-5".into()), ..Default::default() }, "VITRINE_UPLOAD_MAX_BYTES"),
            (RawEnv { upload_max_bytes: Some("6000000000000".into()), ..Default::default() }, "VITRINE_UPLOAD_MAX_BYTES"),
            (
                RawEnv { upload_multipart_threshold_bytes: Some("1000".into()), ..Default::default() },
                "VITRINE_UPLOAD_MULTIPART_THRESHOLD_BYTES",
            ),
            (RawEnv { transcode: Some("yes".into()), ..Default::default() }, "VITRINE_TRANSCODE"),
            (RawEnv { upload_max_files: Some("0".into()), ..Default::default() }, "VITRINE_UPLOAD_MAX_FILES"),
            (
                RawEnv { s3_endpoint: Some("https://acct.r2.cloudflarestorage.com".into()), ..Default::default() },
                "VITRINE_S3_ACCESS_KEY_ID",
            ),
            (
                RawEnv {
                    s3_endpoint: Some("https://acct.r2.cloudflarestorage.com".into()),
                    s3_access_key_id: Some("k".into()),
                    s3_secret_access_key: Some("s".into()),
                    ..Default::default()
                },
                "VITRINE_ADMIN_PASSWORD",
            ),
        ];
        for (raw, var) in cases {
            let err = Config::from_raw(raw).unwrap_err();
            assert_eq!(err.var, var);
            let line = err.to_string();
            assert!(line.starts_with(var) && !line.contains('\n'), "{line}");
        }
    }
}
