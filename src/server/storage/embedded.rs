//! The S3-compatible store Vitrine serves itself when no external store is configured.
//!
//! `s3s` speaks the S3 protocol (SigV4 checks included) over `s3s-fs`, which keeps objects as
//! files under `<data>/objects/<bucket>/`. It listens on its own loopback port, like R2 is its
//! own origin: presigned URLs sign the path, so it cannot live under a prefix of the app.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderValue, Method, StatusCode};
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::cors::{AllowOrigin, CorsLayer};
use url::Url;

use super::StoreEndpoint;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedStoreError {
    #[error("cannot prepare {path}: {source}")]
    Files { path: PathBuf, source: std::io::Error },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("store credentials file {path} is unreadable: {reason}")]
    Credentials { path: PathBuf, reason: String },
}

/// The key pair the app signs with, made once per data directory so that URLs handed out
/// before a restart stay valid after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoreCredentials {
    access_key_id: String,
    secret_access_key: String,
}

fn load_or_create_credentials(data_dir: &Path) -> Result<StoreCredentials, EmbeddedStoreError> {
    let path = data_dir.join("store-credentials.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| EmbeddedStoreError::Credentials { path: path.clone(), reason: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let credentials = StoreCredentials {
                access_key_id: format!("VITRINE{}", uuid::Uuid::new_v4().simple()).to_uppercase()[..20].to_string(),
                secret_access_key: format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple()),
            };
            let json = serde_json::to_vec_pretty(&credentials).expect("credentials serialize");
            std::fs::write(&path, json).map_err(|source| EmbeddedStoreError::Files { path: path.clone(), source })?;
            Ok(credentials)
        }
        Err(source) => Err(EmbeddedStoreError::Files { path, source }),
    }
}

/// A bound, not yet serving, embedded store.
pub struct EmbeddedStore {
    listener: TcpListener,
    router: Router,
    pub endpoint: StoreEndpoint,
}

impl EmbeddedStore {
    /// Prepares `<data_dir>/objects/<bucket>`, binds `addr` and builds the S3 service.
    /// `allowed_origin` is the app's public origin: the only one whose pages may PUT here.
    pub async fn bind(
        data_dir: &Path,
        addr: SocketAddr,
        bucket: &str,
        region: &str,
        allowed_origin: &str,
    ) -> Result<EmbeddedStore, EmbeddedStoreError> {
        let root = data_dir.join("objects");
        let bucket_dir = root.join(bucket);
        std::fs::create_dir_all(&bucket_dir)
            .map_err(|source| EmbeddedStoreError::Files { path: bucket_dir.clone(), source })?;
        let credentials = load_or_create_credentials(data_dir)?;

        let fs = s3s_fs::FileSystem::new(&root).map_err(|e| EmbeddedStoreError::Files {
            path: root.clone(),
            source: std::io::Error::other(format!("{e:?}")),
        })?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
        ));
        let service = builder.build();

        let listener = TcpListener::bind(addr).await.map_err(|source| EmbeddedStoreError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(|source| EmbeddedStoreError::Bind { addr, source })?;
        let endpoint = StoreEndpoint {
            endpoint: Url::parse(&format!("http://{local}")).expect("a socket address makes a URL"),
            bucket: bucket.to_string(),
            region: region.to_string(),
            access_key_id: credentials.access_key_id,
            secret_access_key: credentials.secret_access_key,
        };

        let origin = HeaderValue::from_str(allowed_origin).unwrap_or_else(|_| HeaderValue::from_static("null"));
        // What R2 needs as a bucket CORS policy, the embedded store gets as a layer: the app's
        // pages may PUT/GET/HEAD, send the signed Content-Type, and read the ETag back.
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::list([origin]))
            .allow_methods([Method::GET, Method::PUT, Method::HEAD])
            .allow_headers([header::CONTENT_TYPE, header::RANGE])
            .expose_headers([header::ETAG, header::CONTENT_LENGTH])
            .max_age(std::time::Duration::from_secs(3600));
        let router = Router::new().fallback(forward_to_s3).with_state(service).layer(cors);

        Ok(EmbeddedStore { listener, router, endpoint })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await
    }
}

async fn forward_to_s3(State(service): State<S3Service>, request: Request) -> Response {
    match service.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::error!(error = ?e, "embedded store failed to answer");
            (StatusCode::INTERNAL_SERVER_ERROR, "store error").into_response()
        }
    }
}
