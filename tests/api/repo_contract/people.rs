//! People and access: roles with the last-owner rule, session rows, invitations, tokens and
//! shared sign-in failure counts.

use chrono::Duration;
use uuid::Uuid;
use vitrine::model::people::Scope;
use vitrine::model::Role;
use vitrine::server::clock::Clock;
use vitrine::server::db::{
    InvitationRefusal, NewInvitationRecord, NewTokenRecord, PeopleRefusal, PersonChange, Repo, UserRecord,
};

use super::email;
use crate::helpers::TestDatabase;

async fn invited(repo: &dyn Repo, who: &str, role: Role, by: Uuid) -> UserRecord {
    let hash = format!("hash-of-{who}");
    let expires_at = chrono::Utc::now() + Duration::days(7);
    let new = NewInvitationRecord { email: email(who), role, secret_hash: hash.clone(), invited_by: by, expires_at };
    repo.create_invitation(&new).await.unwrap();
    repo.accept_invitation(&hash, "Name", "pw").await.unwrap().unwrap()
}

pub(super) async fn the_last_active_owner_stays(db: &TestDatabase) {
    let repo = db.repo().await;
    let (owner, _) = repo.create_user_if_absent(&email("owner@example.test"), "h").await.unwrap();
    assert_eq!(owner.role, Role::Owner, "the admin from the environment is an owner");
    for change in [PersonChange::Role(Role::Viewer), PersonChange::Disable, PersonChange::Delete] {
        assert_eq!(repo.change_person(owner.id, change).await.unwrap(), Err(PeopleRefusal::LastOwner));
    }
    assert_eq!(repo.change_person(Uuid::new_v4(), PersonChange::Enable).await.unwrap(), Err(PeopleRefusal::NotFound));
    let second = invited(&*repo, "second@example.test", Role::Owner, owner.id).await;
    assert_eq!(second.role, Role::Owner);
    // Two owners demoting each other at once: exactly one succeeds.
    let (a, b) = tokio::join!(
        repo.change_person(owner.id, PersonChange::Role(Role::Editor)),
        repo.change_person(second.id, PersonChange::Role(Role::Editor)),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    let owners = repo.list_people().await.unwrap().into_iter().filter(|p| p.role == Role::Owner).count();
    assert_eq!(owners, 1);
    // A disabled owner does not count: the remaining active one cannot go.
    let editor = invited(&*repo, "e@example.test", Role::Editor, owner.id).await;
    assert_eq!(repo.change_person(editor.id, PersonChange::Disable).await.unwrap(), Ok(()));
    assert!(repo.find_user(editor.id).await.unwrap().unwrap().disabled);
    assert_eq!(repo.change_person(editor.id, PersonChange::Enable).await.unwrap(), Ok(()));
    assert_eq!(repo.change_person(editor.id, PersonChange::Delete).await.unwrap(), Ok(()));
    assert!(repo.find_user(editor.id).await.unwrap().is_none());
}

pub(super) async fn sessions_end_with_their_person_or_on_request(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let (owner, _) = repo.create_user_if_absent(&email("owner@example.test"), "h").await.unwrap();
    let member = invited(&*repo, "m@example.test", Role::Editor, owner.id).await;
    let laptop = repo.start_session(member.id, "Laptop").await.unwrap();
    let phone = repo.start_session(member.id, "Phone").await.unwrap();
    assert_eq!(repo.session_user(laptop).await.unwrap().unwrap().id, member.id);
    clock.advance(Duration::minutes(5));
    repo.session_user(phone).await.unwrap();
    let listed = repo.list_sessions(member.id).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.user_agent.as_str()).collect::<Vec<_>>(), ["Phone", "Laptop"]);
    assert_eq!(repo.end_other_sessions(member.id, Some(phone)).await.unwrap(), 1);
    assert!(repo.session_user(laptop).await.unwrap().is_none());
    // Disabling ends the rest.
    repo.change_person(member.id, PersonChange::Disable).await.unwrap().unwrap();
    assert!(repo.session_user(phone).await.unwrap().is_none());
    assert!(repo.list_sessions(member.id).await.unwrap().is_empty());
    // Idle rows are forgotten.
    let old = repo.start_session(owner.id, "Old").await.unwrap();
    clock.advance(Duration::days(20));
    assert_eq!(repo.forget_idle_sessions(clock.now() - Duration::days(14)).await.unwrap(), 1);
    assert!(repo.session_user(old).await.unwrap().is_none());
}

