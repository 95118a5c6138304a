//! Decoding (with limits), cropping, resizing and encoding a variant. CPU work: callers run it
//! on the blocking pool.

use std::io::Cursor;

use fast_image_resize as fr;
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::OriginError;
use crate::cdn::{FocusCoordinate, Format, Gravity, Transform};

/// A decompression bomb is a small file that claims enormous dimensions; refuse before decoding.
const MAX_SOURCE_PIXELS: u64 = 120_000_000;
const MAX_DECODE_BYTES: u64 = 1024 * 1024 * 1024;
const DEFAULT_QUALITY: u8 = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OutputFormat {
    Jpeg,
    Png,
    Webp,
    /// A cached file: sniff it.
    Unknown,
}

impl OutputFormat {
    pub(super) fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Unknown => "application/octet-stream",
        }
    }
}

/// The variant's bytes, exactly as `/cdn` makes them (for benchmarks and tools).
pub fn render_variant(original: &[u8], transform: &Transform, accepts_webp: bool) -> Result<Vec<u8>, OriginError> {
    render(original, transform, accepts_webp).map(|(bytes, _)| bytes)
}

/// Decode (with limits), crop, resize, encode. Runs on the blocking pool.
pub(super) fn render(
    original: &[u8],
    transform: &Transform,
    accepts_webp: bool,
) -> Result<(Vec<u8>, OutputFormat), OriginError> {
    let reader = ImageReader::new(Cursor::new(original))
        .with_guessed_format()
        .map_err(|e| OriginError::Unprocessable(format!("unreadable image: {e}")))?;
    let source_format = reader.format();
    let (width, height) = ImageReader::new(Cursor::new(original))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(|| OriginError::Unprocessable("not an image format the origin can read".into()))?;
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(OriginError::Unprocessable(format!(
            "the image claims {width}×{height} pixels; at most {MAX_SOURCE_PIXELS} are transformed"
        )));
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let cannot_decode = |e: image::ImageError| OriginError::Unprocessable(format!("cannot decode the image: {e}"));
    let mut decoder = reader.into_decoder().map_err(cannot_decode)?;
    // A camera stores the sensor's rows as they came and says in EXIF how to turn them: the
    // variant is turned upright (and carries no EXIF, so no viewer turns it twice).
    let orientation = image::ImageDecoder::orientation(&mut decoder).unwrap_or(Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(cannot_decode)?;
    decoded.apply_orientation(orientation);

    let cropped = crop(decoded, transform);
    let resized = resize(cropped, transform)?;

    let output = match transform.format {
        Some(Format::Jpeg) => OutputFormat::Jpeg,
        Some(Format::Png) => OutputFormat::Png,
        Some(Format::Webp) => OutputFormat::Webp,
        Some(Format::Auto) if accepts_webp => OutputFormat::Webp,
        _ => match source_format {
            Some(ImageFormat::Png) | Some(ImageFormat::Gif) => OutputFormat::Png,
            Some(ImageFormat::WebP) if resized.color().has_alpha() => OutputFormat::Png,
            _ => OutputFormat::Jpeg,
        },
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
    }
    Ok(out)
}

/// The crop window Bunny would take: `focus_crop`, else `aspect_ratio` (anchored by
/// `crop_gravity`), else `width`+`height` with a gravity means "fill that box".
fn crop(image: DynamicImage, t: &Transform) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    if let Some(focus) = t.focus_crop {
        let cw = focus.width.min(w);
        let ch = focus.height.min(h);
        let fx = match focus.x {
            FocusCoordinate::Pixels(p) => f64::from(p.min(w)),
            FocusCoordinate::Relative(r) => r * f64::from(w),
        };
        let fy = match focus.y {
            FocusCoordinate::Pixels(p) => f64::from(p.min(h)),
            FocusCoordinate::Relative(r) => r * f64::from(h),
        };
        let x = (fx - f64::from(cw) / 2.0).clamp(0.0, f64::from(w - cw)) as u32;
        let y = (fy - f64::from(ch) / 2.0).clamp(0.0, f64::from(h - ch)) as u32;
        return image.crop_imm(x, y, cw, ch);
    }
    let ratio = match (t.aspect_ratio, t.crop_gravity, t.width, t.height) {
        (Some((rw, rh)), _, _, _) => Some(f64::from(rw) / f64::from(rh)),
        (None, Some(_), Some(tw), Some(th)) => Some(f64::from(tw) / f64::from(th)),
        _ => None,
    };
    let Some(ratio) = ratio else { return image };
    let (cw, ch) = if f64::from(w) / f64::from(h) > ratio {
        ((f64::from(h) * ratio).round().max(1.0) as u32, h)
    } else {
        (w, (f64::from(w) / ratio).round().max(1.0) as u32)
    };
    let (ax, ay) = t.crop_gravity.unwrap_or(Gravity::Center).anchor();
    let x = (f64::from(w - cw) * ax).round() as u32;
    let y = (f64::from(h - ch) * ay).round() as u32;
    image.crop_imm(x, y, cw, ch)
}

/// Fits within `width`/`height` keeping the aspect ratio; never enlarges.
fn resize(image: DynamicImage, t: &Transform) -> Result<DynamicImage, OriginError> {
    let (w, h) = (image.width(), image.height());
    let scale_w = t.width.map(|tw| f64::from(tw) / f64::from(w));
    let scale_h = t.height.map(|th| f64::from(th) / f64::from(h));
    let scale = match (scale_w, scale_h) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 1.0,
    }
    .min(1.0);
    if scale >= 1.0 {
        return Ok(image);
    }
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    let source = match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    };
    let mut target = DynamicImage::new(nw, nh, source.color());
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

    #[test]
    fn width_keeps_the_aspect_and_never_upscales() {
        let out = resize(image(2000, 1000), &Transform::width(640)).unwrap();
        assert_eq!((out.width(), out.height()), (640, 320));
        let same = resize(image(300, 200), &Transform::width(640)).unwrap();
        assert_eq!((same.width(), same.height()), (300, 200));
        let both = Transform { width: Some(400), height: Some(100), ..Transform::default() };
        let out = resize(image(2000, 1000), &both).unwrap();
        assert_eq!((out.width(), out.height()), (200, 100), "the smaller of the two fits");
    }

    #[test]
    fn aspect_ratio_crops_around_the_gravity() {
        let t = Transform { aspect_ratio: Some((1, 1)), crop_gravity: Some(Gravity::West), ..Transform::default() };
        let out = crop(image(400, 200), &t);
        assert_eq!((out.width(), out.height()), (200, 200));
        // West: the left edge is kept, so the first pixel is still x = 0.
        assert_eq!(out.to_rgb8().get_pixel(0, 0).0[0], 0);
        let east = Transform { crop_gravity: Some(Gravity::East), ..t };
        assert_eq!(crop(image(400, 200), &east).to_rgb8().get_pixel(0, 0).0[0], 200);
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
        let out = crop(image(400, 200), &t);
        assert_eq!((out.width(), out.height()), (100, 100));
        assert_eq!(out.to_rgb8().get_pixel(0, 0).0[0], 44, "clamped to the right edge: x starts at 300");
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
        let err = render(&png, &Transform::width(100), false).unwrap_err();
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
