//! `make bench`: upload throughput through the full flow vs. straight PUTs to the store, the
//! bytes the app server receives per uploaded file, and completions per second vs. a bare
//! single-row UPDATE loop, on SQLite and (when it runs) PostgreSQL. Prints figures; asserts nothing.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leptos::config::LeptosOptions;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use vitrine::model::Email;
use vitrine::model::{ContentType, ObjectKey};
use vitrine::server::config::{AdminConfig, Config, DatabaseConfig, StorageConfig, UploadConfig};
use vitrine::server::db::Backend;
use vitrine::server::startup::Application;

const EMAIL: &str = "bench@example.test";
const PASSWORD: &str = "bench-password-123";
const BIG_FILES: usize = 20;
const BIG_FILE_BYTES: usize = 50 * 1024 * 1024 + 123;
const IN_FLIGHT: usize = 3;
const CONCURRENCY: usize = 64;

struct Bench {
    /// The app as the client sees it: through a proxy that counts what the client sends.
    base: String,
    received: Arc<AtomicU64>,
    client: reqwest::Client,
    state: vitrine::server::state::AppState,
    _stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

async fn spawn(database: DatabaseConfig) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database,
        storage: StorageConfig::Embedded {
            addr: "127.0.0.1:0".parse().unwrap(),
            bucket: "vitrine".into(),
            region: "auto".into(),
            public_url: None,
        },
        cdn_base_url: None,
        cdn_token_key: None,
        public_base_url: None,
        admin: AdminConfig { email: Email::parse(EMAIL).unwrap(), password: Some(SecretString::from(PASSWORD)) },
        data_dir: dir.path().to_path_buf(),
        uploads: UploadConfig { max_files: 10_000, ..UploadConfig::default() },
        image_widths: vitrine::cdn::DEFAULT_WIDTHS.to_vec(),
        invitation_ttl: chrono::Duration::days(7),
        trash_retention: chrono::Duration::days(30),
        trusted_proxies: Vec::new(),
    };
    let leptos =
        LeptosOptions::builder().output_name("vitrine").site_addr("127.0.0.1:0".parse::<SocketAddr>().unwrap()).build();
    let app = Application::build(config, leptos).await.expect("app builds");
    let app_addr = app.local_addr();
    let state = app.state().clone();
    let (stop, stop_rx) = watch::channel(false);
    tokio::spawn(app.run_until(stop_rx));

    let received = Arc::new(AtomicU64::new(0));
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let counter = received.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = proxy.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(app_addr).await else { return };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                // Counted as it passes: keep-alive connections stay open past the measurement.
                let upstream = async {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        counter.fetch_add(n as u64, Ordering::Relaxed);
                    }
                    let _ = server_write.shutdown().await;
                };
                let downstream = tokio::io::copy(&mut server_read, &mut client_write);
                let _ = tokio::join!(upstream, downstream);
            });
        }
    });

    let client = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(CONCURRENCY).build().unwrap();
    let base = format!("http://{proxy_addr}");
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    Bench { base, received, client, state, _stop: stop, _dir: dir }
}

impl Bench {
    async fn api(&self, path: &str, body: Value) -> Value {
        let response = self.client.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn put(&self, upload: &Value, body: bytes::Bytes) -> String {
        let mut request = self.client.put(upload["url"].as_str().unwrap()).body(body);
        for h in upload["headers"].as_array().unwrap() {
            request = request.header(h[0].as_str().unwrap(), h[1].as_str().unwrap());
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "PUT {}", response.status());
        response.headers()["etag"].to_str().unwrap().to_string()
    }
}

fn flush_disk() {
    let _ = std::process::Command::new("sync").status();
}

fn mib_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / 1024.0 / 1024.0 / elapsed.as_secs_f64()
}

