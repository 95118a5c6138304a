//! `make bench`: image delivery. The origin's time to make a 640-px variant of a 24-megapixel
//! JPEG vs `vipsthumbnail`; a cached variant's requests per second vs nginx serving the same
//! file; the library page query at 100,000 media (p50/p99) on SQLite and PostgreSQL.

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use uuid::Uuid;
use vitrine::cdn::Transform;
use vitrine::model::media::{MediaCursor, MediaQuery};
use vitrine::server::config::DatabaseConfig;
use vitrine::server::db::Backend;
use vitrine::server::db::Repo;

const MEDIA_ROWS: usize = 100_000;

fn big_jpeg() -> Vec<u8> {
    let (w, h) = (6000u32, 4000u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = ((x * 7) ^ (y * 13)) as u8;
        image::Rgb([v, (x / 24) as u8, (y / 16) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88).encode_image(&img).unwrap();
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn resize_vs_vips(jpeg: &[u8], dir: &std::path::Path) {
    let path = dir.join("big.jpg");
    std::fs::write(&path, jpeg).unwrap();
    let transform = Transform::width(640);
    let ours = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let out = vitrine::server::images::render_variant(jpeg, &transform, false).unwrap();
                assert!(!out.is_empty());
                t.elapsed()
            })
            .collect(),
    );
    println!("  640-px variant of a 6000×4000 JPEG ({} KB), median of 5", jpeg.len() / 1024);
    println!("    Vitrine origin (decode, Lanczos3, JPEG q80): {:>8.1} ms", ours.as_secs_f64() * 1000.0);
    let out = dir.join("thumb.jpg");
    let vips = (0..5)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new("vipsthumbnail")
                .arg(&path)
                .args(["--size", "640", "-o"])
                .arg(format!("{}[Q=80]", out.display()))
                .status();
            status.ok().filter(|s| s.success()).map(|_| t.elapsed())
        })
        .collect::<Option<Vec<_>>>();
    match vips {
        Some(samples) => {
            let vips = median(samples);
            println!("    vipsthumbnail --size 640:                    {:>8.1} ms", vips.as_secs_f64() * 1000.0);
            println!(
                "    ratio Vitrine / vips:                        {:>8.2}  (goal <= 1.5)",
                ours.as_secs_f64() / vips.as_secs_f64()
            );
        }
        None => println!("    vipsthumbnail not available (apt-get install libvips-tools)"),
    }
}

async fn fill(repo: &dyn Repo, url: &str) {
    // Rows straight into the table in big transactions: the benchmark is about reading them.
    let now = Utc::now();
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        for chunk in 0..(MEDIA_ROWS / 5000) {
            let mut tx = pool.begin().await.unwrap();
            for i in 0..5000 {
                let n = chunk * 5000 + i;
                sqlx::query("INSERT INTO media (id, object_key, original_filename, content_type, size_bytes, title, alt_text, created_at, sort_name, search_text) VALUES ($1,$2,$3,$4,$5,'','',$6,$7,$7)")
                    .bind(Uuid::new_v4()).bind(format!("media/{n}/f.jpg")).bind(format!("photo-{n:06}.jpg"))
                    .bind(if n % 10 == 0 { "video/mp4" } else { "image/jpeg" }).bind((n * 7919 % 10_000_000) as i64)
                    .bind(now - chrono::Duration::seconds(n as i64)).bind(format!("photo-{n:06}.jpg"))
                    .execute(&mut *tx).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(
            "INSERT INTO media (id, object_key, original_filename, content_type, size_bytes, title, alt_text, created_at, sort_name, search_text)
             SELECT md5(n::text || random()::text)::uuid, 'media/' || n || '/f.jpg', 'photo-' || lpad(n::text, 6, '0') || '.jpg',
                    CASE WHEN n % 10 = 0 THEN 'video/mp4' ELSE 'image/jpeg' END, (n * 7919) % 10000000, '', '',
                    now() - n * interval '1 second', 'photo-' || lpad(n::text, 6, '0') || '.jpg', 'photo-' || lpad(n::text, 6, '0') || '.jpg'
             FROM generate_series(0, $1 - 1) AS n",
        )
        .bind(MEDIA_ROWS as i64)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE media").execute(&pool).await.unwrap();
    }
    let _ = repo;
}

async fn library_query(backend: &str, url: &str) {
    let config = DatabaseConfig { url: url.to_string(), backend: Backend::of_url(url).unwrap() };
    let db = vitrine::server::db::connect(&config, vitrine::server::clock::Clock::system()).await.unwrap();
    fill(db.repo.as_ref(), url).await;
    let repo = db.repo;
    let first = repo.list_media(&MediaQuery::default(), 60).await.unwrap();
    let middle = repo.list_media(&MediaQuery::default(), 50_000).await.unwrap();
    let m = middle.last().unwrap();
    let deep = MediaQuery {
        cursor: Some(MediaCursor {
            created_at: m.created_at,
            sort_name: m.original_filename.clone(),
            size: m.size,
            id: m.id,
        }),
        ..MediaQuery::default()
    };
    assert_eq!(first.len(), 60);
    let cases: Vec<(&str, MediaQuery)> = vec![
        ("first page, newest", MediaQuery::default()),
        ("page 834 (keyset), newest", deep),
        ("first page, by name", MediaQuery { sort: vitrine::model::media::MediaSort::Name, ..MediaQuery::default() }),
        (
            "first page, videos only",
            MediaQuery { kind: Some(vitrine::model::media::MediaKind::Video), ..MediaQuery::default() },
        ),
        ("search 'photo-0421'", MediaQuery { search: Some("photo-0421".into()), ..MediaQuery::default() }),
    ];
    println!("  library page (60 items) at {MEDIA_ROWS} media, {backend}, 200 runs each");
    for (name, query) in cases {
        let mut samples: Vec<Duration> = Vec::with_capacity(200);
        for _ in 0..200 {
            let t = Instant::now();
            repo.list_media(&query, 60).await.unwrap();
            samples.push(t.elapsed());
        }
        let p50 = percentile(&mut samples, 0.5);
        let p99 = percentile(&mut samples, 0.99);
        println!(
            "    {name:<28} p50 {:>6.2} ms  p99 {:>6.2} ms  (goal <= 5 ms)",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3
        );
    }
}

#[tokio::main]
async fn main() {
    println!(
        "Vitrine delivery benchmarks ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    let jpeg = big_jpeg();
    resize_vs_vips(&jpeg, dir.path());
    library_query("SQLite", &format!("sqlite://{}/library.db?mode=rwc", dir.path().display())).await;
    use sqlx::Connection;
    match sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        Ok(mut admin) => {
            let name = format!("vitrine_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            library_query("PostgreSQL", &format!("postgres://postgres@127.0.0.1:5432/{name}")).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
        }
        Err(_) => println!("  PostgreSQL unreachable: its library figures are skipped"),
    }
}
