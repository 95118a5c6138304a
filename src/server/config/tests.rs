//! The environment parsed into `Config`: defaults, bounds and the errors that name the variable.

use super::*;

#[test]
fn empty_environment_gives_the_embedded_setup() {
    let config = Config::from_raw(RawEnv::default()).unwrap();
    assert_eq!(config.database.backend, Backend::Sqlite);
    assert_eq!(config.database.url, "sqlite://./data/vitrine.db?mode=rwc");
    match config.storage {
        StorageConfig::Embedded { addr, bucket, region, public_url } => {
            assert!(public_url.is_none(), "browsers use the app's own origin");
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
    let allowed = |t: &str| defaults.allowed_types.iter().any(|a| a.as_str() == t);
    assert!(allowed("image/jpeg") && allowed("video/mp4") && allowed("image/heic"));
    assert!(!defaults.allowed_types.iter().any(|t| t.as_str().contains("svg")), "SVG can carry scripts");
    let raw = RawEnv {
        upload_allowed_types: Some(" Image/PNG ,video/mp4".into()),
        upload_max_bytes: Some("1048576".into()),
        upload_url_ttl_secs: Some("5".into()),
        ..Default::default()
    };
    let set = Config::from_raw(raw).unwrap().uploads;
    let set_types: Vec<&str> = set.allowed_types.iter().map(|t| t.as_str()).collect();
    assert_eq!(set_types, ["image/png", "video/mp4"]);
    assert_eq!(set.max_bytes, 1_048_576);
    assert_eq!(set.url_ttl, std::time::Duration::from_secs(5));
}

#[test]
fn postgres_url_switches_backend() {
    let raw = RawEnv { database_url: Some("postgres://postgres@127.0.0.1/v".into()), ..Default::default() };
    assert_eq!(Config::from_raw(raw).unwrap().database.backend, Backend::Postgres);
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
        (
            RawEnv { upload_allowed_types: Some("image/png, nonsense".into()), ..Default::default() },
            "VITRINE_UPLOAD_ALLOWED_TYPES",
        ),
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
