//! `make bench`: image delivery. The origin's time to make a 640-px variant of a 24-megapixel
//! JPEG vs `vipsthumbnail`. (A cached variant vs nginx: `benches/http.rs`; the library's
//! queries at a million items: `benches/library.rs`.)

use std::process::Command;
use std::time::{Duration, Instant};

use vitrine::cdn::Transform;

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

fn main() {
    println!(
        "Vitrine delivery benchmarks ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    let jpeg = big_jpeg();
    resize_vs_vips(&jpeg, dir.path());
}