pub(super) async fn an_invitation_is_used_once(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let (owner, _) = repo.create_user_if_absent(&email("owner@example.test"), "h").await.unwrap();
    let new = |who: &str, hash: &str| NewInvitationRecord {
        email: email(who),
        role: Role::Viewer,
        secret_hash: hash.to_string(),
        invited_by: owner.id,
        expires_at: clock.now() + Duration::days(7),
    };
    let made = repo.create_invitation(&new("v@example.test", "h1")).await.unwrap();
    assert_eq!(repo.pending_invitations().await.unwrap(), vec![made.clone()]);
    assert_eq!(repo.find_invitation("h1").await.unwrap(), Ok(made));
    // Two accepts at once: one person.
    let (a, b) = tokio::join!(repo.accept_invitation("h1", "A", "p"), repo.accept_invitation("h1", "B", "p"));
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1);
    assert!(outcomes.contains(&Err(InvitationRefusal::Used)));
    assert!(repo.pending_invitations().await.unwrap().is_empty());
    // Revoked, expired, unknown, and an email taken meanwhile.
    let revoked = repo.create_invitation(&new("r@example.test", "h2")).await.unwrap();
    assert!(repo.revoke_invitation(revoked.id).await.unwrap());
    assert!(!repo.revoke_invitation(revoked.id).await.unwrap());
    assert_eq!(repo.accept_invitation("h2", "R", "p").await.unwrap(), Err(InvitationRefusal::Revoked));
    repo.create_invitation(&new("x@example.test", "h3")).await.unwrap();
    repo.create_invitation(&new("v@example.test", "h4")).await.unwrap();
    assert_eq!(repo.accept_invitation("h4", "V", "p").await.unwrap(), Err(InvitationRefusal::EmailTaken));
    clock.advance(Duration::days(8));
    assert_eq!(repo.find_invitation("h3").await.unwrap(), Err(InvitationRefusal::Expired));
    assert_eq!(repo.accept_invitation("h3", "X", "p").await.unwrap(), Err(InvitationRefusal::Expired));
    assert_eq!(repo.accept_invitation("nope", "X", "p").await.unwrap(), Err(InvitationRefusal::Unknown));
}

pub(super) async fn tokens_work_until_revoked_or_expired(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let (owner, _) = repo.create_user_if_absent(&email("owner@example.test"), "h").await.unwrap();
    let token = |name: &str, hash: &str, expires_at| NewTokenRecord {
        user_id: owner.id,
        name: name.to_string(),
        scope: Scope::Write,
        prefix: "vt_abcdef".into(),
        secret_hash: hash.to_string(),
        expires_at,
    };
    let forever = repo.create_token(&token("forever", "t1", None)).await.unwrap();
    let brief = repo.create_token(&token("brief", "t2", Some(clock.now() + Duration::days(1)))).await.unwrap();
    let (found, user) = repo.token_user("t1").await.unwrap().unwrap();
    assert_eq!((found.id, found.scope, user.id), (forever.id, Scope::Write, owner.id));
    assert!(repo.list_tokens(owner.id).await.unwrap().iter().any(|t| t.id == forever.id && t.last_used_at.is_some()));
    assert!(!repo.revoke_token(Uuid::new_v4(), forever.id).await.unwrap(), "only its owner revokes it");
    assert!(repo.revoke_token(owner.id, forever.id).await.unwrap());
    assert!(repo.token_user("t1").await.unwrap().is_none());
    assert_eq!(repo.list_tokens(owner.id).await.unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), [brief.id]);
    clock.advance(Duration::days(2));
    assert!(repo.token_user("t2").await.unwrap().is_none(), "expired");
    assert!(repo.token_user("unknown").await.unwrap().is_none());
}

pub(super) async fn sign_in_failures_drain_and_are_shared(db: &TestDatabase) {
    let first = db.repo().await;
    let second = db.repo().await;
    assert_eq!(first.sign_in_drained_at("a@example.test").await.unwrap(), None);
    assert_eq!(first.record_sign_in_failure("a@example.test", 1_000, 100).await.unwrap(), 1_100);
    // Another connection (instance) adds to the same bucket.
    assert_eq!(second.record_sign_in_failure("a@example.test", 1_050, 100).await.unwrap(), 1_200);
    // A failure after the bucket drained starts from now.
    assert_eq!(first.record_sign_in_failure("a@example.test", 5_000, 100).await.unwrap(), 5_100);
    assert_eq!(second.sign_in_drained_at("a@example.test").await.unwrap(), Some(5_100));
    assert_eq!(second.sign_in_drained_at("b@example.test").await.unwrap(), None);
}
