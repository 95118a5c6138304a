//! The S3-compatible store Vitrine serves itself when no external store is configured.
//!
//! `s3s` speaks the S3 protocol (SigV4 checks included) over `s3s-fs`, which keeps objects as
//! files under `<data>/objects/<bucket>/`. The app calls it on its own port (`addr`, loopback
//! by default). Browsers reach the same service on the app's origin: presigned URLs sign the
//! host and the path, so it is mounted at `/<bucket>/…` exactly, not under a prefix, and the
//! URL is signed for the app's public host; then one port and one TLS certificate serve both
//! and no CORS is involved. With `VITRINE_STORE_PUBLIC_URL` browsers use that origin instead
//! (a proxy in front of `addr`), and the CORS layer below lets the app's pages in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderName, HeaderValue, Method, StatusCode};
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{dto, S3Request, S3Response, S3Result, S3};
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
    service: S3Service,
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
        let mut builder = S3ServiceBuilder::new(EmbeddedS3 { fs, root: root.clone() });
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
            .allow_headers([
                header::CONTENT_TYPE,
                header::RANGE,
                HeaderName::from_static("x-amz-checksum-sha256"),
                HeaderName::from_static("x-amz-sdk-checksum-algorithm"),
            ])
            .expose_headers([header::ETAG, header::CONTENT_LENGTH])
            .max_age(std::time::Duration::from_secs(3600));
        let router = Router::new().fallback(forward_to_s3).with_state(service.clone()).layer(cors);

        Ok(EmbeddedStore { listener, router, service, endpoint })
    }

    /// The store as a route of the app: `/<bucket>/{*key}` on the app's own origin.
    pub fn browser_route(&self) -> (String, axum::routing::MethodRouter) {
        let path = format!("/{}/{{*key}}", self.endpoint.bucket);
        (path, axum::routing::any(forward_to_s3).with_state(self.service.clone()))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // No Nagle delay between a response's headers and its body (see `startup.rs`).
        let listener = self.listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.router).with_graceful_shutdown(shutdown).await
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

/// `s3s-fs` with the two gaps that matter for resumable uploads filled in, so the embedded store
/// answers ListParts as S3 and R2 do: each part's ETag (the MD5 of its bytes), and `NoSuchUpload`
/// for an upload that was completed or aborted (s3s-fs lists nothing instead). Everything else
/// is passed through.
struct EmbeddedS3 {
    fs: s3s_fs::FileSystem,
    root: PathBuf,
}

#[async_trait::async_trait]
impl S3 for EmbeddedS3 {
    async fn put_object(&self, req: S3Request<dto::PutObjectInput>) -> S3Result<S3Response<dto::PutObjectOutput>> {
        self.fs.put_object(req).await
    }

    async fn get_object(&self, req: S3Request<dto::GetObjectInput>) -> S3Result<S3Response<dto::GetObjectOutput>> {
        self.fs.get_object(req).await
    }

