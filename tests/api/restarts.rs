//! The real binary killed mid-batch, and stopped gracefully: it comes back and every file
//! completes; a SIGTERM lets the request in flight finish.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::uploads::{etag_of, png_bytes};

/// The real binary, with its data in `dir` and the given extra environment. Its output is
/// read line by line by two threads (a full pipe would stall it), so a test can wait for what
/// it says (`wait_for_log`) instead of sleeping.
struct Running {
    child: Child,
    logs: std::sync::Arc<(std::sync::Mutex<Vec<String>>, std::sync::Condvar)>,
    readers: Vec<std::thread::JoinHandle<()>>,
    /// Where it listens (read from its log, so nothing races for a port).
    base: String,
}

impl Running {
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for a log line containing `needle` (at most 60 s) and returns it.
    async fn wait_for_log(&self, needle: &str) -> String {
        let (logs, needle) = (self.logs.clone(), needle.to_string());
        tokio::task::spawn_blocking(move || {
            let (lines, changed) = &*logs;
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            let mut seen = lines.lock().unwrap();
            loop {
                if let Some(line) = seen.iter().find(|l| l.contains(&needle)) {
                    return line.clone();
                }
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                assert!(!left.is_zero(), "the binary never logged {needle:?}:\n{}", seen.join("\n"));
                seen = changed.wait_timeout(seen, left).unwrap().0;
            }
        })
        .await
        .unwrap()
    }

    /// Waits for the process to exit; its status and everything it printed.
    fn wait(mut self) -> (std::process::ExitStatus, String) {
        let status = self.child.wait().unwrap();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let logs = self.logs.0.lock().unwrap().join("\n");
        (status, logs)
    }
}

/// Starts the binary on `port` (0: any free one) and waits until it listens.
async fn start_binary(dir: &std::path::Path, port: u16, env: &[(&str, String)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    command
        .current_dir(dir)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("VITRINE_DATA_DIR", dir.join("data"))
        .env("VITRINE_STORE_ADDR", "127.0.0.1:0")
        .env("VITRINE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("VITRINE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "info,tower_http=debug")
        // Plain lines: the log is read by tests.
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let logs = std::sync::Arc::new((std::sync::Mutex::new(Vec::new()), std::sync::Condvar::new()));
    let read = |pipe: Box<dyn std::io::Read + Send>| {
        let logs = logs.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                let (lines, changed) = &*logs;
                lines.lock().unwrap().push(line);
                changed.notify_all();
            }
        })
    };
    let readers = vec![read(Box::new(child.stdout.take().unwrap())), read(Box::new(child.stderr.take().unwrap()))];
    let mut running = Running { child, logs, readers, base: String::new() };
    let listening = running.wait_for_log("Vitrine listening").await;
    let addr = listening.rsplit("addr=").next().unwrap().split_whitespace().next().unwrap().to_string();
    running.base = format!("http://{addr}");
    running
}

/// A server function of the binary at `base`, called as scripts do: POST JSON.
async fn call(client: &reqwest::Client, base: &str, path: &str, body: Value) -> reqwest::Response {
    client.post(format!("{base}{path}")).json(&body).send().await.unwrap()
}

/// POST JSON, retrying while the app cannot be reached, as the browser's uploader does
/// (backoff from 100 ms, doubling, at most 2 s apart, for at most 60 s).
async fn post_with_backoff(
    client: &reqwest::Client,
    url: &str,
    body: &Value,
    refused: &tokio::sync::Notify,
) -> (reqwest::Response, u32) {
    let mut delay = Duration::from_millis(100);
    let mut failures = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match client.post(url).json(body).send().await {
            Ok(response) if response.status() != 502 && response.status() != 503 => return (response, failures),
            _ if std::time::Instant::now() < deadline => {
                failures += 1;
                refused.notify_one();
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            other => panic!("the app did not come back: {other:?}"),
        }
    }
}

