//! Cropping, resizing and encoding a variant from an original decoded no bigger than it needs
//! (`decode`). CPU work: callers run it on the blocking pool.

use std::io::Cursor;

use fast_image_resize as fr;
use image::{DynamicImage, ImageFormat};

use super::decode::{decode, SourceKind};
use super::OriginError;
use crate::cdn::{FocusCoordinate, Format, Gravity, Transform};

const DEFAULT_QUALITY: u8 = 80;
/// AVIF encoding costs tens of times WebP's (`make bench` prints it); above this many output
/// pixels a variant asked for as AVIF comes as WebP, as Bunny caps AVIF output at 4 MP.
pub const AVIF_MAX_PIXELS: u64 = 4_000_000;
/// libaom's speed (0 slowest … 9 fastest): a variant is encoded while a browser waits.
const AVIF_SPEED: i32 = 8;

/// What `format=auto` becomes for one browser, from its `Accept` header: AVIF, else WebP, else
/// the original's format. The one rule; the cache keeps one file per answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFormat {
    Original,
    Webp,
    Avif,
}

impl AutoFormat {
    pub fn negotiate(transform: &Transform, accept: Option<&str>) -> AutoFormat {
        let accept = accept.unwrap_or_default();
        match transform.format {
            Some(Format::Auto) if accept.contains("image/avif") => AutoFormat::Avif,
            Some(Format::Auto) if accept.contains("image/webp") => AutoFormat::Webp,
            _ => AutoFormat::Original,
        }
    }

