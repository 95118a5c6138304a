//! The transcode queue: one job per video, claimed by one worker at a time, taken again when its
//! worker died, finished with renditions or a reason.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;
use vitrine::server::clock::Clock;
use vitrine::server::db::{Repo, TranscodeClaim, TranscodeJob};

use super::{add_media, desc, title};
use crate::helpers::TestDatabase;

fn job(status: &str, attempts: u32, error: Option<&str>) -> TranscodeJob {
    TranscodeJob { status: status.to_string(), attempts, error: error.map(str::to_string) }
}

async fn video(repo: &dyn Repo, name: &str) -> Uuid {
    add_media(repo, &[(name, 1000, "video/mp4")]).await[0]
}

/// How long a worker may hold a job without word before it counts as dead (the worker's rule,
/// chosen here by the test).
fn stale_before(clock: &Clock) -> DateTime<Utc> {
    clock.now() - Duration::minutes(10)
}

async fn claim(repo: &dyn Repo, clock: &Clock, max_attempts: u32) -> Option<Uuid> {
    repo.claim_transcode(stale_before(clock), max_attempts).await.unwrap().map(|c| c.media_id)
}

/// The first claim of `media_id`'s job, as its worker holds it.
fn first_claim(media_id: Uuid) -> TranscodeClaim {
    TranscodeClaim { media_id, attempt: 1 }
}

pub(super) async fn enqueueing_twice_makes_one_pending_job(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let clip = video(repo.as_ref(), "clip.mp4").await;
    assert_eq!(repo.transcode_job(clip).await.unwrap(), None, "not queued yet");
    assert_eq!(repo.transcode_job(Uuid::new_v4()).await.unwrap(), None, "no such video");

    repo.enqueue_transcode(clip).await.unwrap();
    repo.enqueue_transcode(clip).await.unwrap();
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("pending", 0, None)));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None, "one job, claimed once");

    // Queuing a video being transcoded leaves its job as it is.
    repo.enqueue_transcode(clip).await.unwrap();
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("running", 1, None)));
    assert!(repo.enqueue_transcode(Uuid::new_v4()).await.is_err(), "a job needs its video");
}

pub(super) async fn the_oldest_waiting_job_is_claimed_first(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let queued_first = video(repo.as_ref(), "first.mp4").await;
    let queued_second = video(repo.as_ref(), "second.mp4").await;
    let queued_third = video(repo.as_ref(), "third.mp4").await;
    repo.enqueue_transcode(queued_first).await.unwrap();
    // The clock set back: the second job is the oldest though written later, so the order
    // claimed is by time, not by insertion.
    clock.advance(Duration::minutes(-1));
    repo.enqueue_transcode(queued_second).await.unwrap();
    clock.advance(Duration::minutes(2));
    repo.enqueue_transcode(queued_third).await.unwrap();

    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(queued_second));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(queued_first));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(queued_third));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None);
}

pub(super) async fn a_claimed_job_is_claimed_again_only_when_stale_and_within_attempts(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let clip = video(repo.as_ref(), "clip.mp4").await;
    repo.enqueue_transcode(clip).await.unwrap();

    assert_eq!(claim(repo.as_ref(), &clock, 0).await, None, "no attempt allowed, none made");
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("pending", 0, None)));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("running", 1, None)));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None, "a running job is its worker's");
    clock.advance(Duration::minutes(9));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None, "not stale yet");

    // Eleven minutes without word: its worker died, and another takes the job.
    clock.advance(Duration::minutes(2));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("running", 2, None)));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None, "taken again, it is fresh again");
    clock.advance(Duration::minutes(11));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("running", 3, None)));

    // Three attempts were the most: a job that killed three workers is not taken a fourth time,
    // and it no longer claims to be running.
    clock.advance(Duration::minutes(11));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, None);
    let given_up = repo.transcode_job(clip).await.unwrap().unwrap();
    assert_eq!((given_up.status.as_str(), given_up.attempts), ("failed", 3));
    assert!(given_up.error.is_some_and(|e| e.contains("every attempt")));
    assert_eq!(claim(repo.as_ref(), &clock, 4).await, None, "failed is final");
}