/// 20 × 50 MiB through start → PUT (3 in flight) → complete, and the same bytes PUT straight to
/// the store with URLs signed outside the app; three times each, alternating, best of three.
async fn throughput(bench: &Bench) {
    // An MP4's first box, then filler: completion checks that the first bytes match the type.
    const FTYP: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom";
    let data = bytes::Bytes::from(
        (0..BIG_FILE_BYTES).map(|i| FTYP.get(i).copied().unwrap_or((i % 251) as u8)).collect::<Vec<u8>>(),
    );
    let total = BIG_FILES * BIG_FILE_BYTES;
    let mut flow = Duration::MAX;
    let mut direct = Duration::MAX;
    let mut received_per_file = 0;
    for round in 0..3 {
        // Each run starts with nothing left to write back from the one before it.
        flush_disk();
        direct = direct.min(direct_puts(bench, &data, round).await);
        flush_disk();
        let (elapsed, received) = flow_uploads(bench, &data).await;
        flow = flow.min(elapsed);
        received_per_file = received / BIG_FILES as u64;
    }
    println!("  upload {} MiB as {BIG_FILES} files, {IN_FLIGHT} in flight (best of 3)", total / 1024 / 1024);
    println!(
        "    full flow (start, PUT, complete): {:>7.2} s  {:>7.1} MiB/s",
        flow.as_secs_f64(),
        mib_per_s(total, flow)
    );
    println!(
        "    straight PUTs to the store:       {:>7.2} s  {:>7.1} MiB/s",
        direct.as_secs_f64(),
        mib_per_s(total, direct)
    );
    println!(
        "    flow / direct throughput:         {:>7.3}  (goal >= 0.95)",
        direct.as_secs_f64() / flow.as_secs_f64()
    );
    println!("    bytes the app received per file:  {received_per_file:>7}  (goal <= 4096; all API calls included)");
}

async fn flow_uploads(bench: &Bench, data: &bytes::Bytes) -> (Duration, u64) {
    let received_before = bench.received.load(Ordering::Relaxed);
    let started_at = Instant::now();
    let specs: Vec<Value> = (0..BIG_FILES)
        .map(|i| json!({"name": format!("big-{i}.mp4"), "size": BIG_FILE_BYTES, "content_type": "video/mp4"}))
        .collect();
    let started = bench.api("/api/uploads/start", json!({"files": specs})).await;
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let tasks = started["files"].as_array().unwrap().iter().map(|file| {
        let permits = permits.clone();
        let data = data.clone();
        async move {
            let _permit = permits.acquire().await.unwrap();
            let _ = bench.api("/api/uploads/begin", json!({"file_id": file["file"]["id"]})).await;
            let etag = bench.put(&file["upload"], data).await;
            bench.api("/api/uploads/complete", json!({"file_id": file["file"]["id"], "etag": etag})).await;
        }
    });
    futures::future::join_all(tasks).await;
    let flow = started_at.elapsed();
    (flow, bench.received.load(Ordering::Relaxed) - received_before)
}

async fn direct_puts(bench: &Bench, data: &bytes::Bytes, round: usize) -> Duration {
    let started_at = Instant::now();
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let tasks = (0..BIG_FILES).map(|i| {
        let permits = permits.clone();
        let data = data.clone();
        async move {
            let _permit = permits.acquire().await.unwrap();
            let key = ObjectKey::parse(&format!("direct/{round}/big-{i}.mp4")).unwrap();
            let signed = bench
                .state
                .storage
                .presign_put(
                    &key,
                    &ContentType::parse("video/mp4").unwrap(),
                    BIG_FILE_BYTES as u64,
                    Duration::from_secs(600),
                )
                .await
                .unwrap();
            let upload = json!({"url": signed.url, "headers": signed.headers});
            bench.put(&upload, data).await;
        }
    });
    futures::future::join_all(tasks).await;
    started_at.elapsed()
}

const MULTIPART_BYTES: usize = 1024 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

