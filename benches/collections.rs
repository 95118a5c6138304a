//! `make bench`: collections. Reordering 1,000 items (one transaction) on SQLite and
//! PostgreSQL. (The public gallery is measured from outside, with wrk against nginx, in
//! `benches/http.rs`.)

use std::time::{Duration, Instant};

use chrono::Utc;
use uuid::Uuid;
use vitrine::model::text::{Description, Title};
use vitrine::server::config::DatabaseConfig;
use vitrine::server::db::Backend;
use vitrine::server::db::{NewMedia, NewUploadFile, NewUploadJob};

async fn reorder(backend: &str, database: DatabaseConfig) {
    const ITEMS: usize = 1000;
    let repo = vitrine::server::db::connect(&database, vitrine::server::clock::Clock::system()).await.unwrap().repo;
    let job = NewUploadJob {
        quota: None,
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
                    sha256: None,
                }
            })
            .collect(),
    };
    repo.create_upload_job(&job).await.unwrap();
    let mut ids = Vec::with_capacity(ITEMS);
    for file in &job.files {
        let media = NewMedia::new(Uuid::new_v4());
        repo.complete_upload_file(file.id, None, &media).await.unwrap();
        ids.push(media.id);
    }
    let (title, description) = (Title::parse("Big").unwrap(), Description::parse("").unwrap());
    let collection = repo
        .create_collection(Uuid::new_v4(), &title, &format!("big-{}", Uuid::new_v4().simple()), &description, None)
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