    /// `<separator>webp`, `<separator>avif` or nothing: what tells a variant's cache entries apart.
    pub(super) fn suffix(self, separator: &str) -> String {
        match self {
            AutoFormat::Original => String::new(),
            AutoFormat::Webp => format!("{separator}webp"),
            AutoFormat::Avif => format!("{separator}avif"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OutputFormat {
    Jpeg,
    Png,
    Webp,
    Avif,
    /// A cached file: sniff it.
    Unknown,
}

impl OutputFormat {
    pub(super) fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Avif => "image/avif",
            OutputFormat::Unknown => "application/octet-stream",
        }
    }
}

/// The variant's bytes, exactly as `/cdn` makes them (for benchmarks and tools).
pub fn render_variant(original: &[u8], transform: &Transform, auto: AutoFormat) -> Result<Vec<u8>, OriginError> {
    render(original, transform, auto).map(|(bytes, _)| bytes)
}

/// A rectangle of the upright original, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

/// Decode (no bigger than needed, with limits), crop, resize (Lanczos3), encode.
pub(super) fn render(
    original: &[u8],
    transform: &Transform,
    auto: AutoFormat,
) -> Result<(Vec<u8>, OutputFormat), OriginError> {
    let decoded = decode(original, |w, h| {
        let window = crop_window(w, h, transform);
        let (out_w, out_h) = output_size(&window, transform);
        (f64::from(out_w) / window.width).max(f64::from(out_h) / window.height)
    })?;
    let window = crop_window(decoded.width, decoded.height, transform);
    let (out_w, out_h) = output_size(&window, transform);
    let (sx, sy) = decoded.scale();
    let kind = decoded.kind;
    let image = decoded.image;
    // The window in decoded pixels (the same rectangle when nothing was shrunk on load).
    let x = ((window.x * sx).floor() as u32).min(image.width() - 1);
    let y = ((window.y * sy).floor() as u32).min(image.height() - 1);
    let w = ((window.width * sx).round() as u32).clamp(1, image.width() - x);
    let h = ((window.height * sy).round() as u32).clamp(1, image.height() - y);
    let cropped =
        if (x, y, w, h) == (0, 0, image.width(), image.height()) { image } else { image.crop_imm(x, y, w, h) };
    let resized = resize(cropped, out_w, out_h)?;

    let output = match transform.format {
        Some(Format::Jpeg) => OutputFormat::Jpeg,
        Some(Format::Png) => OutputFormat::Png,
        Some(Format::Webp) => OutputFormat::Webp,
        Some(Format::Avif) => OutputFormat::Avif,
        Some(Format::Auto) if auto == AutoFormat::Avif => OutputFormat::Avif,
        Some(Format::Auto) if auto == AutoFormat::Webp => OutputFormat::Webp,
        _ if kind == SourceKind::Lossless || resized.color().has_alpha() => OutputFormat::Png,
        _ => OutputFormat::Jpeg,
    };
    let output = if output == OutputFormat::Avif && u64::from(out_w) * u64::from(out_h) > AVIF_MAX_PIXELS {
        OutputFormat::Webp
    } else {
        output
    };
    let quality = transform.quality.unwrap_or(DEFAULT_QUALITY);
    encode(&resized, output, quality).map(|bytes| (bytes, output))
}

fn encode(image: &DynamicImage, format: OutputFormat, quality: u8) -> Result<Vec<u8>, OriginError> {
    let mut out = Vec::new();
    match format {
        OutputFormat::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                .encode_image(&rgb)
                .map_err(|e| OriginError::Internal(e.to_string()))?;
        }
        OutputFormat::Png | OutputFormat::Unknown => {
            image
                .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
                .map_err(|e| OriginError::Internal(e.to_string()))?;
        }
        OutputFormat::Webp => {
            let rgba = image.to_rgba8();
            let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
            out = encoder.encode(f32::from(quality)).to_vec();
        }
        OutputFormat::Avif => out = encode_heif(image, libheif_rs::CompressionFormat::Av1, quality)?,
    }
    Ok(out)
}

/// AVIF (AV1, libaom) or HEIC (HEVC, x265) through libheif: the origin's AVIF variants, and the
/// HEIC and AVIF files tests and benchmarks upload.
pub fn encode_heif(
    image: &DynamicImage,
    format: libheif_rs::CompressionFormat,
    quality: u8,
) -> Result<Vec<u8>, OriginError> {
    use libheif_rs::{
        Channel, ColorSpace, CompressionFormat, EncoderParameterValue, EncoderQuality, HeifContext, Image, LibHeif,
        RgbChroma,
    };
    let failed = |e: libheif_rs::HeifError| OriginError::Internal(format!("HEIF encoding: {e}"));
    let alpha = image.color().has_alpha();
    let (width, height) = (image.width(), image.height());
    let (pixels, channels, chroma) = if alpha {
        (image.to_rgba8().into_raw(), 4, RgbChroma::Rgba)
    } else {
        (image.to_rgb8().into_raw(), 3, RgbChroma::Rgb)
    };
    let mut frame = Image::new(width, height, ColorSpace::Rgb(chroma)).map_err(failed)?;
    frame.create_plane(Channel::Interleaved, width, height, 8).map_err(failed)?;
    {
        let mut planes = frame.planes_mut();
        let plane = planes.interleaved.as_mut().ok_or_else(|| OriginError::Internal("no plane".into()))?;
        let row = width as usize * channels;
        for (y, source) in pixels.chunks_exact(row).enumerate() {
            plane.data[y * plane.stride..y * plane.stride + row].copy_from_slice(source);
        }
    }
    let heif = LibHeif::new();
    let mut encoder = heif.encoder_for_format(format).map_err(failed)?;
    encoder.set_quality(EncoderQuality::Lossy(quality)).map_err(failed)?;
    if format == CompressionFormat::Av1 {
        encoder.set_parameter_value("speed", EncoderParameterValue::Int(AVIF_SPEED)).map_err(failed)?;
    }
    let mut context = HeifContext::new().map_err(failed)?;
    context.encode_image(&frame, &mut encoder, None).map_err(failed)?;
    context.write_to_bytes().map_err(failed)
}

/// The crop window Bunny would take in a `width`×`height` image: `focus_crop`, else
/// `aspect_ratio` (anchored by `crop_gravity`), else `width`+`height` with a gravity means
/// "fill that box"; else the whole image.
fn crop_window(width: u32, height: u32, t: &Transform) -> Window {
    let (w, h) = (f64::from(width), f64::from(height));
    if let Some(focus) = t.focus_crop {
        let cw = f64::from(focus.width.min(width));
        let ch = f64::from(focus.height.min(height));
        let fx = match focus.x {
            FocusCoordinate::Pixels(p) => f64::from(p.min(width)),
            FocusCoordinate::Relative(r) => r * w,
        };
        let fy = match focus.y {
            FocusCoordinate::Pixels(p) => f64::from(p.min(height)),
            FocusCoordinate::Relative(r) => r * h,
        };
        let (x, y) = crate::model::focus::centre_window(w, h, cw, ch, fx, fy);
        return Window { x, y, width: cw, height: ch };
    }
    let ratio = match (t.aspect_ratio, t.crop_gravity, t.width, t.height) {
        (Some((rw, rh)), _, _, _) => Some(f64::from(rw) / f64::from(rh)),
        (None, Some(_), Some(tw), Some(th)) => Some(f64::from(tw) / f64::from(th)),
        _ => None,
    };
    let Some(ratio) = ratio else { return Window { x: 0.0, y: 0.0, width: w, height: h } };
    let (cw, ch) = if w / h > ratio { ((h * ratio).round().max(1.0), h) } else { (w, (w / ratio).round().max(1.0)) };
    let (ax, ay) = t.crop_gravity.unwrap_or(Gravity::Center).anchor();
    Window { x: ((w - cw) * ax).round(), y: ((h - ch) * ay).round(), width: cw, height: ch }
}

/// The variant's size: the window fitted within `width`/`height`, keeping its aspect ratio;
/// never enlarged.
fn output_size(window: &Window, t: &Transform) -> (u32, u32) {
    let scale_w = t.width.map(|tw| f64::from(tw) / window.width);
    let scale_h = t.height.map(|th| f64::from(th) / window.height);
    let scale = match (scale_w, scale_h) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 1.0,
    }
    .min(1.0);
    (((window.width * scale).round() as u32).max(1), ((window.height * scale).round() as u32).max(1))
}

