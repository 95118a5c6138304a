//! An original read into upright pixels, no bigger than the variant needs:
//! - a JPEG is decoded at 1/2, 1/4 or 1/8 of its size straight from its DCT coefficients when
//!   the variant is that much smaller (what libvips calls shrink-on-load): a 640-px variant of a
//!   24 MP photo decodes 750×500 pixels instead of 6000×4000;
//! - HEIC/HEIF (every iPhone since 2017) and AVIF through libheif (C; no maintained pure-Rust
//!   HEVC decoder exists), which also applies the file's rotation and mirroring;
//! - everything else (PNG, GIF, WebP, TIFF) whole through `image`.
//!
//! EXIF orientation is honoured, as browsers do. CPU work: callers run it on the blocking pool.

use std::io::{Cursor, Read};

use image::metadata::Orientation;
use image::{DynamicImage, ImageReader, Limits, RgbImage, RgbaImage};

use super::OriginError;

/// A decompression bomb is a small file that claims enormous dimensions; refuse before decoding.
pub const MAX_SOURCE_PIXELS: u64 = 120_000_000;
const MAX_DECODE_BYTES: u64 = 1024 * 1024 * 1024;

/// What a source's bytes are, from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Jpeg,
    /// HEIC, HEIF or AVIF: an ISO base media file whose brand names an image.
    Heif,
    /// PNG and GIF: pictures whose pixels must come out exactly (PNG variants).
    Lossless,
    /// WebP, TIFF and whatever else `image` reads.
    Other,
}

impl SourceKind {
    pub fn sniff(bytes: &[u8]) -> SourceKind {
        const HEIF_BRANDS: &[&[u8; 4]] =
            &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"];
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            SourceKind::Jpeg
        } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && HEIF_BRANDS.iter().any(|b| &bytes[8..12] == *b) {
            SourceKind::Heif
        } else if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"GIF8") {
            SourceKind::Lossless
        } else {
            SourceKind::Other
        }
    }
}

/// The pixels, upright, and how they relate to the original's.
pub struct Decoded {
    pub image: DynamicImage,
    /// The original's upright width and height.
    pub width: u32,
    pub height: u32,
    pub kind: SourceKind,
}

impl Decoded {
    /// Decoded pixels per original pixel, across and down (below 1 when shrunk on load).
    pub fn scale(&self) -> (f64, f64) {
        (f64::from(self.image.width()) / f64::from(self.width), f64::from(self.image.height()) / f64::from(self.height))
    }
}

/// Decodes `bytes`; `wanted_scale(width, height)` says, from the upright size, the smallest
/// fraction of it the caller needs (1.0: every pixel). Only JPEG can decode smaller.
pub fn decode(bytes: &[u8], wanted_scale: impl FnOnce(u32, u32) -> f64) -> Result<Decoded, OriginError> {
    match SourceKind::sniff(bytes) {
        SourceKind::Jpeg => jpeg(bytes, wanted_scale),
        SourceKind::Heif => heif(bytes),
        kind => whole(bytes, kind),
    }
}

fn check_pixels(width: u32, height: u32) -> Result<(), OriginError> {
    if u64::from(width) * u64::from(height) > MAX_SOURCE_PIXELS {
        return Err(OriginError::Unprocessable(format!(
            "the image claims {width}×{height} pixels; at most {MAX_SOURCE_PIXELS} are transformed"
        )));
    }
    Ok(())
}

fn cannot_decode(e: impl std::fmt::Display) -> OriginError {
    OriginError::Unprocessable(format!("cannot decode the image: {e}"))
}

fn jpeg(bytes: &[u8], wanted_scale: impl FnOnce(u32, u32) -> f64) -> Result<Decoded, OriginError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(cannot_decode)?;
    let info = decoder.info().ok_or_else(|| cannot_decode("no header"))?;
    let (stored_w, stored_h) = (u32::from(info.width), u32::from(info.height));
    check_pixels(stored_w, stored_h)?;
    let orientation = decoder.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    let quarter_turn = matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    );
    let (width, height) = if quarter_turn { (stored_h, stored_w) } else { (stored_w, stored_h) };
    let scale = wanted_scale(width, height).clamp(0.0, 1.0);
    // The decoder picks the smallest of 1/8, 2/8 … 8/8 that is at least this big on both sides.
    let at_least = |side: u32| u16::try_from((f64::from(side) * scale).ceil() as u32).unwrap_or(u16::MAX).max(1);
    decoder.scale(at_least(stored_w), at_least(stored_h)).map_err(cannot_decode)?;
    let image = jpeg_pixels(&mut decoder)?;
    let mut image = DynamicImage::ImageRgb8(image);
    image.apply_orientation(orientation);
    Ok(Decoded { image, width, height, kind: SourceKind::Jpeg })
}

