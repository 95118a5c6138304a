//! `make bench`: collections. The SSR page of a 100-image public gallery (requests/s and p99 at
//! 64 connections) vs nginx serving the same HTML from a file; reordering 1,000 items
//! (one transaction) on SQLite and PostgreSQL.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::watch;
use uuid::Uuid;
use vitrine::model::text::{Description, Title};
use vitrine::model::Email;
use vitrine::server::config::{AdminConfig, Config, DatabaseConfig, StorageConfig, UploadConfig};
use vitrine::server::db::Backend;
use vitrine::server::db::{NewMedia, NewUploadFile, NewUploadJob};
use vitrine::server::startup::Application;

const CONNECTIONS: usize = 64;
const SECONDS: u64 = 4;

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x / 8) as u8, (y / 8) as u8, 120]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&img).unwrap();
    out
}

/// Requests/s and p99 latency of GETs to `url` from `CONNECTIONS` workers for `SECONDS`.
async fn load(url: &str) -> (f64, Duration) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().unwrap();
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let samples = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url, samples) = (client.clone(), url.to_string(), samples.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let response = client.get(&url).header("accept", "text/html").send().await.unwrap();
                    assert!(response.status().is_success(), "{}", response.status());
                    response.bytes().await.unwrap();
                    mine.push(t.elapsed());
                }
                samples.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let mut samples = samples.lock().unwrap().clone();
    samples.sort();
    let p99 = samples[((samples.len() as f64 - 1.0) * 0.99) as usize];
    (samples.len() as f64 / SECONDS as f64, p99)
}

async fn spawn(database: DatabaseConfig, dir: &std::path::Path) -> (Application, watch::Sender<bool>) {
    let config = Config {
        database,
        storage: StorageConfig::Embedded {
            addr: "127.0.0.1:0".parse().unwrap(),
            bucket: "vitrine".into(),
            region: "auto".into(),
        },
        cdn_base_url: None,
        public_base_url: None,
        admin: AdminConfig {
            email: Email::parse("b@example.test").unwrap(),
            password: Some(SecretString::from("bench-password")),
        },
        data_dir: dir.to_path_buf(),
        uploads: UploadConfig { max_files: 10_000, ..UploadConfig::default() },
        image_widths: vitrine::cdn::DEFAULT_WIDTHS.to_vec(),
    };
    // The site cargo-leptos built (`make bench` runs `make build` first): CSS, gallery.js, robots.txt.
    let leptos = LeptosOptions::builder()
        .output_name("vitrine")
        .site_root("target/site")
        .site_addr("127.0.0.1:0".parse::<SocketAddr>().unwrap())
        .build();
    let app = Application::build(config, leptos).await.unwrap();
    let (stop, _) = watch::channel(false);
    (app, stop)
}

