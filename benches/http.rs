//! `make bench`: HTTP as a load balancer or a CDN sees it. The release binary is started as a
//! user would start it; `wrk` (another process) loads it; nginx serves the very same bytes under
//! the same load as the anchor. Runs alternate (Vitrine, nginx, Vitrine, …) and the medians of
//! five are compared. Also: completions per second from outside against the database's raw
//! UPDATE rate, and Lighthouse on the signed-in library and the public gallery.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use support::{jpeg, png_body, Binary, Nginx, Session, Wrk};

/// Runs of each side; the median is reported.
const RUNS: usize = 5;

/// `BENCH_ONLY=serving|completions|lighthouse` runs one part (while working on it).
fn wanted(part: &str) -> bool {
    std::env::var("BENCH_ONLY").map_or(true, |only| only == part)
}

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Vitrine HTTP benchmarks: release binary, wrk -t2 -c64 in its own process, {cores} cores");
    if !Wrk::available() {
        println!("  wrk is not installed (apt-get install wrk): skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = Binary::start(dir.path(), &[("VITRINE_UPLOAD_MAX_FILES", "10000".into())]).await;
    let session = app.sign_in().await;
    let client = &session.client;

    // 100 real 2400×1600 JPEGs through the upload flow, in a published collection.
    let photos: Vec<Vec<u8>> = vec![jpeg(2400, 1600)];
    let media = app.upload(client, "photo", "image/jpeg", &photos, 100).await;
    let collection = app.call(client, "/api/collections/create", json!({"title": "Bench Gallery"})).await;
    app.call(client, "/api/collections/add", json!({"id": collection["id"], "media_ids": media})).await;
    app.call(client, "/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    let first: Value = app.call(client, "/api/media/get", json!({"id": media[0]})).await;
    let key = first["item"]["media"]["object_key"].as_str().unwrap().to_string();

    if wanted("serving") {
        serving(dir.path(), &app, &key).await;
    }
    if wanted("completions") {
        completions(dir.path(), &app, &session, "SQLite", &app.database_url()).await;
    }
    drop(app);
    if wanted("completions") {
        if let Some(pg) = support::postgres_database().await {
            let pg_dir = tempfile::tempdir().unwrap();
            let app = Binary::start(
                pg_dir.path(),
                &[("VITRINE_UPLOAD_MAX_FILES", "10000".into()), ("VITRINE_DATABASE_URL", pg.url.clone())],
            )
            .await;
            let session = app.sign_in().await;
            completions(pg_dir.path(), &app, &session, "PostgreSQL", &pg.url).await;
            drop(app);
            pg.drop_database().await;
        } else {
            println!("  PostgreSQL at 127.0.0.1:5432 unreachable: its completion figures are skipped");
        }
    }
    if wanted("lighthouse") {
        lighthouse_pages(dir.path()).await;
    }
}

/// The cached gallery, a cached variant and two static files, each against nginx.
async fn serving(dir: &Path, app: &Binary, key: &str) {
    let nginx = Nginx::start(dir);
    let targets = [
        ("public gallery of 100 images (cached page, gzip)", "/c/bench-gallery", "gallery.html", 0.5, Some(10.0)),
        ("cached /cdn 640-px variant (JPEG)", &*format!("/cdn/{key}?width=640"), "variant.jpg", 0.8, None),
        ("static /pkg/vitrine.css (gzip)", "/pkg/vitrine.css", "vitrine.css", 0.5, None),
        ("static /favicon.svg", "/favicon.svg", "favicon.svg", 0.5, None),
    ];
    for (what, path, file, goal, p99_goal) in targets {
        // nginx gets exactly what Vitrine sends (its gzip too, served with gzip_static).
        let (body, gzip) = app.fetch(path).await;
        nginx.publish(file, &body, gzip.as_deref());
        let ours = app.url(path);
        let theirs = nginx.url(file);
        compare(what, &ours, &theirs, body.len(), gzip.as_ref().map(Vec::len), goal, p99_goal);
    }
}

/// `RUNS` alternating wrk runs on each side; medians and their ratio beside the goal.
fn compare(
    what: &str,
    ours: &str,
    theirs: &str,
    bytes: usize,
    gzip_bytes: Option<usize>,
    goal: f64,
    p99_goal: Option<f64>,
) {
    let size = match gzip_bytes {
        Some(gz) => format!("{gz} B gzip ({bytes} B raw)"),
        None => format!("{bytes} B"),
    };
    println!("  {what}: {size}, both sides");
    let (mut ours_runs, mut theirs_runs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        ours_runs.push(Wrk::get(ours, gzip_bytes.is_some()));
        theirs_runs.push(Wrk::get(theirs, gzip_bytes.is_some()));
    }
    let (ours, theirs) = (support::median_run(ours_runs), support::median_run(theirs_runs));
    let ratio = ours.requests_per_sec / theirs.requests_per_sec;
    let p99 = p99_goal.map_or(String::new(), |g| format!(", p99 <= {g} ms"));
    println!(
        "    Vitrine {:>8.0} req/s  p99 {:>6.2} ms | nginx {:>8.0} req/s  p99 {:>6.2} ms | ratio {:.2}x  (goal >= {goal}x{p99}){}",
        ours.requests_per_sec,
        ours.p99_ms,
        theirs.requests_per_sec,
        theirs.p99_ms,
        ratio,
        if ratio >= goal && p99_goal.is_none_or(|g| ours.p99_ms <= g) { "  met" } else { "  NOT MET" }
    );
}

/// Completions per second from outside (wrk posting `/api/uploads/complete` for files whose
/// bytes are in the store, 64 at a time) against a bare single-row UPDATE transaction loop at
/// the same concurrency on the same database.
async fn completions(dir: &Path, app: &Binary, session: &Session, backend: &str, db_url: &str) {
    const FILES: usize = 12_000;
    let client = &session.client;
    let body = png_body();
    let files = app.start_and_put(client, "c", "image/png", &body, FILES).await;
    let ids: Vec<String> = files.iter().map(|f| f["file"]["id"].as_str().unwrap().to_string()).collect();
    let script = support::completion_script(dir, &ids, &session.cookie);
    let run = Wrk::post_script(&app.url("/api/uploads/complete"), &script, Duration::from_secs(4));
    let used = run.requests as usize;
    let completed = app.count_completed(client, &files).await;
    let rate = run.requests_per_sec;
    let bare = support::bare_update_rate(db_url).await;
    println!("  completions from outside, 64 at a time, {backend}");
    println!(
        "    /api/uploads/complete: {rate:>8.0} /s  p99 {:.1} ms  ({completed} completed, {used} requests)",
        run.p99_ms
    );
    println!("    bare single-row UPDATE transactions: {bare:>8.0} /s");
    let ratio = rate / bare;
    println!("    ratio: {ratio:.2}x  (goal >= 0.5x){}", if ratio >= 0.5 { "  met" } else { "  NOT MET" });
    assert!(used <= FILES, "the run outlasted its files: some completions were repeats");
}

/// Lighthouse (mobile) on the signed-in library with 500 items and on the public gallery.
async fn lighthouse_pages(dir: &Path) {
    let lib_dir = dir.join("library");
    std::fs::create_dir_all(&lib_dir).unwrap();
    let app = Binary::start(&lib_dir, &[("VITRINE_UPLOAD_MAX_FILES", "10000".into())]).await;
    let session = app.sign_in().await;
    let client = &session.client;
    let images: Vec<Vec<u8>> = (0..5).map(|i| jpeg(1600 + i * 40, 1200)).collect();
    let media = app.upload(client, "library", "image/jpeg", &images, 500).await;
    let collection = app.call(client, "/api/collections/create", json!({"title": "Bench Gallery"})).await;
    app.call(client, "/api/collections/add", json!({"id": collection["id"], "media_ids": &media[..100]})).await;
    app.call(client, "/api/collections/publish", json!({"id": collection["id"], "published": true})).await;
    support::lighthouse("library (500 items, signed in)", &app.url("/library"), Some(&session.cookie), (90, 100));
    support::lighthouse("public gallery (100 images)", &app.url("/c/bench-gallery"), None, (90, 100));
}
