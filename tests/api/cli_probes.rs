//! What `vitrine import` reads from files as the browser's uploader does: a video's size as
//! shown, its length and its poster frame (decoded in the command line, upright), an image's
//! ThumbHash placeholder.

use std::path::Path;

use base64::Engine;
use serde_json::{json, Value};
use vitrine::model::ObjectKey;

use crate::cli::{os, png, run};
use crate::helpers::{spawn_app, TestApp};
use crate::posters::jpeg;

/// A phone-style H.264 MP4 (`moov` after the media data, High profile with B-frames, as
/// ffmpeg's libx264 makes by default) made by ffmpeg: 320×240, two seconds, the top half red
/// and the bottom half blue, so a poster's way up can be seen; black for its first half second,
/// so a poster drawn from the first frame instead of the browser's moment (1 s in) is seen too.
fn ffmpeg_mp4(path: &Path) -> bool {
    std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=320x120:d=2:r=10"])
        .args(["-vf", "pad=320:240:0:0:blue,drawbox=c=black:t=fill:enable='lt(t,0.5)'"])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// The same video turned a quarter turn, as a phone stores a portrait video: the same pixels
/// with a rotation in the track header (ffmpeg's `rotate=90` writes a matrix that players,
/// ffmpeg's own autorotation included, show turned anticlockwise).
fn ffmpeg_rotated(from: &Path, to: &Path) -> bool {
    std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(from)
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(to)
        .status()
        .is_ok_and(|s| s.success())
}

async fn items(app: &TestApp) -> Vec<Value> {
    let page: Value =
        app.api("/api/media/list", json!({"query": {"sort": "name", "limit": 10}})).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|i| i["media"].clone()).collect()
}

/// Videos get their size as shown and their length from the file's header, and a poster frame
/// drawn upright from the decoded video, as the browser's uploader gives them.
#[tokio::test]
async fn an_imported_video_gets_its_size_length_and_an_upright_poster() {
    let dir = tempfile::tempdir().unwrap();
    let landscape = dir.path().join("landscape.mp4");
    if !ffmpeg_mp4(&landscape) || !ffmpeg_rotated(&landscape, &dir.path().join("portrait.mp4")) {
        assert!(!std::env::var("CI").is_ok_and(|v| v == "true"), "CI=true but ffmpeg cannot make a test video");
        eprintln!("SKIPPED: ffmpeg with libx264 is not installed");
        return;
    }
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let (done, text) = run(&app, &token, &[os("import"), dir.path().as_os_str()]).await;
    assert!(done.status.success(), "{text}");
    let media = items(&app).await;
    let facts: Vec<(String, Value, Value, u64)> = media
        .iter()
        .map(|m| {
            let name = m["original_filename"].as_str().unwrap().to_string();
            // Rounded to a tenth of a second: the container's own rounding.
            (name, m["width"].clone(), m["height"].clone(), (m["duration_ms"].as_u64().unwrap_or(0) + 50) / 100)
        })
        .collect();
    assert_eq!(
        facts,
        [
            ("landscape.mp4".to_string(), json!(320), json!(240), 20),
            ("portrait.mp4".to_string(), json!(240), json!(320), 20)
        ]
    );
    // The posters are JPEGs in the store, at the size shown, the right way up: the landscape
    // one red on top, the portrait one (turned anticlockwise) red on the left, as ffmpeg shows it.
    let mut posters = Vec::new();
    for m in &media {
        let key = ObjectKey::parse(m["poster_key"].as_str().expect("a poster frame")).unwrap();
        let bytes = app.storage.get_bytes(&key).await.unwrap().expect("the poster is in the store");
        posters.push(image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap().to_rgb8());
    }
    let red = |p: &image::Rgb<u8>| p[0] > 180 && p[2] < 80;
    let blue = |p: &image::Rgb<u8>| p[2] > 180 && p[0] < 80;
    let (wide, tall) = (&posters[0], &posters[1]);
    assert_eq!((wide.width(), wide.height()), (320, 240));
    assert!(red(wide.get_pixel(160, 30)) && blue(wide.get_pixel(160, 210)), "{:?}", wide.get_pixel(160, 30));
    assert_eq!((tall.width(), tall.height()), (240, 320));
    assert!(red(tall.get_pixel(30, 160)) && blue(tall.get_pixel(210, 160)), "{:?}", tall.get_pixel(30, 160));
}

/// Images get a ThumbHash placeholder, as the browser makes one: a big JPEG decoded at an
/// eighth of its size, a PNG whole; a file the reader cannot decode is sent without one.
#[tokio::test]
async fn imported_images_get_a_placeholder_of_their_shape() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-wide.jpg"), jpeg(3200, 1600)).unwrap();
    std::fs::write(dir.path().join("b-square.png"), png(40, 300)).unwrap();
    // A PNG signature and then nothing an image decoder can read: accepted by the server's
    // sniffer, but no placeholder can be drawn from it.
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend([7; 4000]);
    std::fs::write(dir.path().join("c-broken.png"), broken).unwrap();
    let app = spawn_app().await.signed_in().await;
    let token = app.token_for(&app.client, "write", None).await;
    let (done, text) = run(&app, &token, &[os("import"), dir.path().as_os_str()]).await;
    assert!(done.status.success(), "{text}");
    let media = items(&app).await;
    let shapes: Vec<(String, Option<(usize, usize)>)> = media
        .iter()
        .map(|m| {
            let shape = m["thumbhash"].as_str().map(|hash| {
                let bytes = base64::engine::general_purpose::STANDARD.decode(hash).unwrap();
                let (w, h, _) = thumbhash::thumb_hash_to_rgba(&bytes).unwrap();
                (w, h)
            });
            (m["original_filename"].as_str().unwrap().to_string(), shape)
        })
        .collect();
    assert_eq!(shapes.len(), 3, "{text}");
    let (wide, square, broken) = (shapes[0].1.unwrap(), shapes[1].1.unwrap(), &shapes[2]);
    assert!(wide.0 > wide.1, "a 2:1 photo gives a wide placeholder: {wide:?}");
    assert_eq!(square.0, square.1, "a square image gives a square placeholder");
    assert_eq!(broken, &("c-broken.png".to_string(), None));
}
