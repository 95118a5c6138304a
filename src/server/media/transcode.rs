//! Optional HLS renditions of videos (`VITRINE_TRANSCODE=1`, with `ffmpeg` on PATH): one job at a
//! time per instance, its state in the database (`transcode_jobs`), so a restart or a second
//! instance picks up where things stood. The renditions go into the store beside the original
//! (`<key>.hls/`); players use them where the browser plays HLS and the original otherwise.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;

use crate::error::AppError;
use crate::model::ObjectKey;
use crate::server::state::AppState;

/// A job "running" this long without finishing belongs to a worker that died.
const STALE_AFTER: Duration = Duration::from_secs(30 * 60);
/// Attempts before a video is left without renditions.
const MAX_ATTEMPTS: u32 = 3;
/// The ladder, by height; a video gets the rungs at or below its own height (at least one).
const LADDER: &[(u32, &str)] = &[(360, "800k"), (720, "2800k"), (1080, "5000k")];

/// Whether `ffmpeg` can be run here.
pub fn ffmpeg_available() -> bool {
    std::process::Command::new("ffmpeg").arg("-version").output().is_ok_and(|o| o.status.success())
}

/// Takes transcode jobs one at a time until shutdown.
pub async fn run_worker(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        loop {
            match transcode_next(&state).await {
                Ok(Some(_)) if !*shutdown.borrow() => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "transcode worker could not take a job");
                    break;
                }
            }
        }
    }
}

/// Claims and runs one job; the video it was for, if there was one.
pub async fn transcode_next(state: &AppState) -> Result<Option<Uuid>, AppError> {
    let stale_before = state.clock.now() - chrono::Duration::from_std(STALE_AFTER).unwrap_or_default();
    let Some(claim) = state.repo.claim_transcode(stale_before, MAX_ATTEMPTS).await? else { return Ok(None) };
    let media_id = claim.media_id;
    let outcome = transcode(state, media_id).await;
    match &outcome {
        Ok(key) => tracing::info!(%media_id, %key, "HLS renditions made"),
        Err(e) => tracing::warn!(%media_id, error = %e, "transcode failed"),
    }
    if !state.repo.finish_transcode(claim, outcome.as_ref().map_err(String::as_str)).await? {
        // Taken over by another worker while this one ran long: its result is the one kept.
        tracing::warn!(%media_id, attempt = claim.attempt, "a transcode finished after another worker took it over");
    }
    Ok(Some(media_id))
}

async fn transcode(state: &AppState, media_id: Uuid) -> Result<ObjectKey, String> {
    let media = state.repo.find_media(media_id).await.map_err(|e| e.to_string())?.ok_or("the video was deleted")?;
    let work = state.data_dir.join("transcode").join(media_id.to_string());
    let _ = tokio::fs::remove_dir_all(&work).await;
    tokio::fs::create_dir_all(&work).await.map_err(|e| format!("cannot prepare {}: {e}", work.display()))?;
    let result = async {
        let original = work.join("original");
        if !state.storage.download(&media.object_key, &original).await.map_err(|e| e.to_string())? {
            return Err("the original is not in the store".to_string());
        }
        let height = media.height.unwrap_or(720);
        let rungs: Vec<(u32, &str)> = {
            let fitting: Vec<_> = LADDER.iter().copied().filter(|(h, _)| *h <= height).collect();
            if fitting.is_empty() {
                vec![(height.max(2) & !1, LADDER[0].1)]
            } else {
                fitting
            }
        };
        let out = work.join("hls");
        tokio::fs::create_dir_all(&out).await.map_err(|e| e.to_string())?;
        let mut master = String::from("#EXTM3U\n#EXT-X-VERSION:3\n");
        for (h, bitrate) in &rungs {
            ffmpeg_rendition(&original, &out, *h, bitrate).await?;
            let bandwidth = bitrate.trim_end_matches('k').parse::<u64>().unwrap_or(1000) * 1000;
            master.push_str(&format!("#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION=x{h}\n{h}p.m3u8\n"));
        }
        tokio::fs::write(out.join(ObjectKey::HLS_MASTER), master).await.map_err(|e| e.to_string())?;
        upload_dir(state, &out, &media.object_key).await?;
        Ok(media.object_key.hls_master())
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&work).await;
    result
}

async fn ffmpeg_rendition(original: &Path, out: &Path, height: u32, bitrate: &str) -> Result<(), String> {
    let output = tokio::process::Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(original)
        .args(["-vf", &format!("scale=-2:{height}"), "-c:v", "libx264", "-preset", "veryfast", "-b:v", bitrate])
        .args(["-c:a", "aac", "-b:a", "128k", "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod"])
        .arg("-hls_segment_filename")
        .arg(out.join(format!("{height}p_%03d.ts")))
        .arg(out.join(format!("{height}p.m3u8")))
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("ffmpeg could not run: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!("ffmpeg failed: {}", stderr.lines().last().unwrap_or("no message")))
    }
}

/// Puts every file of `dir` among the video's renditions, with its HLS content type.
async fn upload_dir(state: &AppState, dir: &Path, video: &ObjectKey) -> Result<(), String> {
    let mut entries = tokio::fs::read_dir(dir).await.map_err(|e| e.to_string())?;
    let mut files: Vec<PathBuf> = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(|e| e.to_string())? {
        files.push(entry.path());
    }
    // The playlists last: a player never finds a playlist whose segments are not there yet.
    files.sort_by_key(|p| p.extension().is_some_and(|e| e == "m3u8"));
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or("odd file name")?.to_string();
        let content_type = if name.ends_with(".m3u8") { "application/vnd.apple.mpegurl" } else { "video/mp2t" };
        let bytes = tokio::fs::read(&path).await.map_err(|e| e.to_string())?;
        state.storage.put_bytes(&video.hls_file(&name), content_type, bytes).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}