async fn gallery_vs_nginx(dir: &std::path::Path) {
    let data = dir.join("gallery");
    let db = DatabaseConfig { url: format!("sqlite://{}/g.db?mode=rwc", data.display()), backend: Backend::Sqlite };
    let (app, stop) = spawn(db, &data).await;
    let addr = app.local_addr();
    let state = app.state().clone();
    tokio::spawn(app.run_until(stop.subscribe()));
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let base = format!("http://{addr}");
    client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"email": "b@example.test", "password": "bench-password"}))
        .send()
        .await
        .unwrap();

    // 100 real 2400×1600 JPEGs through the upload flow.
    let bytes = jpeg(2400, 1600);
    let specs: Vec<Value> = (0..100)
        .map(|i| json!({"name": format!("photo-{i:03}.jpg"), "size": bytes.len(), "content_type": "image/jpeg"}))
        .collect();
    let started: Value = client
        .post(format!("{base}/api/uploads/start"))
        .json(&json!({"files": specs}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut media_ids = Vec::new();
    for file in started["files"].as_array().unwrap() {
        let mut put = client.put(file["upload"]["url"].as_str().unwrap()).body(bytes.clone());
        for h in file["upload"]["headers"].as_array().unwrap() {
            put = put.header(h[0].as_str().unwrap(), h[1].as_str().unwrap());
        }
        assert!(put.send().await.unwrap().status().is_success());
        let done: Value = client
            .post(format!("{base}/api/uploads/complete"))
            .json(&json!({"file_id": file["file"]["id"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        media_ids.push(done["file"]["media_id"].clone());
    }
    let collection: Value = client
        .post(format!("{base}/api/collections/create"))
        .json(&json!({"title": "Bench Gallery"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/collections/add"))
        .json(&json!({"id": collection["id"], "media_ids": media_ids}))
        .send()
        .await
        .unwrap();
    client
        .post(format!("{base}/api/collections/publish"))
        .json(&json!({"id": collection["id"], "published": true}))
        .send()
        .await
        .unwrap();
    let url = format!("{base}/c/bench-gallery");
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    let (ours, ours_p99) = load(&url).await;
    let _ = state;

    let root = dir.join("nginx");
    std::fs::create_dir_all(root.join("www")).unwrap();
    std::fs::write(root.join("www/gallery.html"), &html).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conf = format!(
        "daemon off; worker_processes 1; pid {root}/nginx.pid; error_log {root}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{ access_log off; client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root}; uwsgi_temp_path {root}; scgi_temp_path {root};\n\
           server {{ listen 127.0.0.1:{port}; root {root}/www; }} }}\n",
        root = root.display()
    );
    std::fs::write(root.join("nginx.conf"), conf).unwrap();
    println!(
        "  public gallery of 100 images ({} KB of HTML), {CONNECTIONS} connections for {SECONDS} s",
        html.len() / 1024
    );
    println!(
        "    Vitrine SSR /c/<slug>: {ours:>7.0} requests/s  p99 {:>6.1} ms  (goals: >= 0.5x nginx, p99 <= 20 ms)",
        ours_p99.as_secs_f64() * 1e3
    );
    match Command::new("nginx").arg("-c").arg(root.join("nginx.conf")).spawn() {
        Ok(mut nginx) => {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (theirs, theirs_p99) = load(&format!("http://127.0.0.1:{port}/gallery.html")).await;
            let _ = nginx.kill();
            println!(
                "    nginx, same HTML file:  {theirs:>7.0} requests/s  p99 {:>6.1} ms",
                theirs_p99.as_secs_f64() * 1e3
            );
            println!("    ratio Vitrine / nginx:  {:>7.2}", ours / theirs);
        }
        Err(_) => println!("    nginx not available (apt-get install nginx-light)"),
    }
    lighthouse(&url);
    let _ = stop.send(true);
}

/// Lighthouse's mobile scores for the gallery (npm `lighthouse@12.2.3`, installed by `make bench`
/// under target/lighthouse, driving Debian's Chromium). The first run warms the image variants,
/// as a CDN would have them; the second is reported (its full report: target/lighthouse/).
fn lighthouse(url: &str) {
    let cli = std::path::Path::new("target/lighthouse/node_modules/lighthouse/cli/index.js");
    if !cli.exists() || !std::path::Path::new("/usr/bin/chromium").exists() {
        println!("  Lighthouse: not installed (make bench installs it): skipped");
        return;
    }
    let run = || {
        Command::new("node")
            .arg(cli)
            .arg(url)
            .args(["--output=json", "--output-path=stdout", "--quiet", "--form-factor=mobile"])
            .arg("--only-categories=performance,accessibility,best-practices,seo")
            .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync")
            .env("CHROME_PATH", "/usr/bin/chromium")
            .output()
    };
    let _ = run();
    let report = match run() {
        Ok(out) if out.status.success() => out.stdout,
        Ok(out) => {
            println!(
                "  Lighthouse failed: {}",
                String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
            );
            return;
        }
        Err(e) => {
            println!("  Lighthouse could not start: {e}");
            return;
        }
    };
    let report: Value = match serde_json::from_slice(&report) {
        Ok(report) => report,
        Err(e) => {
            println!("  Lighthouse printed no report: {e}");
            return;
        }
    };
    let _ =
        std::fs::write("target/lighthouse/gallery-report.json", serde_json::to_vec_pretty(&report).unwrap_or_default());
    let score = |category: &str| {
        report["categories"][category]["score"].as_f64().map_or("n/a".to_string(), |s| format!("{:.0}", s * 100.0))
    };
    let metric = |audit: &str| report["audits"][audit]["displayValue"].as_str().unwrap_or("n/a").to_string();
    println!(
        "  Lighthouse {} (mobile) on the 100-image gallery: performance {}, accessibility {}, best practices {}, SEO {} (goal 100 each)",
        report["lighthouseVersion"].as_str().unwrap_or("?"),
        score("performance"),
        score("accessibility"),
        score("best-practices"),
        score("seo")
    );
    println!(
        "    FCP {}, LCP {}, TBT {}, CLS {}, Speed Index {}",
        metric("first-contentful-paint"),
        metric("largest-contentful-paint"),
        metric("total-blocking-time"),
        metric("cumulative-layout-shift"),
        metric("speed-index")
    );
    for category in ["performance", "accessibility", "best-practices", "seo"] {
        for audit in report["categories"][category]["auditRefs"].as_array().into_iter().flatten() {
            let id = audit["id"].as_str().unwrap_or_default();
            let weight = audit["weight"].as_f64().unwrap_or(0.0);
            let found = &report["audits"][id];
            if weight > 0.0 && found["score"].as_f64().is_some_and(|s| s < 0.9) {
                println!("    below 90 in {category}: {id} — {}", found["title"].as_str().unwrap_or_default());
                for item in found["details"]["items"].as_array().into_iter().flatten().take(3) {
                    let what =
                        item["node"]["snippet"].as_str().or(item["description"].as_str()).or(item["url"].as_str());
                    println!("      {}", what.unwrap_or_default().chars().take(160).collect::<String>());
                }
            }
        }
    }
}

async fn reorder(backend: &str, database: DatabaseConfig) {
    const ITEMS: usize = 1000;
    let repo = vitrine::server::db::connect(&database, vitrine::server::clock::Clock::system()).await.unwrap().repo;
    let job = NewUploadJob {
        id: Uuid::new_v4(),
        created_by: None,
        collection_id: None,
        files: (0..ITEMS)
            .map(|i| {
                let id = Uuid::new_v4();
                NewUploadFile {
                    id,
                    object_key: vitrine::model::ObjectKey::parse(&format!("media/{id}/{i}.jpg")).unwrap(),
                    original_filename: format!("{i}.jpg"),
                    size: 10,
                    content_type: vitrine::model::ContentType::parse("image/jpeg").unwrap(),
                    url_expires_at: Utc::now(),
                    multipart: None,
                    last_modified: None,
                    fingerprint: None,
                }
            })
            .collect(),
    };
    repo.create_upload_job(&job).await.unwrap();
    let mut ids = Vec::with_capacity(ITEMS);
    for file in &job.files {
        let media = NewMedia {
            id: Uuid::new_v4(),
            width: None,
            height: None,
            thumbhash: None,
            poster_key: None,
            duration_ms: None,
        };
        repo.complete_upload_file(file.id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    let (title, description) = (Title::parse("Big").unwrap(), Description::parse("").unwrap());
    let collection = repo
        .create_collection(Uuid::new_v4(), &title, &format!("big-{}", Uuid::new_v4().simple()), &description)
        .await
        .unwrap();
    repo.add_to_collection(collection.id, &ids).await.unwrap().unwrap();
    let mut samples = Vec::new();
    for round in 0..20 {
        // A different permutation each time: rotate and reverse.
        ids.rotate_left(37 + round);
        if round % 2 == 0 {
            ids.reverse();
        }
        let t = Instant::now();
        repo.reorder_collection(collection.id, &ids).await.unwrap().unwrap();
        samples.push(t.elapsed());
    }
    let stored: Vec<Uuid> = repo.collection_items(collection.id).await.unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(stored, ids, "the last order is the stored order");
    samples.sort();
    println!(
        "  reorder {ITEMS} items in one transaction, {backend}: median {:>6.1} ms, max {:>6.1} ms  (goal <= 50 ms)",
        samples[samples.len() / 2].as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    println!(
        "Vitrine collection benchmarks ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    gallery_vs_nginx(dir.path()).await;
    reorder(
        "SQLite",
        DatabaseConfig { url: format!("sqlite://{}/r.db?mode=rwc", dir.path().display()), backend: Backend::Sqlite },
    )
    .await;
    use sqlx::Connection;
    match sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        Ok(mut admin) => {
            let name = format!("vitrine_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            reorder(
                "PostgreSQL",
                DatabaseConfig {
                    url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
                    backend: Backend::Postgres,
                },
            )
            .await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
        }
        Err(_) => println!("  PostgreSQL unreachable: its reorder figure is skipped"),
    }
}
