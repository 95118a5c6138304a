//! `make bench`: the library at a million items, on SQLite and on PostgreSQL. Rows are written
//! straight into the tables (the benchmark is about reading them), then each query the UI and
//! the API make is timed through the repository, 200 runs each, p50 and p99 beside the goal.

use std::time::{Duration, Instant};

use chrono::Utc;
use uuid::Uuid;
use vitrine::model::media::{MediaCursor, MediaQuery, MediaSort};
use vitrine::server::config::DatabaseConfig;
use vitrine::server::db::Backend;

const MEDIA_ROWS: usize = 1_000_000;
/// Rows per INSERT: under both databases' limits on bound parameters.
const BATCH: usize = 2_000;
const WORDS: usize = 2_000;
const TAGS: usize = 100;
const RUNS: usize = 200;

/// A vocabulary of made-up words ("kalomi", "ranotu", …): each title takes two, each alt text
/// two more, so a word is in about 2,000 of the million items.
fn vocabulary() -> Vec<String> {
    const SYLLABLES: [&str; 20] = [
        "ka", "lo", "mi", "ra", "no", "tu", "se", "vi", "po", "da", "ne", "ru", "fa", "gi", "ho", "ze", "bu", "sa",
        "te", "wi",
    ];
    (0..WORDS)
        .map(|i| {
            let (a, b, c) = (i % 20, (i / 20) % 20, (i / 400) % 20);
            format!("{}{}{}", SYLLABLES[a], SYLLABLES[b], SYLLABLES[c])
        })
        .collect()
}

struct Row {
    id: Uuid,
    n: usize,
    title: String,
    alt: String,
    file: String,
    created_at: chrono::DateTime<Utc>,
}

fn row(n: usize, words: &[String], now: chrono::DateTime<Utc>) -> Row {
    let w = |k: usize| words[(n.wrapping_mul(k) + k * 7) % WORDS].as_str();
    Row {
        id: Uuid::new_v4(),
        n,
        title: format!("{} {}", w(7919), w(104_729)),
        alt: format!("{} near {}", w(15_485_863), w(32_452_843)),
        file: format!("IMG_{n:07}.jpg"),
        created_at: now - chrono::Duration::seconds(n as i64),
    }
}

fn sha_of(n: usize) -> String {
    format!("{:064x}", (n as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835))
}

/// Two tags per item: one of tags 0–49 (`n % 50`) and one of tags 50–99 (`(n / 50) % 50`); each
/// tag is on 20,000 items, and a pair of one of each shares 400.
fn tags_of(n: usize) -> [usize; 2] {
    [n % 50, 50 + (n / 50) % 50]
}

macro_rules! fill_with {
    ($name:ident, $pool:ty) => {
        async fn $name(pool: &$pool) {
            let words = vocabulary();
            let now = Utc::now();
            let tag_ids: Vec<Uuid> = (0..TAGS).map(|_| Uuid::new_v4()).collect();
            let mut tags = sqlx::QueryBuilder::new("INSERT INTO tags (id, name, name_key, created_at) ");
            tags.push_values(tag_ids.iter().enumerate(), |mut b, (i, id)| {
                b.push_bind(*id).push_bind(format!("Tag{i}")).push_bind(format!("tag{i}")).push_bind(now);
            });
            tags.build().execute(pool).await.unwrap();
            for start in (0..MEDIA_ROWS).step_by(BATCH) {
                let rows: Vec<Row> = (start..(start + BATCH).min(MEDIA_ROWS)).map(|n| row(n, &words, now)).collect();
                let mut sql = sqlx::QueryBuilder::new(
                    "INSERT INTO media (id, object_key, original_filename, content_type, size_bytes, title, alt_text, \
                     created_at, sort_name, search_name, search_text, sha256) ",
                );
                sql.push_values(rows.iter(), |mut b, r| {
                    let doc = vitrine::model::search::SearchDocument::new(&r.title, &r.file, &r.alt, &[], "");
                    b.push_bind(r.id)
                        .push_bind(format!("media/{}/f.jpg", r.id))
                        .push_bind(r.file.clone())
                        .push_bind(if r.n % 10 == 0 { "video/mp4" } else { "image/jpeg" })
                        .push_bind((r.n * 7919 % 10_000_000) as i64)
                        .push_bind(r.title.clone())
                        .push_bind(r.alt.clone())
                        .push_bind(r.created_at)
                        .push_bind(vitrine::model::media::sort_name(&r.title, &r.file))
                        .push_bind(doc.name)
                        .push_bind(doc.body)
                        .push_bind(sha_of(r.n));
                });
                sql.build().execute(pool).await.unwrap();
                let mut links = sqlx::QueryBuilder::new("INSERT INTO media_tags (media_id, tag_id) ");
                links.push_values(
                    rows.iter().flat_map(|r| tags_of(r.n).map(|t| (r.id, tag_ids[t]))),
                    |mut b, (m, t)| {
                        b.push_bind(m).push_bind(t);
                    },
                );
                links.build().execute(pool).await.unwrap();
            }
        }
    };
}