/// 1 GiB through the full multipart flow (start, sign each part, PUT, record, complete) vs one
/// raw multipart upload to the same store with the same part size and parallelism; best of 2.
async fn multipart(bench: &Bench) {
    let data = bytes::Bytes::from(
        (0..MULTIPART_BYTES)
            .map(|i| if i < 8 { b"\x89PNG\r\n\x1a\n"[i] } else { (i % 251) as u8 })
            .collect::<Vec<u8>>(),
    );
    let part_size = vitrine::model::upload::part_size_for(MULTIPART_BYTES as u64) as usize;
    let parts = MULTIPART_BYTES.div_ceil(part_size);
    let mut flow = Duration::MAX;
    let mut raw = Duration::MAX;
    let mut received = 0;
    for round in 0..2 {
        flush_disk();
        raw = raw.min(raw_multipart(bench, &data, part_size, round).await);
        flush_disk();
        let before = bench.received.load(Ordering::Relaxed);
        let started_at = Instant::now();
        let started = bench
            .api("/api/uploads/start", json!({"files": [{"name": format!("huge-{round}.png"), "size": MULTIPART_BYTES, "content_type": "image/png"}]}))
            .await;
        let file_id = started["files"][0]["file"]["id"].clone();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(1));
        let recorded = Arc::new(std::sync::Mutex::new(Vec::new()));
        let workers = (0..PARTS_IN_FLIGHT).map(|_| {
            let (next, data, file_id, recorded) = (next.clone(), data.clone(), file_id.clone(), recorded.clone());
            async move {
                loop {
                    let number = next.fetch_add(1, Ordering::Relaxed);
                    if number > parts {
                        return;
                    }
                    let request =
                        bench.api("/api/uploads/part", json!({"file_id": file_id, "part_number": number})).await;
                    let start = (number - 1) * part_size;
                    let etag = bench.put(&request, data.slice(start..(start + part_size).min(MULTIPART_BYTES))).await;
                    // As the browser does: the record is sent without waiting for it.
                    let record = bench
                        .client
                        .post(format!("{}/api/uploads/part_done", bench.base))
                        .json(&json!({"file_id": file_id, "part_number": number, "etag": etag}))
                        .send();
                    recorded.lock().unwrap().push(tokio::spawn(record));
                }
            }
        });
        futures::future::join_all(workers).await;
        let records: Vec<_> = std::mem::take(&mut *recorded.lock().unwrap());
        for record in records {
            assert!(record.await.unwrap().unwrap().status().is_success());
        }
        bench.api("/api/uploads/complete", json!({"file_id": file_id})).await;
        flow = flow.min(started_at.elapsed());
        received = bench.received.load(Ordering::Relaxed) - before;
    }
    println!(
        "  multipart upload of 1 GiB, {parts} parts of {} MiB, {PARTS_IN_FLIGHT} in flight (best of 2)",
        part_size / 1024 / 1024
    );
    println!(
        "    full flow (start, sign, PUT, record, complete): {:>7.2} s  {:>7.1} MiB/s",
        flow.as_secs_f64(),
        mib_per_s(MULTIPART_BYTES, flow)
    );
    println!(
        "    raw multipart to the store:                    {:>7.2} s  {:>7.1} MiB/s",
        raw.as_secs_f64(),
        mib_per_s(MULTIPART_BYTES, raw)
    );
    println!(
        "    flow / raw throughput:                         {:>7.3}  (goal >= 0.9)",
        raw.as_secs_f64() / flow.as_secs_f64()
    );
    println!("    bytes the app received per GiB uploaded:       {received:>7}");
}

async fn raw_multipart(bench: &Bench, data: &bytes::Bytes, part_size: usize, round: usize) -> Duration {
    let storage = &bench.state.storage;
    let key = ObjectKey::parse(&format!("direct/multipart-{round}.png")).unwrap();
    let parts = MULTIPART_BYTES.div_ceil(part_size);
    let started_at = Instant::now();
    let upload_id = storage.create_multipart(&key, &ContentType::parse("image/png").unwrap()).await.unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(1));
    let done = Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers = (0..PARTS_IN_FLIGHT).map(|_| {
        let (next, data, done, key, upload_id) =
            (next.clone(), data.clone(), done.clone(), key.clone(), upload_id.clone());
        async move {
            loop {
                let number = next.fetch_add(1, Ordering::Relaxed);
                if number > parts {
                    return;
                }
                let start = (number - 1) * part_size;
                let end = (start + part_size).min(MULTIPART_BYTES);
                let signed = storage
                    .presign_part(&key, &upload_id, number as u32, (end - start) as u64, Duration::from_secs(600))
                    .await
                    .unwrap();
                let etag =
                    bench.put(&json!({"url": signed.url, "headers": signed.headers}), data.slice(start..end)).await;
                done.lock().unwrap().push((number as u32, etag));
            }
        }
    });
    futures::future::join_all(workers).await;
    let mut parts_done = done.lock().unwrap().clone();
    parts_done.sort();
    storage.complete_multipart(&key, &upload_id, &parts_done).await.unwrap();
    started_at.elapsed()
}

#[tokio::main]
async fn main() {
    println!(
        "Vitrine upload benchmarks (embedded store on loopback, {} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let dir = tempfile::tempdir().unwrap();
    let sqlite = DatabaseConfig {
        url: format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
        backend: Backend::Sqlite,
    };
    let bench = spawn(sqlite).await;
    println!("SQLite");
    throughput(&bench).await;
    multipart(&bench).await;
    drop(bench);
}