/// Resizes to exactly `width`×`height` with Lanczos3 (nothing to do if it is that size).
fn resize(image: DynamicImage, width: u32, height: u32) -> Result<DynamicImage, OriginError> {
    if (image.width(), image.height()) == (width, height) {
        return Ok(image);
    }
    let source = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut target = DynamicImage::new(width, height, source.color());
    let mut resizer = fr::Resizer::new();
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    resizer.resize(&source, &mut target, &options).map_err(|e| OriginError::Internal(e.to_string()))?;
    Ok(target)
}

/// Width and height from the first bytes of an image (a Range GET's worth), if its header
/// says them there.
pub fn dimensions_from_prefix(prefix: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(prefix).ok()?;
    let (w, h) = (u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?);
    // A damaged header can claim anything; no real image is this large on a side (and the
    // columns hold 32-bit signed values).
    const MAX_SIDE: u32 = 1 << 20;
    (w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_dimensions_from_a_damaged_header_are_ignored() {
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend(0xF000_0000u32.to_be_bytes());
        png.extend(100u32.to_be_bytes());
        png.extend([8, 2, 0, 0, 0]);
        assert_eq!(dimensions_from_prefix(&png), None);
    }

    fn image(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }))
    }

    fn whole(w: u32, h: u32) -> Window {
        Window { x: 0.0, y: 0.0, width: f64::from(w), height: f64::from(h) }
    }

    #[test]
    fn width_keeps_the_aspect_and_never_upscales() {
        assert_eq!(output_size(&whole(2000, 1000), &Transform::width(640)), (640, 320));
        assert_eq!(output_size(&whole(300, 200), &Transform::width(640)), (300, 200));
        let both = Transform { width: Some(400), height: Some(100), ..Transform::default() };
        assert_eq!(output_size(&whole(2000, 1000), &both), (200, 100), "the smaller of the two fits");
    }

    #[test]
    fn aspect_ratio_crops_around_the_gravity() {
        let t = Transform { aspect_ratio: Some((1, 1)), crop_gravity: Some(Gravity::West), ..Transform::default() };
        assert_eq!(crop_window(400, 200, &t), Window { x: 0.0, y: 0.0, width: 200.0, height: 200.0 });
        let east = Transform { crop_gravity: Some(Gravity::East), ..t };
        assert_eq!(crop_window(400, 200, &east).x, 200.0);
    }

    #[test]
    fn focus_crop_centres_on_the_point_but_stays_inside() {
        let t = Transform {
            focus_crop: Some(crate::cdn::FocusCrop {
                width: 100,
                height: 100,
                x: FocusCoordinate::Relative(0.99),
                y: FocusCoordinate::Pixels(50),
            }),
            ..Transform::default()
        };
        assert_eq!(
            crop_window(400, 200, &t),
            Window { x: 300.0, y: 0.0, width: 100.0, height: 100.0 },
            "clamped right"
        );
    }

    fn jpeg(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95).encode_image(&img.to_rgb8()).unwrap();
        out
    }

    #[test]
    fn a_variant_shrunk_on_load_is_the_size_asked_and_the_crop_asked() {
        // Left half red, right half blue, 3200×1600.
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(3200, 1600, |x, _| {
            if x < 1600 {
                image::Rgb([220, 20, 20])
            } else {
                image::Rgb([20, 20, 220])
            }
        }));
        let original = jpeg(&img);
        let out =
            image::load_from_memory(&render_variant(&original, &Transform::width(300), AutoFormat::Original).unwrap())
                .unwrap();
        assert_eq!((out.width(), out.height()), (300, 150));
        // A square of the right half (decoded at an eighth, the window is mapped to it).
        let t = Transform {
            width: Some(100),
            aspect_ratio: Some((1, 1)),
            crop_gravity: Some(Gravity::East),
            ..Transform::default()
        };
        let out =
            image::load_from_memory(&render_variant(&original, &t, AutoFormat::Original).unwrap()).unwrap().to_rgb8();
        assert_eq!((out.width(), out.height()), (100, 100));
        assert!(out.get_pixel(5, 50)[2] > 180 && out.get_pixel(95, 50)[2] > 180, "all blue: the right half");
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid PNG header claiming 100000×100000 pixels, with almost no data behind it.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8)
            .unwrap();
        use image::ImageEncoder;
        // IHDR width/height live at bytes 16..24; the CRC no longer matches, which a reader that
        // trusts the header before decoding still reads past.
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let err = render(&png, &Transform::width(100), AutoFormat::Original).unwrap_err();
        assert!(matches!(err, OriginError::Unprocessable(_)), "{err:?}");
    }

    #[test]
    fn dimensions_come_from_the_header_alone() {
        let mut png = Vec::new();
        image(640, 480).write_to(&mut Cursor::new(&mut png), ImageFormat::Png).unwrap();
        assert_eq!(dimensions_from_prefix(&png[..64]), Some((640, 480)));
        assert_eq!(dimensions_from_prefix(b"not an image"), None);
    }
}