    async fn head_object(&self, req: S3Request<dto::HeadObjectInput>) -> S3Result<S3Response<dto::HeadObjectOutput>> {
        self.fs.head_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<dto::DeleteObjectInput>,
    ) -> S3Result<S3Response<dto::DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<dto::DeleteObjectsInput>,
    ) -> S3Result<S3Response<dto::DeleteObjectsOutput>> {
        self.fs.delete_objects(req).await
    }

    async fn copy_object(&self, req: S3Request<dto::CopyObjectInput>) -> S3Result<S3Response<dto::CopyObjectOutput>> {
        self.fs.copy_object(req).await
    }

    async fn head_bucket(&self, req: S3Request<dto::HeadBucketInput>) -> S3Result<S3Response<dto::HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn create_bucket(
        &self,
        req: S3Request<dto::CreateBucketInput>,
    ) -> S3Result<S3Response<dto::CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<dto::ListBucketsInput>,
    ) -> S3Result<S3Response<dto::ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }

    async fn list_objects(
        &self,
        req: S3Request<dto::ListObjectsInput>,
    ) -> S3Result<S3Response<dto::ListObjectsOutput>> {
        self.fs.list_objects(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<dto::ListObjectsV2Input>,
    ) -> S3Result<S3Response<dto::ListObjectsV2Output>> {
        self.fs.list_objects_v2(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<dto::GetBucketLocationInput>,
    ) -> S3Result<S3Response<dto::GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<dto::CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<dto::CreateMultipartUploadOutput>> {
        self.fs.create_multipart_upload(req).await
    }

    async fn upload_part(&self, req: S3Request<dto::UploadPartInput>) -> S3Result<S3Response<dto::UploadPartOutput>> {
        self.fs.upload_part(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<dto::CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<dto::CompleteMultipartUploadOutput>> {
        self.fs.complete_multipart_upload(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<dto::AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<dto::AbortMultipartUploadOutput>> {
        self.fs.abort_multipart_upload(req).await
    }

    async fn list_parts(&self, req: S3Request<dto::ListPartsInput>) -> S3Result<S3Response<dto::ListPartsOutput>> {
        let upload_id = req.input.upload_id.clone();
        // s3s-fs keeps `.upload-<id>.json` while an upload is open and its parts beside it.
        let open =
            uuid::Uuid::parse_str(&upload_id).is_ok() && self.root.join(format!(".upload-{upload_id}.json")).exists();
        if !open {
            return Err(s3s::s3_error!(NoSuchUpload));
        }
        let mut response = self.fs.list_parts(req).await?;
        if let Some(parts) = response.output.parts.as_mut() {
            for part in parts.iter_mut() {
                let Some(number) = part.part_number else { continue };
                let path = self.root.join(format!(".upload_id-{upload_id}.part-{number}"));
                let md5 = md5_of(&path).await.map_err(|e| s3s::s3_error!(InternalError, "{e}"))?;
                part.e_tag = Some(dto::ETag::Strong(md5));
            }
            parts.sort_by_key(|p| p.part_number);
        }
        Ok(response)
    }

    /// s3s-fs has no ListMultipartUploads; its files say it all: an open upload has
    /// `.upload-<id>.json`, and its object's attributes are kept in
    /// `.bucket-<b64>.object-<b64>.upload-<id>.metadata.json`. One page, every open upload.
    async fn list_multipart_uploads(
        &self,
        req: S3Request<dto::ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<dto::ListMultipartUploadsOutput>> {
        use base64::Engine;
        let decode = |s: &str| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).ok().and_then(|b| String::from_utf8(b).ok())
        };
        let bucket = req.input.bucket.clone();
        // A directory scan: on the blocking pool, not on the threads serving requests.
        let (root, wanted) = (self.root.clone(), bucket.clone());
        let uploads = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<dto::MultipartUpload>> {
            let mut uploads = Vec::new();
            for entry in std::fs::read_dir(&root)?.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(rest) = name.strip_prefix(".bucket-").and_then(|r| r.strip_suffix(".metadata.json")) else {
                    continue;
                };
                let Some((encoded_bucket, rest)) = rest.split_once(".object-") else { continue };
                let Some((encoded_key, upload_id)) = rest.split_once(".upload-") else { continue };
                let (Some(b), Some(key)) = (decode(encoded_bucket), decode(encoded_key)) else { continue };
                if b != wanted || !root.join(format!(".upload-{upload_id}.json")).exists() {
                    continue;
                }
                let initiated = entry.metadata().and_then(|m| m.modified()).ok().map(dto::Timestamp::from);
                uploads.push(dto::MultipartUpload {
                    key: Some(key),
                    upload_id: Some(upload_id.to_string()),
                    initiated,
                    ..Default::default()
                });
            }
            Ok(uploads)
        })
        .await
        .map_err(|e| s3s::s3_error!(InternalError, "{e}"))?
        .map_err(|e| s3s::s3_error!(InternalError, "{e}"))?;
        let output = dto::ListMultipartUploadsOutput {
            bucket: Some(bucket),
            uploads: Some(uploads),
            is_truncated: Some(false),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }
}

/// The hex MD5 of a file, read in chunks.
async fn md5_of(path: &Path) -> std::io::Result<String> {
    use md5::{Digest, Md5};
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
