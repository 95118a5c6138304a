//! What the HTTP benchmark drives: the release binary as a user starts it, nginx as the anchor,
//! wrk as the load generator (each its own process), Lighthouse, and the database's raw rate.

// Each bench uses part of this.
#![allow(dead_code)]

mod lighthouse;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

#[allow(unused_imports)]
pub use lighthouse::lighthouse;

const ADMIN_EMAIL: &str = "bench@example.test";
const ADMIN_PASSWORD: &str = "bench-password";

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x / 8) as u8, (y / 8) as u8, 120]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

/// A tiny file that sniffs as a PNG: what completions are measured with.
pub fn png_body() -> Vec<u8> {
    b"\x89PNG\r\n\x1a\n0123456789abcdef0123456789abcdef0123456789abcdef01234567".to_vec()
}

/// A signed-in client, and its `Cookie:` value.
pub struct Session {
    pub client: reqwest::Client,
    pub cookie: String,
}

/// `target/release/vitrine` (built by `cargo leptos build --release`), with its own data
/// directory, on an address it reports in its log.
pub struct Binary {
    child: Child,
    base: String,
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Binary {
    pub async fn start(dir: &Path, env: &[(&str, String)]) -> Binary {
        let root = std::env::current_dir().unwrap();
        let binary = root.join("target/release/vitrine");
        assert!(binary.exists(), "{} is missing: run `cargo leptos build --release` first", binary.display());
        let mut command = Command::new(&binary);
        command
            .current_dir(dir)
            .env("LEPTOS_SITE_ROOT", root.join("target/site"))
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("LEPTOS_OUTPUT_NAME", "vitrine")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_ENV", "PROD")
            .env("VITRINE_DATA_DIR", dir.join("data"))
            .env("VITRINE_STORE_ADDR", "127.0.0.1:0")
            .env("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("the release binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the log for the address, then keeps draining it so the binary never blocks.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Vitrine listening") {
                    if let Some(tx) = tx.take() {
                        let addr = line.rsplit("addr=").next().unwrap().split_whitespace().next().unwrap().to_string();
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(60)).expect("the binary listens");
        Binary {
            child,
            base: format!("http://{addr}"),
            dir: dir.to_path_buf(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn database_url(&self) -> String {
        self.env
            .iter()
            .find(|(k, _)| k == "VITRINE_DATABASE_URL")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| format!("sqlite://{}/data/vitrine.db?mode=rwc", self.dir.display()))
    }

    /// Signs in as the admin: a client that sends the session cookie, and the cookie itself
    /// (for wrk and Lighthouse).
    pub async fn sign_in(&self) -> Session {
        let response = reqwest::Client::new()
            .post(self.url("/api/auth/login"))
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "sign-in: {}", response.status());
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next())
            .find(|c| c.starts_with("vitrine_session="))
            .expect("a session cookie")
            .to_string();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
        let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
        Session { client, cookie }
    }

    pub async fn call(&self, client: &reqwest::Client, path: &str, body: Value) -> Value {
        let response = client.post(self.url(path)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {} {:?}", response.status(), response.text().await);
        response.json().await.unwrap_or(Value::Null)
    }

    /// Starts one batch of `count` files (cycling through `bodies`) and PUTs every one to the
    /// store; the started files, not yet completed.
    pub async fn start_and_put(
        &self,
        client: &reqwest::Client,
        prefix: &str,
        content_type: &str,
        body: &[u8],
        count: usize,
    ) -> Vec<Value> {
        let mut files = Vec::with_capacity(count);
        for batch in 0..count.div_ceil(1000) {
            let n = (count - batch * 1000).min(1000);
            let specs: Vec<Value> = (0..n)
                .map(|i| json!({"name": format!("{prefix}-{batch}-{i}.png"), "size": body.len(), "content_type": content_type}))
                .collect();
            let started = self.call(client, "/api/uploads/start", json!({"files": specs})).await;
            files.extend(started["files"].as_array().unwrap().iter().cloned());
        }
        let body = bytes::Bytes::copy_from_slice(body);
        let permits = Arc::new(tokio::sync::Semaphore::new(32));
        futures::future::join_all(files.iter().map(|f| {
            let (client, body, permits) = (client.clone(), body.clone(), permits.clone());
            async move {
                let _permit = permits.acquire().await.unwrap();
                put(&client, &f["upload"], body).await;
            }
        }))
        .await;
        files
    }

    /// Uploads `count` files (cycling through `bodies`) and completes them; their media ids.
    pub async fn upload(
        &self,
        client: &reqwest::Client,
        prefix: &str,
        content_type: &str,
        bodies: &[Vec<u8>],
        count: usize,
    ) -> Vec<Value> {
        let specs: Vec<Value> = (0..count)
            .map(|i| {
                let size = bodies[i % bodies.len()].len();
                json!({"name": format!("{prefix}-{i:04}.jpg"), "size": size, "content_type": content_type})
            })
            .collect();
        let started = self.call(client, "/api/uploads/start", json!({"files": specs})).await;
        let mut ids = Vec::new();
        for (i, file) in started["files"].as_array().unwrap().iter().enumerate() {
            put(client, &file["upload"], bytes::Bytes::copy_from_slice(&bodies[i % bodies.len()])).await;
            let done = self.call(client, "/api/uploads/complete", json!({"file_id": file["file"]["id"]})).await;
            ids.push(done["file"]["media_id"].clone());
        }
        ids
    }

    /// How many of `files` are completed now.
    pub async fn count_completed(&self, client: &reqwest::Client, files: &[Value]) -> usize {
        let mut jobs: Vec<&Value> = files.iter().map(|f| &f["file"]["job_id"]).collect();
        jobs.dedup();
        let mut completed = 0;
        for job in jobs {
            let job = self.call(client, "/api/uploads/get", json!({"job_id": job})).await;
            completed += job["job"]["completed_files"].as_u64().unwrap_or(0) as usize;
        }
        completed
    }

    /// The body as Vitrine sends it to a browser: identity, and gzip when it gzips.
    pub async fn fetch(&self, path: &str) -> (Vec<u8>, Option<Vec<u8>>) {
        let client = reqwest::Client::new();
        let plain = client.get(self.url(path)).send().await.unwrap();
        assert!(plain.status().is_success(), "{path}: {}", plain.status());
        let plain = plain.bytes().await.unwrap().to_vec();
        let gz = client.get(self.url(path)).header("accept-encoding", "gzip").send().await.unwrap();
        let gzipped = gz.headers().get("content-encoding").is_some_and(|v| v == "gzip");
        let gz = gz.bytes().await.unwrap().to_vec();
        (plain, gzipped.then_some(gz))
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn put(client: &reqwest::Client, upload: &Value, body: bytes::Bytes) {
    let mut request = client.put(upload["url"].as_str().unwrap()).body(body);
    for h in upload["headers"].as_array().unwrap() {
        request = request.header(h[0].as_str().unwrap(), h[1].as_str().unwrap());
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "PUT: {}", response.status());
}

/// nginx with one worker serving files from a directory: the anchor.
pub struct Nginx {
    child: Child,
    root: PathBuf,
    port: u16,
}

impl Nginx {
    pub fn start(dir: &Path) -> Nginx {
        let root = dir.join("nginx");
        std::fs::create_dir_all(root.join("www")).unwrap();
        // A port for nginx (which cannot report one it chose): the bench's own, not a test's.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let conf = format!(
            "daemon off; worker_processes 1; pid {root}/nginx.pid; error_log {root}/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; include /etc/nginx/mime.types; gzip_static on; etag on;\n\
               client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root}; uwsgi_temp_path {root}; scgi_temp_path {root};\n\
               server {{ listen 127.0.0.1:{port}; root {root}/www; }} }}\n",
            root = root.display()
        );
        std::fs::write(root.join("nginx.conf"), conf).unwrap();
        let child = Command::new("nginx")
            .arg("-c")
            .arg(root.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { child, root, port }
    }

    pub fn publish(&self, file: &str, body: &[u8], gzip: Option<&[u8]>) {
        std::fs::write(self.root.join("www").join(file), body).unwrap();
        if let Some(gz) = gzip {
            std::fs::write(self.root.join("www").join(format!("{file}.gz")), gz).unwrap();
        }
    }

    pub fn url(&self, file: &str) -> String {
        format!("http://127.0.0.1:{}/{file}", self.port)
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers (SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// One wrk run's figures.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub requests_per_sec: f64,
    pub p99_ms: f64,
    pub requests: u64,
}

pub struct Wrk;

impl Wrk {
    pub fn available() -> bool {
        Command::new("wrk").arg("--version").output().is_ok()
    }

    /// `wrk -t2 -c64 -d6s --latency` GETs (with `Accept-Encoding: gzip` when `gzip`).
    pub fn get(url: &str, gzip: bool) -> Run {
        let mut command = Command::new("wrk");
        command.args(["-t2", "-c64", "-d6s", "--latency"]);
        if gzip {
            command.args(["-H", "Accept-Encoding: gzip"]);
        }
        Self::run(command.arg(url))
    }

    /// POSTs made by a Lua script, for `duration`.
    pub fn post_script(url: &str, script: &Path, duration: Duration) -> Run {
        let mut command = Command::new("wrk");
        command.args(["-t2", "-c64", "--latency"]).arg(format!("-d{}s", duration.as_secs())).arg("-s").arg(script);
        Self::run(command.arg(url))
    }

    fn run(command: &mut Command) -> Run {
        let out = command.output().expect("wrk runs");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(!text.contains("Non-2xx"), "wrk saw errors:\n{text}");
        let number = |prefix: &str| -> Option<f64> {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        };
        let p99 = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("99%"))
            .map(|v| {
                let v = v.trim();
                if let Some(us) = v.strip_suffix("us") {
                    us.parse::<f64>().unwrap() / 1000.0
                } else if let Some(ms) = v.strip_suffix("ms") {
                    ms.parse().unwrap()
                } else if let Some(s) = v.strip_suffix('s') {
                    s.parse::<f64>().unwrap() * 1000.0
                } else {
                    f64::NAN
                }
            })
            .unwrap_or(f64::NAN);
        let requests = text
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Run { requests_per_sec: number("Requests/sec:").unwrap_or(0.0), p99_ms: p99, requests }
    }
}

/// The run with the median request rate.
pub fn median_run(mut runs: Vec<Run>) -> Run {
    runs.sort_by(|a, b| a.requests_per_sec.total_cmp(&b.requests_per_sec));
    runs[runs.len() / 2]
}

/// A wrk script that completes each of `ids` once, the two threads taking turns.
pub fn completion_script(dir: &Path, ids: &[String], cookie: &str) -> PathBuf {
    let list = ids.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(",\n");
    let script = format!(
        r#"local ids = {{ {list} }}
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
function request()
  local i = (n * 2 + tid) % #ids + 1
  n = n + 1
  return wrk.format("POST", nil, {{["Content-Type"] = "application/json", ["Cookie"] = "{cookie}"}},
    '{{"file_id":"' .. ids[i] .. '"}}')
end
"#
    );
    let path = dir.join("complete.lua");
    std::fs::write(&path, script).unwrap();
    path
}

/// Single-row UPDATE transactions per second at 64 at a time on the database at `url`: the
/// database's own speed, measured in this process (no HTTP involved).
pub async fn bare_update_rate(url: &str) -> f64 {
    const N: usize = 5000;
    const CONCURRENCY: usize = 64;
    let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let started = std::time::Instant::now();
    if url.starts_with("sqlite") {
        let options = url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().busy_timeout(Duration::from_secs(15));
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(8).connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT OR IGNORE INTO bench_counter VALUES (1, 0)").execute(&pool).await.unwrap();
        let started = std::time::Instant::now();
        futures::future::join_all((0..N).map(|_| {
            let (pool, permits) = (pool.clone(), permits.clone());
            async move {
                let _p = permits.acquire().await.unwrap();
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query("UPDATE bench_counter SET n = n + 1 WHERE id = 1").execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        }))
        .await;
        N as f64 / started.elapsed().as_secs_f64()
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new().max_connections(16).connect(url).await.unwrap();
        sqlx::query("CREATE TABLE IF NOT EXISTS bench_counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO bench_counter VALUES (1, 0) ON CONFLICT DO NOTHING").execute(&pool).await.unwrap();
        let _ = started;
        let started = std::time::Instant::now();
        futures::future::join_all((0..N).map(|_| {
            let (pool, permits) = (pool.clone(), permits.clone());
            async move {
                let _p = permits.acquire().await.unwrap();
                let mut tx = pool.begin().await.unwrap();
                sqlx::query("UPDATE bench_counter SET n = n + 1 WHERE id = 1").execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
        }))
        .await;
        N as f64 / started.elapsed().as_secs_f64()
    }
}

/// A fresh PostgreSQL database for one run, dropped afterwards.
pub struct BenchDatabase {
    pub url: String,
    name: String,
}

pub async fn postgres_database() -> Option<BenchDatabase> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await.ok()?;
    let name = format!("vitrine_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.ok()?;
    Some(BenchDatabase { url: format!("postgres://postgres@127.0.0.1:5432/{name}"), name })
}

impl BenchDatabase {
    pub async fn drop_database(self) {
        use sqlx::Connection;
        if let Ok(mut admin) = sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
            let _ =
                sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin).await;
        }
    }
}
