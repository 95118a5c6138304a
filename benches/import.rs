//! `vitrine import` against the release binary, side by side with the same bytes PUT straight
//! to the store by the same number of parallel connections (presigned with the store's keys),
//! alternating, best of each: files of distinct sizes (hashed on the way) and of one size
//! (hashed before sending, as any could be a copy of another). Printed beside the goals: ≥ 0.9× raw, ≤ 4 KB to the app server
//! per file, ≤ 64 MB of memory in the command line whatever the file sizes.
//!
//! The store gets its own port here (`VITRINE_STORE_PUBLIC_URL`), so a counting proxy in front
//! of the app sees only what the app server receives.

mod support;

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::Binary;
use vitrine::model::{ContentType, ObjectKey};
use vitrine::server::clock::Clock;
use vitrine::server::storage::{Storage, StoreEndpoint};

const ROUNDS: usize = 2;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// How the files of a case are sized.
#[derive(Clone, Copy)]
enum Sizes {
    /// Each a few bytes apart, new in every round, as a camera's photos are: none can already
    /// be in the library, so the command line hashes each on the way, in the one read.
    Distinct,
    /// All exactly the same: any could be a copy of another, so each is hashed before sending.
    Equal,
}

/// Files that sniff as PNG, `count` of about `size` bytes each (see `Sizes`).
fn make_files(dir: &Path, count: usize, size: u64, sizes: Sizes, round: usize) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    (0..count)
        .map(|i| {
            let path = dir.join(format!("f{i:04}.png"));
            let file = std::fs::File::create(&path).unwrap();
            let size = match sizes {
                Sizes::Distinct => size + (round * count + i) as u64,
                Sizes::Equal => size,
            };
            file.set_len(size).unwrap();
            file.write_all_at(b"\x89PNG\r\n\x1a\n", 0).unwrap();
            // Some bytes that are not zero, every MiB.
            let mut at = 4096;
            while at < size {
                file.write_all_at(&(i as u64 * 7919 + at).to_le_bytes(), at).unwrap();
                at += 1 << 20;
            }
            path
        })
        .collect()
}

/// A new content for every file: a round number written past the PNG signature.
fn touch(files: &[PathBuf], round: usize) {
    for path in files {
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.write_all_at(format!("round {round} {}", uuid::Uuid::new_v4()).as_bytes(), 16).unwrap();
    }
}

/// A TCP pass-through to the app that counts the bytes clients send it.
async fn counting_proxy(app: std::net::SocketAddr) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counted = Arc::new(AtomicU64::new(0));
    let total = counted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else { return };
            let total = total.clone();
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(app).await else { return };
                let (mut client_read, mut client_write) = client.split();
                let (mut server_read, mut server_write) = server.split();
                let up = async {
                    let n = tokio::io::copy(&mut client_read, &mut server_write).await.unwrap_or(0);
                    total.fetch_add(n, Ordering::Relaxed);
                    let _ = tokio::io::AsyncWriteExt::shutdown(&mut server_write).await;
                };
                let down = tokio::io::copy(&mut server_read, &mut client_write);
                let _ = tokio::join!(up, down);
            });
        }
    });
    (format!("http://{addr}/"), counted)
}

/// PUTs every file straight to the store, `jobs` at a time: seconds taken.
async fn raw(storage: &Storage, files: &[PathBuf], jobs: usize, round: usize) -> f64 {
    let gate = Arc::new(tokio::sync::Semaphore::new(jobs));
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, path) in files.iter().enumerate() {
        let (gate, client, storage, path) = (gate.clone(), client.clone(), storage.clone(), path.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let size = std::fs::metadata(&path).unwrap().len();
            let key = ObjectKey::parse(&format!("bench/raw/{round}/{i}.png")).unwrap();
            let put = storage
                .presign_put(&key, &ContentType::parse("image/png").unwrap(), size, Duration::from_secs(3600))
                .await
                .unwrap();
            let body = tokio_util::io::ReaderStream::new(tokio::fs::File::open(&path).await.unwrap());
            let mut request = client.put(&put.url).header("content-length", size);
            for (name, value) in &put.headers {
                request = request.header(name, value);
            }
            let response = request.body(reqwest::Body::wrap_stream(body)).send().await.unwrap();
            assert!(response.status().is_success(), "raw PUT: {}", response.status());
        });
    }
    while tasks.join_next().await.is_some() {}
    started.elapsed().as_secs_f64()
}