fill_with!(fill_sqlite, sqlx::SqlitePool);
fill_with!(fill_postgres, sqlx::PgPool);

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn time<F, Fut>(name: &str, goal_ms: f64, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let found = run().await;
    let mut samples: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        run().await;
        samples.push(t.elapsed());
    }
    let (p50, p99) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99));
    let verdict = if ms(p99) <= goal_ms { "met" } else { "MISSED" };
    println!(
        "    {name:<44} {found:>5} rows  p50 {:>7.2} ms  p99 {:>7.2} ms  (goal p99 <= {goal_ms} ms: {verdict})",
        ms(p50),
        ms(p99)
    );
}

async fn library(backend: &str, url: &str) {
    let config = DatabaseConfig { url: url.to_string(), backend: Backend::of_url(url).unwrap() };
    let db = vitrine::server::db::connect(&config, vitrine::server::clock::Clock::system()).await.unwrap();
    let t = Instant::now();
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        fill_sqlite(&pool).await;
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO media_fts (media_fts) VALUES ('optimize')").execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        fill_postgres(&pool).await;
        sqlx::query("VACUUM ANALYZE media").execute(&pool).await.unwrap();
        sqlx::query("VACUUM ANALYZE media_tags").execute(&pool).await.unwrap();
    }
    println!(
        "  library of {MEDIA_ROWS} media, {backend} (filled in {:.0} s), {RUNS} runs each",
        t.elapsed().as_secs_f64()
    );
    let repo = db.repo;
    let words = vocabulary();
    let page = |query: MediaQuery| {
        let repo = repo.clone();
        move || {
            let repo = repo.clone();
            let query = query.clone();
            async move { repo.list_media(&query, 60).await.unwrap().len() }
        }
    };
    // A cursor halfway down: page 8,334 of 60.
    let middle = row(MEDIA_ROWS / 2, &words, Utc::now());
    let deep_item = repo
        .list_media(&MediaQuery { search: Some(middle.file.clone()), ..MediaQuery::default() }, 1)
        .await
        .unwrap()
        .pop()
        .expect("the middle item is found by its file name");
    let deep = MediaQuery { cursor: Some(MediaCursor::after(&deep_item, 0)), ..MediaQuery::default() };
    let word = words[417].clone();
    let prefix: String = words[1234].chars().take(3).collect();
    let tags = vec!["Tag7".to_string(), "Tag73".to_string()];
    time("first page, newest", 5.0, page(MediaQuery::default())).await;
    time("deep page (keyset, item 500,000), newest", 5.0, page(deep)).await;
    time("first page, by name", 5.0, page(MediaQuery { sort: MediaSort::Name, ..MediaQuery::default() })).await;
    let search = |text: &str, sort| MediaQuery { search: Some(text.into()), sort, ..MediaQuery::default() };
    time(&format!("search a word '{word}', best match"), 20.0, page(search(&word, MediaSort::Relevance))).await;
    time(&format!("search a word '{word}', newest"), 20.0, page(search(&word, MediaSort::Newest))).await;
    time(&format!("search a prefix '{prefix}', best match"), 20.0, page(search(&prefix, MediaSort::Relevance))).await;
    time(
        &format!("search two words '{prefix} {word}'"),
        20.0,
        page(search(&format!("{prefix} {word}"), MediaSort::Relevance)),
    )
    .await;
    time("filter by two tags (Tag7, Tag73)", 20.0, page(MediaQuery { tags, ..MediaQuery::default() })).await;
    // An upload batch of 1,000 files, half of them already held.
    let hashes: Vec<String> =
        (0..1000).map(|i| if i % 2 == 0 { sha_of(i * 997) } else { format!("{:064x}", i + 1) }).collect();
    time("duplicate check, 1,000 hashes", 20.0, || {
        let repo = repo.clone();
        let hashes = hashes.clone();
        async move { repo.known_content(&hashes).await.unwrap().len() }
    })
    .await;
    repo.close().await;
}

#[tokio::main]
async fn main() {
    println!(
        "Vitrine library benchmarks ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    library("SQLite", &format!("sqlite://{}/library.db?mode=rwc", dir.path().display())).await;
    use sqlx::Connection;
    match sqlx::PgConnection::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        Ok(mut admin) => {
            let name = format!("vitrine_bench_{}", Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            library("PostgreSQL", &format!("postgres://postgres@127.0.0.1:5432/{name}")).await;
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await;
        }
        Err(_) => println!("  PostgreSQL unreachable: its library figures are skipped"),
    }
}
