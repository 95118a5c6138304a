//! What may be uploaded, and how long an upload may take: `VITRINE_UPLOAD_*`.

use std::time::Duration;

use super::{bad, non_empty, ConfigError};
use crate::model::ContentType;

/// What may be uploaded, and how long an upload may take.
#[derive(Debug, Clone)]
pub struct UploadConfig {
    /// Exact MIME types a file may declare.
    pub allowed_types: Vec<ContentType>,
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
            allowed_types: DEFAULT_ALLOWED_TYPES.iter().filter_map(|t| ContentType::parse(t).ok()).collect(),
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

pub(super) struct RawUploads {
    pub(super) allowed_types: Option<String>,
    pub(super) max_bytes: Option<String>,
    pub(super) max_files: Option<String>,
    pub(super) url_ttl_secs: Option<String>,
    pub(super) sweep_interval_secs: Option<String>,
    pub(super) sweep_grace_secs: Option<String>,
    pub(super) multipart_threshold_bytes: Option<String>,
    pub(super) multipart_abandon_secs: Option<String>,
    pub(super) part_url_ttl_secs: Option<String>,
    pub(super) transcode: Option<String>,
}

pub(super) fn parse_upload_config(raw: &RawUploads) -> Result<UploadConfig, ConfigError> {
    let defaults = UploadConfig::default();
    let allowed_types = match non_empty(raw.allowed_types.clone()) {
        None => defaults.allowed_types,
        Some(list) => {
            let mut types = Vec::new();
            for raw_type in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let parsed = ContentType::parse(raw_type).map_err(|_| {
                    bad("VITRINE_UPLOAD_ALLOWED_TYPES", format!("'{raw_type}' is not a MIME type like image/png"))
                })?;
                types.push(parsed);
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
        multipart_abandon: number(
            "VITRINE_UPLOAD_MULTIPART_ABANDON_SECS",
            &raw.multipart_abandon_secs,
            0,
            30 * 24 * 3600,
        )?
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