/// Runs `vitrine import` (the release binary): seconds taken and its peak memory (bytes).
fn import(server: &str, token: &str, dir: &Path, jobs: usize) -> (f64, u64) {
    let binary = std::env::current_dir().unwrap().join("target/release/vitrine");
    let started = Instant::now();
    let output = std::process::Command::new(binary)
        .args(["import", dir.to_str().unwrap(), "--jobs", &jobs.to_string(), "--server", server])
        .env("VITRINE_TOKEN", token)
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "import failed: {text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("0 already there") && text.contains("0 failed"), "{}", text.lines().last().unwrap_or(""));
    // The largest resident set of any child so far: this one is the largest we run.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    (seconds, usage.ru_maxrss as u64 * 1024)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store_port = free_port();
    let store = format!("127.0.0.1:{store_port}");
    let app = Binary::start(
        dir.path(),
        &[("VITRINE_STORE_ADDR", store.clone()), ("VITRINE_STORE_PUBLIC_URL", format!("http://{store}"))],
    )
    .await;
    let session = app.sign_in().await;
    let token = app.call(&session.client, "/api/tokens/create", json!({"name": "bench", "scope": "write"})).await;
    let token = token["secret"].as_str().unwrap().to_string();
    let app_addr: std::net::SocketAddr = app.url("").trim_start_matches("http://").parse().unwrap();
    let (server, to_app) = counting_proxy(app_addr).await;
    let credentials: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("data/store-credentials.json")).unwrap()).unwrap();
    let storage = Storage::new(
        StoreEndpoint {
            endpoint: url::Url::parse(&format!("http://{store}")).unwrap(),
            bucket: "vitrine".into(),
            region: "auto".into(),
            access_key_id: credentials["access_key_id"].as_str().unwrap().into(),
            secret_access_key: credentials["secret_access_key"].as_str().unwrap().into(),
        },
        None,
        Clock::system(),
    );

    println!("vitrine import vs raw PUTs to the same store, same parallelism (best of {ROUNDS}, alternating)");
    let cases: [(&str, usize, u64, usize, Sizes); 3] = [
        ("1,000 files of 256 KB", 1000, 256 * 1024, 4, Sizes::Distinct),
        ("1,000 x exactly 256 KB", 1000, 256 * 1024, 4, Sizes::Equal),
        ("2 files of 1 GiB", 2, 1 << 30, 2, Sizes::Distinct),
    ];
    let mut peak_memory = 0;
    for (name, count, size, jobs, sizes) in cases {
        let files_dir = dir.path().join(format!("files-{count}"));
        let (mut best_raw, mut best_import) = (f64::MAX, f64::MAX);
        let mut app_bytes_per_file = 0;
        for round in 0..ROUNDS {
            let files = make_files(&files_dir, count, size, sizes, round);
            touch(&files, round);
            best_raw = best_raw.min(raw(&storage, &files, jobs, round).await);
            let before = to_app.load(Ordering::Relaxed);
            let (seconds, memory) = import(&server, &token, &files_dir, jobs);
            best_import = best_import.min(seconds);
            peak_memory = peak_memory.max(memory);
            app_bytes_per_file = (to_app.load(Ordering::Relaxed) - before) / count as u64;
        }
        let bytes = (count as u64 * size) as f64;
        println!(
            "  {name:<22} import {best_import:>6.2} s ({:>6.1} MB/s) vs raw {best_raw:>6.2} s ({:>6.1} MB/s): {:.2}x   goal >= 0.9x",
            bytes / best_import / 1e6,
            bytes / best_raw / 1e6,
            best_raw / best_import
        );
        println!("  {name:<22} the app server received {app_bytes_per_file} B per file   goal <= 4096 B");
        std::fs::remove_dir_all(&files_dir).unwrap();
    }
    println!("  command line peak memory {:.1} MB   goal <= 64 MB", peak_memory as f64 / 1e6);
}