pub(super) async fn a_finished_transcode_gives_the_video_its_renditions(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let clip = video(repo.as_ref(), "clip.mp4").await;
    let untouched = video(repo.as_ref(), "other.mp4").await;
    let reel = repo.create_collection(Uuid::new_v4(), &title("Reel"), "reel", &desc(""), None).await.unwrap();
    repo.add_to_collection(reel.id, &[clip]).await.unwrap().unwrap();
    repo.set_published(reel.id, true).await.unwrap().unwrap();
    let elsewhere =
        repo.create_collection(Uuid::new_v4(), &title("Elsewhere"), "elsewhere", &desc(""), None).await.unwrap();
    repo.add_to_collection(elsewhere.id, &[untouched]).await.unwrap().unwrap();
    repo.set_published(elsewhere.id, true).await.unwrap().unwrap();
    let reel_before = repo.published_version("reel").await.unwrap().expect("published");
    let elsewhere_before = repo.published_version("elsewhere").await.unwrap().expect("published");

    repo.enqueue_transcode(clip).await.unwrap();
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    let master = repo.find_media(clip).await.unwrap().unwrap().object_key.hls_master();
    assert!(repo.finish_transcode(first_claim(clip), Ok(&master)).await.unwrap());

    assert_eq!(repo.find_media(clip).await.unwrap().unwrap().hls_key, Some(master));
    assert_eq!(repo.find_media(untouched).await.unwrap().unwrap().hls_key, None);
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("done", 1, None)));
    let reel_after = repo.published_version("reel").await.unwrap().expect("still published");
    assert!(reel_after > reel_before, "the gallery now offers the renditions ({reel_before} -> {reel_after})");
    assert_eq!(
        repo.published_version("elsewhere").await.unwrap(),
        Some(elsewhere_before),
        "a gallery without it stays"
    );

    // Done is done: never claimed again, however long it waits.
    clock.advance(Duration::hours(2));
    assert_eq!(claim(repo.as_ref(), &clock, 10).await, None);
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("done", 1, None)));
}

pub(super) async fn a_failed_transcode_keeps_its_reason_and_no_renditions(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let clip = video(repo.as_ref(), "broken.mp4").await;
    repo.enqueue_transcode(clip).await.unwrap();
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));

    assert!(repo.finish_transcode(first_claim(clip), Err("ffmpeg exited with status 1")).await.unwrap());
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("failed", 1, Some("ffmpeg exited with status 1"))));
    assert_eq!(repo.find_media(clip).await.unwrap().unwrap().hls_key, None);

    // A failure is final: the job is not taken again once it would be stale.
    clock.advance(Duration::hours(2));
    assert_eq!(claim(repo.as_ref(), &clock, 10).await, None);
}

pub(super) async fn a_worker_that_was_taken_over_cannot_finish_the_job(db: &TestDatabase) {
    let clock = Clock::system();
    let repo = db.repo_with_clock(clock.clone()).await;
    let clip = video(repo.as_ref(), "slow.mp4").await;
    repo.enqueue_transcode(clip).await.unwrap();
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    // The first worker runs so long it looks dead; a second takes the job and finishes it.
    clock.advance(Duration::minutes(11));
    assert_eq!(claim(repo.as_ref(), &clock, 3).await, Some(clip));
    let master = repo.find_media(clip).await.unwrap().unwrap().object_key.hls_master();
    assert!(repo.finish_transcode(TranscodeClaim { media_id: clip, attempt: 2 }, Ok(&master)).await.unwrap());
    // The first worker's late failure changes nothing.
    assert!(!repo.finish_transcode(first_claim(clip), Err("killed")).await.unwrap());
    assert_eq!(repo.transcode_job(clip).await.unwrap(), Some(job("done", 2, None)));
    assert_eq!(repo.find_media(clip).await.unwrap().unwrap().hls_key, Some(master));
}
