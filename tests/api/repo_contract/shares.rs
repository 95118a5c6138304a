//! Share links: made on collections outside the trash only, listed oldest first, found by
//! token while their collection is live, settings replaced (the password kept, set or removed),
//! revoked once, views counted.

use chrono::Duration;
use uuid::Uuid;
use vitrine::server::clock::Clock;
use vitrine::server::db::{PasswordChange, ShareFields};

use super::{desc, title};
use crate::helpers::TestDatabase;

fn fields(label: &str) -> ShareFields {
    ShareFields {
        label: label.into(),
        expires_at: None,
        allow_download: false,
        allow_upload: false,
        max_files: None,
        max_bytes: None,
    }
}

pub(super) async fn share_links_live_with_their_collection(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let collection = Uuid::new_v4();
    repo.create_collection(collection, &title("Shared"), "shared", &desc(""), None).await.unwrap();

    let missing = repo.create_share(Uuid::new_v4(), Uuid::new_v4(), "t0", &fields("x"), None, None).await.unwrap();
    assert!(missing.is_none(), "no link on a collection that does not exist");

    let first = repo.create_share(Uuid::new_v4(), collection, "token-1", &fields("First"), Some("hash"), None).await;
    let first = first.unwrap().unwrap();
    assert_eq!((first.label.as_str(), first.password_hash.as_deref(), first.view_count), ("First", Some("hash"), 0));
    clock.advance(Duration::seconds(1));
    let mut wide = fields("Second");
    wide.allow_upload = true;
    wide.max_files = Some(20);
    wide.max_bytes = Some(5_000_000_000);
    wide.expires_at = Some(clock.now() + Duration::days(3));
    let second = repo.create_share(Uuid::new_v4(), collection, "token-2", &wide, None, None).await.unwrap().unwrap();
    assert_eq!((second.max_files, second.max_bytes), (Some(20), Some(5_000_000_000)), "quotas past 4 GiB keep");
    assert_eq!(second.expires_at.map(|t| t.timestamp()), wide.expires_at.map(|t| t.timestamp()));

    let taken = repo.create_share(Uuid::new_v4(), collection, "token-1", &fields("Copy"), None, None).await;
    assert!(taken.is_err_and(|e| e.violates("share_links_token_key")), "tokens are unique");

    let listed: Vec<String> = repo.list_shares(collection).await.unwrap().into_iter().map(|s| s.label).collect();
    assert_eq!(listed, ["First", "Second"]);
    assert_eq!(repo.find_share_by_token("token-2").await.unwrap().map(|s| s.id), Some(second.id));
    assert!(repo.find_share_by_token("token-3").await.unwrap().is_none());

    // Settings are replaced; the password follows the change asked for.
    let kept = repo.update_share(first.id, &fields("Renamed"), &PasswordChange::Keep).await.unwrap().unwrap();
    assert_eq!((kept.label.as_str(), kept.password_hash.as_deref()), ("Renamed", Some("hash")));
    let set = repo.update_share(first.id, &fields(&kept.label), &PasswordChange::Set("new".into())).await;
    assert_eq!(set.unwrap().unwrap().password_hash.as_deref(), Some("new"));
    let removed = repo.update_share(first.id, &fields("Renamed"), &PasswordChange::Remove).await.unwrap().unwrap();
    assert_eq!(removed.password_hash, None);
    assert!(repo.update_share(Uuid::new_v4(), &fields("x"), &PasswordChange::Keep).await.unwrap().is_none());

    repo.count_share_view("token-2").await.unwrap();
    repo.count_share_view("token-2").await.unwrap();
    repo.count_share_view("no-such-token").await.unwrap();
    assert_eq!(repo.find_share(second.id).await.unwrap().unwrap().view_count, 2);

    let revoked = repo.revoke_share(second.id).await.unwrap().unwrap();
    let at = revoked.revoked_at.expect("revoked");
    clock.advance(Duration::seconds(5));
    let again = repo.revoke_share(second.id).await.unwrap().unwrap();
    assert_eq!(again.revoked_at, Some(at), "the first revocation's time stays");
    let updated = repo.update_share(second.id, &fields("Still revoked"), &PasswordChange::Keep).await;
    assert_eq!(updated.unwrap().unwrap().revoked_at, Some(at), "an update does not bring a link back");

    // A trashed collection's links are not found by token, and it takes no new ones.
    assert!(repo.trash_collection(collection, None).await.unwrap());
    assert!(repo.find_share_by_token("token-1").await.unwrap().is_none());
    assert!(repo.create_share(Uuid::new_v4(), collection, "t4", &fields("x"), None, None).await.unwrap().is_none());
}

/// The quota is checked in the job's own transaction with the link's row locked: of batches
/// written at once, exactly as many as fit are taken, and failed files still count.
pub(super) async fn a_file_requests_quota_holds_against_concurrent_batches(db: &TestDatabase) {
    use vitrine::server::db::{DbError, UploadQuota};
    let repo = db.repo().await;
    let collection = Uuid::new_v4();
    repo.create_collection(collection, &title("Quota"), "quota", &desc(""), None).await.unwrap();
    let mut upload = fields("Drop box");
    upload.allow_upload = true;
    let link = repo.create_share(Uuid::new_v4(), collection, "tq", &upload, None, None).await.unwrap().unwrap();
    let guest = repo.guest_of_share(link.id, "g@guests.invalid", "from Drop box", "x").await.unwrap().unwrap();
    assert_eq!(repo.guest_of_share(link.id, "other@guests.invalid", "x", "x").await.unwrap(), Some(guest), "one guest");
    assert!(repo.list_people().await.unwrap().iter().all(|p| p.id != guest), "a guest is nobody on the team");

    let quota = UploadQuota { share_id: link.id, max_files: Some(3), max_bytes: None };
    let batches = (0..6).map(|_| {
        let mut job = super::new_job(&["one.png"], Duration::hours(1));
        job.created_by = Some(guest);
        job.quota = Some(quota);
        let repo = repo.clone();
        async move { repo.create_upload_job(&job).await }
    });
    let results = futures::future::join_all(batches).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    assert!(results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(DbError::OverQuota))));
    let taken = results.into_iter().flatten().next().unwrap();
    repo.fail_upload_file(taken.files[0].id, "cut off").await.unwrap();
    assert_eq!(repo.guest_upload_totals(guest).await.unwrap(), (3, 3 * 1234), "a failed file still counts");

    let bytes = UploadQuota { share_id: link.id, max_files: None, max_bytes: Some(4 * 1234) };
    let mut job = super::new_job(&["big.png", "bigger.png"], Duration::hours(1));
    job.created_by = Some(guest);
    job.quota = Some(bytes);
    assert!(matches!(repo.create_upload_job(&job).await, Err(DbError::OverQuota)), "5 × 1234 bytes pass 4 × 1234");
    assert_eq!(repo.guest_upload_totals(guest).await.unwrap().0, 3, "a refused batch leaves nothing");
}