#[tokio::test]
async fn killed_mid_batch_the_app_comes_back_and_every_file_completes() {
    // The store lives apart from the app (as R2 does): here, in another app of this test.
    let store_host = spawn_app().await;
    let vitrine::server::config::StorageConfig::External { endpoint, access_key_id, secret_access_key, .. } =
        store_host.store_config()
    else {
        unreachable!()
    };
    use secrecy::ExposeSecret;
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("VITRINE_S3_ENDPOINT", endpoint.to_string()),
        ("VITRINE_S3_ACCESS_KEY_ID", access_key_id.clone()),
        ("VITRINE_S3_SECRET_ACCESS_KEY", secret_access_key.expose_secret().to_string()),
        ("VITRINE_DATABASE_URL", format!("sqlite://{}/vitrine.db?mode=rwc", dir.path().display())),
    ];
    let mut app = start_binary(dir.path(), 0, &env).await;
    let base = app.base.clone();
    // Restarted on the same address, as a process manager would.
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login =
        call(&client, &base, "/api/auth/login", json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
    assert_eq!(login.status(), 200);

    const FILES: usize = 20;
    let size = 256 * 1024;
    let specs: Vec<Value> = (0..FILES)
        .map(|i| json!({"name": format!("k{i:02}.png"), "size": size, "content_type": "image/png"}))
        .collect();
    let started: Value =
        call(&client, &base, "/api/uploads/start", json!({"files": specs})).await.json().await.unwrap();
    let files = started["files"].as_array().unwrap().clone();
    let put = |file: Value| {
        let client = client.clone();
        async move {
            let mut request = client.put(file["upload"]["url"].as_str().unwrap()).body(png_bytes(size));
            for h in file["upload"]["headers"].as_array().unwrap() {
                request = request.header(h[0].as_str().unwrap(), h[1].as_str().unwrap());
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200, "the PUT never goes through the app");
            (file["file"]["id"].clone(), etag_of(&response))
        }
    };
    // The first eight finish before the crash.
    for file in &files[..8] {
        let (id, etag) = put(file.clone()).await;
        let done = call(&client, &base, "/api/uploads/complete", json!({"file_id": id, "etag": etag})).await;
        assert_eq!(done.status(), 200);
    }
    // Twelve PUTs in flight when the app is SIGKILLed.
    let in_flight = tokio::spawn(futures::future::join_all(files[8..].iter().cloned().map(put)));
    app.child.kill().expect("SIGKILL");
    app.child.wait().unwrap();
    let landed = in_flight.await.unwrap();
    assert_eq!(landed.len(), 12);
    // Completions start while the app is down, retrying; it is restarted once one was refused.
    let refused = std::sync::Arc::new(tokio::sync::Notify::new());
    let completions = tokio::spawn({
        let (client, base, refused) = (client.clone(), base.clone(), refused.clone());
        async move {
            let mut outcomes = Vec::new();
            for (id, etag) in landed {
                let url = format!("{base}/api/uploads/complete");
                let (response, failures) =
                    post_with_backoff(&client, &url, &json!({"file_id": id, "etag": etag}), &refused).await;
                outcomes.push((response.status(), failures));
            }
            outcomes
        }
    });
    refused.notified().await;
    let mut restarted = start_binary(dir.path(), port, &env).await;
    let outcomes = completions.await.unwrap();
    assert!(outcomes.iter().all(|(status, _)| status.is_success()), "{outcomes:?}");
    assert!(outcomes[0].1 > 0, "the first completion had to wait for the restart");

    // The same session (it lives in the database) sees the whole batch completed, once each.
    let job: Value =
        call(&client, &base, "/api/uploads/get", json!({"job_id": started["job"]["id"]})).await.json().await.unwrap();
    assert_eq!(job["job"]["completed_files"], FILES);
    assert_eq!(job["job"]["failed_files"], 0);
    assert_eq!(job["job"]["status"], "completed");
    let completed = job["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "completed" && !f["media_id"].is_null())
        .count();
    assert_eq!(completed, FILES, "no half-written file: each completed file has its media row");
    let media: Value =
        call(&client, &base, "/api/media/list", json!({"query": {"limit": 100}})).await.json().await.unwrap();
    assert_eq!(media["items"].as_array().unwrap().len(), FILES);
    restarted.kill();
}

#[tokio::test]
async fn sigterm_finishes_the_request_in_flight_then_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let app = start_binary(dir.path(), 0, &[]).await;
    let base = app.base.clone();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login =
        call(&client, &base, "/api/auth/login", json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
    assert_eq!(login.status(), 200);

    // A request whose body is still arriving when SIGTERM comes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let request = tokio::spawn(
        client
            .post(format!("{base}/api/collections/create"))
            .header("content-type", "application/json")
            .body(body)
            .send(),
    );
    tx.send(Ok(bytes::Bytes::from_static(b"{\"title\": \"Finished after"))).await.unwrap();
    // The server has the request (tower-http logs it at debug) before SIGTERM comes.
    app.wait_for_log("/api/collections/create").await;
    let status = Command::new("kill").args(["-TERM", &app.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    app.wait_for_log("shutting down").await;
    // New connections are refused meanwhile (the listener closes right after that line).
    let mut refused = false;
    for _ in 0..100 {
        if reqwest::Client::new().get(format!("{base}/healthz")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(refused, "no new requests after SIGTERM");
    tx.send(Ok(bytes::Bytes::from_static(b" SIGTERM\"}"))).await.unwrap();
    drop(tx);
    let response = request.await.unwrap().expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["slug"], "finished-after-sigterm");

    let exit = tokio::task::spawn_blocking(move || app.wait());
    let (status, logs) = tokio::time::timeout(Duration::from_secs(20), exit).await.expect("exits promptly").unwrap();
    assert!(status.success(), "{status}: {logs}");
    assert!(logs.contains("sweeper stopped"), "{logs}");
    assert!(logs.contains("database pool closed"), "{logs}");

    // Nothing lost: the collection is there after a restart.
    let mut again = start_binary(dir.path(), 0, &[]).await;
    let base = again.base.clone();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    call(&client, &base, "/api/auth/login", json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).await;
    let listed: Value = call(&client, &base, "/api/collections/list", json!({})).await.json().await.unwrap();
    assert_eq!(listed[0]["collection"]["slug"], "finished-after-sigterm");
    again.kill();
}

/// A stream of the chunks sent on `rx`.
fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
