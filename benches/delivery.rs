//! `make bench`: image delivery. The origin's time and peak memory to make a 640-px variant of a
//! 24-megapixel JPEG, side by side with `vipsthumbnail` in the same run; what AVIF, WebP and JPEG
//! encoding cost at several sizes (why AVIF is capped). (A cached variant vs nginx:
//! `benches/http.rs`; the library's queries at a million items: `benches/library.rs`.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vitrine::cdn::{Format, Transform};
use vitrine::server::images::{render_variant, AutoFormat, AVIF_MAX_PIXELS};

/// Counts the bytes allocated at once, so one resize's peak heap can be read.
struct Peak;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Peak = Peak;

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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The peak resident memory of the largest child process waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    let mut usage = unsafe { std::mem::zeroed::<libc::rusage>() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
}

const MB: f64 = 1024.0 * 1024.0;

fn resize_vs_vips(jpeg: &[u8], dir: &std::path::Path) {
    let path = dir.join("big.jpg");
    std::fs::write(&path, jpeg).unwrap();
    let out = dir.join("thumb.jpg");
    let transform = Transform::width(640);
    let vips_run = || {
        let t = Instant::now();
        let status = Command::new("vipsthumbnail")
            .arg(&path)
            .args(["--size", "640", "-o"])
            .arg(format!("{}[Q=80]", out.display()))
            .status();
        status.ok().filter(|s| s.success()).map(|_| t.elapsed())
    };
    let ours_run = || {
        let baseline = IN_USE.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let t = Instant::now();
        let out = render_variant(jpeg, &transform, AutoFormat::Original).unwrap();
        let elapsed = t.elapsed();
        assert!(!out.is_empty());
        (elapsed, PEAK.load(Ordering::Relaxed) - baseline)
    };
    // Alternating, so both see the same machine; one warm-up each.
    let _ = (ours_run(), vips_run());
    let (mut ours, mut vips, mut peak) = (Vec::new(), Vec::new(), 0);
    for _ in 0..7 {
        let (elapsed, heap) = ours_run();
        ours.push(elapsed);
        peak = peak.max(heap);
        if let Some(v) = vips_run() {
            vips.push(v);
        }
    }
    let ours = median(ours);
    println!("  640-px variant of a 6000×4000 JPEG ({} KB), median of 7, alternating", jpeg.len() / 1024);
    println!(
        "    Vitrine origin (shrink-on-load, Lanczos3, JPEG q80, in process): {:>7.1} ms  peak heap {:>6.1} MB",
        ms(ours),
        peak as f64 / MB
    );
    if vips.len() < 7 {
        println!("    vipsthumbnail not available (apt-get install libvips-tools)");
        return;
    }
    let vips = median(vips);
    println!(
        "    vipsthumbnail --size 640 (a whole process):                    {:>7.1} ms  peak RSS  {:>6.1} MB",
        ms(vips),
        children_peak_rss() as f64 / MB
    );
    let ratio = ours.as_secs_f64() / vips.as_secs_f64();
    println!("    ratio Vitrine / vips: {ratio:.2}  (goal <= 1.0){}", if ratio <= 1.0 { "  met" } else { "  NOT MET" });
    println!("    (peak heap: bytes allocated at once during one resize, the 24 MP original's bytes excluded)");
}

/// What each output format costs to encode at several sizes (from the same original).
fn encode_costs(jpeg: &[u8]) {
    println!("  encoding a variant of the same JPEG, median of 3 (decode and resize included)");
    for width in [640u32, 1280, 2400] {
        let pixels = u64::from(width) * u64::from(width * 2 / 3);
        let mut line = format!("    {width:>4} px ({:.1} MP):", pixels as f64 / 1e6);
        for format in [Format::Jpeg, Format::Webp, Format::Avif] {
            let transform = Transform { width: Some(width), format: Some(format), ..Transform::default() };
            let mut size = 0;
            let took = median(
                (0..3)
                    .map(|_| {
                        let t = Instant::now();
                        size = render_variant(jpeg, &transform, AutoFormat::Original).unwrap().len();
                        t.elapsed()
                    })
                    .collect(),
            );
            line.push_str(&format!("  {} {:>6.1} ms {:>5} KB", format.as_str(), ms(took), size / 1024));
        }
        println!("{line}");
    }
    println!(
        "    AVIF is made up to {:.0} MP of output (Bunny's cap); a bigger variant asked as AVIF comes as WebP",
        AVIF_MAX_PIXELS as f64 / 1e6
    );
}

fn main() {
    println!(
        "Vitrine delivery benchmarks ({} cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let dir = tempfile::tempdir().unwrap();
    let jpeg = big_jpeg();
    resize_vs_vips(&jpeg, dir.path());
    encode_costs(&jpeg);
}