/// Decodes a JPEG whose header (and scale) the decoder has read, as RGB.
pub fn jpeg_pixels<R: Read>(decoder: &mut jpeg_decoder::Decoder<R>) -> Result<RgbImage, OriginError> {
    let decoded = decoder.decode().map_err(cannot_decode)?;
    let info = decoder.info().ok_or_else(|| cannot_decode("no header"))?;
    let rgb: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => decoded,
        jpeg_decoder::PixelFormat::L8 => decoded.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::L16 => decoded.chunks_exact(2).flat_map(|l| [l[0], l[0], l[0]]).collect(),
        // Adobe's CMYK JPEGs are stored inverted.
        jpeg_decoder::PixelFormat::CMYK32 => decoded
            .chunks_exact(4)
            .flat_map(|p| {
                let k = u16::from(p[3]);
                [p[0], p[1], p[2]].map(|c| (u16::from(c) * k / 255) as u8)
            })
            .collect(),
    };
    RgbImage::from_raw(u32::from(info.width), u32::from(info.height), rgb).ok_or_else(|| cannot_decode("short data"))
}

fn heif(bytes: &[u8]) -> Result<Decoded, OriginError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let context = HeifContext::read_from_bytes(bytes).map_err(cannot_decode)?;
    let handle = context.primary_image_handle().map_err(cannot_decode)?;
    // The handle's size is after the file's own rotation: the size it is shown at.
    check_pixels(handle.width(), handle.height())?;
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha { RgbChroma::Rgba } else { RgbChroma::Rgb };
    let decoded = LibHeif::new().decode(&handle, ColorSpace::Rgb(chroma), None).map_err(cannot_decode)?;
    let planes = decoded.planes();
    let plane = planes.interleaved.ok_or_else(|| cannot_decode("no interleaved plane"))?;
    let channels = if alpha { 4 } else { 3 };
    let row = plane.width as usize * channels;
    let mut pixels = Vec::with_capacity(row * plane.height as usize);
    for y in 0..plane.height as usize {
        pixels.extend_from_slice(&plane.data[y * plane.stride..y * plane.stride + row]);
    }
    let image = if alpha {
        DynamicImage::ImageRgba8(
            RgbaImage::from_raw(plane.width, plane.height, pixels).ok_or_else(|| cannot_decode("short"))?,
        )
    } else {
        DynamicImage::ImageRgb8(
            RgbImage::from_raw(plane.width, plane.height, pixels).ok_or_else(|| cannot_decode("short"))?,
        )
    };
    let (width, height) = (image.width(), image.height());
    Ok(Decoded { image, width, height, kind: SourceKind::Heif })
}

fn whole(bytes: &[u8], kind: SourceKind) -> Result<Decoded, OriginError> {
    let unreadable = || OriginError::Unprocessable("not an image format the origin can read".into());
    let (stored_w, stored_h) = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()
        .and_then(|r| r.into_dimensions().ok())
        .ok_or_else(unreadable)?;
    check_pixels(stored_w, stored_h)?;
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| unreadable())?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(stored_w);
    limits.max_image_height = Some(stored_h);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(cannot_decode)?;
    // A camera stores the sensor's rows as they came and says in EXIF how to turn them: the
    // variant is turned upright (and carries no EXIF, so no viewer turns it twice).
    let orientation = image::ImageDecoder::orientation(&mut decoder).unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(cannot_decode)?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    Ok(Decoded { image, width, height, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn jpeg_bytes(width: u32, height: u32) -> Vec<u8> {
        let image =
            RgbImage::from_fn(
                width,
                height,
                |x, _| {
                    if x < width / 2 {
                        [200, 30, 30].into()
                    } else {
                        [30, 30, 200].into()
                    }
                },
            );
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&image).unwrap();
        out
    }

    #[test]
    fn a_jpeg_decodes_no_bigger_than_needed() {
        let decoded = decode(&jpeg_bytes(1600, 1200), |_, _| 0.1).unwrap();
        assert_eq!((decoded.width, decoded.height), (1600, 1200));
        assert_eq!((decoded.image.width(), decoded.image.height()), (200, 150), "an eighth is enough for a tenth");
        let half = decode(&jpeg_bytes(1600, 1200), |_, _| 0.4).unwrap();
        assert_eq!((half.image.width(), half.image.height()), (800, 600), "a half for 0.4");
        let whole = decode(&jpeg_bytes(1600, 1200), |_, _| 0.9).unwrap();
        assert_eq!((whole.image.width(), whole.image.height()), (1600, 1200));
        let rgb = decoded.image.to_rgb8();
        assert!(rgb.get_pixel(10, 75)[0] > 150 && rgb.get_pixel(190, 75)[2] > 150, "the photo's pixels");
    }

    #[test]
    fn sources_are_told_apart_by_their_first_bytes() {
        assert_eq!(SourceKind::sniff(&jpeg_bytes(8, 8)), SourceKind::Jpeg);
        assert_eq!(SourceKind::sniff(b"\0\0\0\x1cftypheic\0\0\0\0mif1heic"), SourceKind::Heif);
        assert_eq!(SourceKind::sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), SourceKind::Heif);
        assert_eq!(SourceKind::sniff(b"\0\0\0\x1cftypisom\0\0\0\0"), SourceKind::Other, "an MP4 is not an image");
        assert_eq!(SourceKind::sniff(b"\x89PNG\r\n"), SourceKind::Lossless);
        assert_eq!(SourceKind::sniff(b"II*\0"), SourceKind::Other);
    }
}
