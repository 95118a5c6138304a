//! The contract every `Repo` implementation keeps. Each check is written once and run against
//! SQLite and against PostgreSQL (a fresh database per test, dropped afterwards).

use std::sync::Arc;

use vitrine::model::Email;
use vitrine::server::db::Repo;

use crate::helpers::TestDatabase;

/// Generates one `#[tokio::test]` per backend for each contract check.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $check() {
                    let db = crate::helpers::TestDatabase::sqlite();
                    super::$check(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $check() {
                    let Some(db) = crate::helpers::TestDatabase::postgres().await else { return };
                    super::$check(&db).await;
                }
            )*
        }
    };
}

contract!(
    ping_answers,
    migrations_are_idempotent,
    create_user_if_absent_creates_once,
    concurrent_creation_makes_one_user,
    users_are_found_by_email_and_id,
    password_can_be_replaced,
);

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

async fn ping_answers(db: &TestDatabase) {
    db.repo().await.ping().await.expect("ping");
}

async fn migrations_are_idempotent(db: &TestDatabase) {
    let first = db.repo().await;
    first.create_user_if_absent(&email("a@example.test"), "hash").await.unwrap();
    // Connecting again runs the migrator again: nothing breaks, nothing is lost.
    let second = db.repo().await;
    assert!(second.find_user_by_email(&email("a@example.test")).await.unwrap().is_some());
}

async fn create_user_if_absent_creates_once(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, created) = repo.create_user_if_absent(&email("one@example.test"), "hash-1").await.unwrap();
    assert!(created);
    assert_eq!(user.email.as_str(), "one@example.test");
    assert_eq!(user.password_hash, "hash-1");

    let (again, created_again) = repo.create_user_if_absent(&email("one@example.test"), "hash-2").await.unwrap();
    assert!(!created_again);
    assert_eq!(again.id, user.id);
    assert_eq!(again.password_hash, "hash-1", "an existing user is left as it was");
}

async fn concurrent_creation_makes_one_user(db: &TestDatabase) {
    let repo: Arc<dyn Repo> = db.repo().await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let repo = repo.clone();
            tokio::spawn(async move { repo.create_user_if_absent(&email("race@example.test"), &format!("h{i}")).await })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (user, was_created) = task.await.unwrap().expect("no request fails");
        created += usize::from(was_created);
        ids.insert(user.id);
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
}

async fn users_are_found_by_email_and_id(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, _) = repo.create_user_if_absent(&email("find@example.test"), "h").await.unwrap();
    let by_email = repo.find_user_by_email(&email("FIND@example.test")).await.unwrap().unwrap();
    assert_eq!(by_email.id, user.id);
    let by_id = repo.find_user(user.id).await.unwrap().unwrap();
    assert_eq!(by_id.email, user.email);
    assert!(repo.find_user_by_email(&email("nobody@example.test")).await.unwrap().is_none());
    assert!(repo.find_user(uuid::Uuid::new_v4()).await.unwrap().is_none());
}

async fn password_can_be_replaced(db: &TestDatabase) {
    let repo = db.repo().await;
    let (user, _) = repo.create_user_if_absent(&email("pw@example.test"), "old").await.unwrap();
    repo.set_user_password(user.id, "new").await.unwrap();
    assert_eq!(repo.find_user(user.id).await.unwrap().unwrap().password_hash, "new");
}
