//! An image decoded small and cheaply, for a placeholder: a JPEG at 1/2, 1/4 or 1/8 of its size
//! straight from its DCT coefficients (what libvips calls shrink-on-load), so a 24 MP photo costs
//! about a 64th of its pixels; PNG, GIF, WebP and TIFF whole, within a pixel budget; HEIC and
//! AVIF whole through libheif, one at a time (the browser cannot decode them, so the server makes
//! their placeholders). EXIF orientation is honoured, as the browser's decoder does. CPU work:
//! callers run it on the blocking pool.

use std::io::{BufReader, Read, Seek};
use std::sync::{Mutex, MutexGuard};

use base64::Engine;
use image::metadata::Orientation;
use image::{DynamicImage, ImageReader, Limits};

/// The longest side of the image a ThumbHash is made from (the browser draws it at this size).
pub const THUMBHASH_SIDE: u32 = 100;
/// Largest image of a format without scaled decoding that is decoded for a placeholder
/// (12 MP: 48 MB as RGBA). Bigger ones get no placeholder rather than a memory spike.
const MAX_WHOLE_PIXELS: u64 = 12_000_000;
/// A progressive JPEG keeps every coefficient of the whole image while it decodes (2 bytes a
/// sample, whatever the scale): above this many pixels it gets no placeholder.
const MAX_PROGRESSIVE_PIXELS: u64 = 12_000_000;

/// Whole decodes run one at a time, so several files in flight never hold several of them.
static WHOLE_DECODE: Mutex<()> = Mutex::new(());

/// Waits for this instance's turn to decode a whole image (see `WHOLE_DECODE`).
pub fn whole_decode_turn() -> MutexGuard<'static, ()> {
    WHOLE_DECODE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A ThumbHash (standard base64, as the browser sends it) of the image `content_type` in
/// `source`; `None` for a type this reader does not decode or a broken file.
pub fn thumbhash<R: Read + Seek>(source: R, content_type: &str) -> Option<String> {
    decode_small(source, content_type, THUMBHASH_SIDE).map(|image| thumbhash_of(&image))
}

/// The ThumbHash of decoded pixels.
pub fn thumbhash_of(image: &DynamicImage) -> String {
    let small = image.thumbnail(THUMBHASH_SIDE, THUMBHASH_SIDE).to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(small.width() as usize, small.height() as usize, small.as_raw());
    base64::engine::general_purpose::STANDARD.encode(hash)
}

/// The image, upright, at least `side` pixels on its longer side where it is that big (a JPEG
/// may come out at up to 8 times that; other formats at full size).
pub fn decode_small<R: Read + Seek>(source: R, content_type: &str, side: u32) -> Option<DynamicImage> {
    match content_type {
        "image/jpeg" => jpeg_scaled(source, side),
        "image/png" | "image/gif" | "image/webp" | "image/tiff" => whole(source),
        // The browser cannot decode these: the server makes their placeholder.
        "image/heic" | "image/heif" | "image/avif" => heif(source),
        _ => None,
    }
}

fn jpeg_scaled<R: Read>(source: R, side: u32) -> Option<DynamicImage> {
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::with_capacity(64 * 1024, source));
    decoder.read_info().ok()?;
    let info = decoder.info()?;
    let pixels = u64::from(info.width) * u64::from(info.height);
    if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive && pixels > MAX_PROGRESSIVE_PIXELS {
        return None;
    }
    let side = u16::try_from(side).unwrap_or(u16::MAX);
    decoder.scale(side, side).ok()?;
    let mut image = DynamicImage::ImageRgb8(super::decode::jpeg_pixels(&mut decoder).ok()?);
    if let Some(orientation) = decoder.exif_data().and_then(Orientation::from_exif_chunk) {
        image.apply_orientation(orientation);
    }
    Some(image)
}

fn heif<R: Read>(mut source: R) -> Option<DynamicImage> {
    let mut bytes = Vec::new();
    source.read_to_end(&mut bytes).ok()?;
    if super::decode::SourceKind::sniff(&bytes) != super::decode::SourceKind::Heif {
        return None;
    }
    let _one_at_a_time = whole_decode_turn();
    super::decode::decode(&bytes, |_, _| 1.0).ok().map(|decoded| decoded.image)
}

fn whole<R: Read + Seek>(source: R) -> Option<DynamicImage> {
    let mut reader = ImageReader::new(BufReader::new(source)).with_guessed_format().ok()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_WHOLE_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    if u64::from(width) * u64::from(height) > MAX_WHOLE_PIXELS {
        return None;
    }
    let orientation = image::ImageDecoder::orientation(&mut decoder).unwrap_or(Orientation::NoTransforms);
    let _one_at_a_time = whole_decode_turn();
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    image.apply_orientation(orientation);
    Some(image)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::RgbImage;

    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image =
            RgbImage::from_fn(
                width,
                height,
                |x, _| if x < width / 2 { [200, 30, 30].into() } else { [30, 30, 200].into() },
            );
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&image).unwrap();
        out
    }

    #[test]
    fn a_big_jpeg_is_decoded_at_an_eighth() {
        let image = decode_small(Cursor::new(jpeg(1600, 1200)), "image/jpeg", 100).unwrap();
        assert_eq!((image.width(), image.height()), (200, 150));
        // Left red, right blue: the pixels are the photo's, not a blank.
        let rgb = image.to_rgb8();
        assert!(rgb.get_pixel(10, 75)[0] > 150 && rgb.get_pixel(190, 75)[2] > 150);
    }

    #[test]
    fn a_small_jpeg_is_decoded_whole() {
        let image = decode_small(Cursor::new(jpeg(80, 60)), "image/jpeg", 100).unwrap();
        assert_eq!((image.width(), image.height()), (80, 60));
    }

    /// A JPEG with an EXIF APP1 segment saying "rotate 90° clockwise to show" (orientation 6).
    fn turned_jpeg(width: u32, height: u32) -> Vec<u8> {
        let plain = jpeg(width, height);
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend([0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let length = u16::try_from(app1.len() + 2).unwrap().to_be_bytes();
        let mut out = plain[..2].to_vec();
        out.extend([0xFF, 0xE1, length[0], length[1]]);
        out.extend(app1);
        out.extend(&plain[2..]);
        out
    }

    #[test]
    fn exif_orientation_is_honoured() {
        let image = decode_small(Cursor::new(turned_jpeg(160, 80)), "image/jpeg", 100).unwrap();
        assert_eq!((image.width(), image.height()), (80, 160));
        // The left (red) half of the stored image is the top after a clockwise quarter turn.
        let rgb = image.to_rgb8();
        assert!(rgb.get_pixel(40, 10)[0] > 150 && rgb.get_pixel(40, 150)[2] > 150);
    }

    #[test]
    fn thumbhashes_are_made_for_readable_types_only() {
        let hash = thumbhash(Cursor::new(jpeg(640, 480)), "image/jpeg").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD.decode(hash).unwrap();
        let (w, h, _) = thumbhash::thumb_hash_to_rgba(&bytes).unwrap();
        assert!(w > h, "a landscape photo gives a landscape placeholder ({w}x{h})");
        assert_eq!(thumbhash(Cursor::new(jpeg(64, 64)), "image/heic"), None, "a JPEG is not a HEIC");
        assert_eq!(thumbhash(Cursor::new(b"not a picture".to_vec()), "image/jpeg"), None);
        assert_eq!(thumbhash(Cursor::new(b"not a picture".to_vec()), "image/png"), None);
    }

    #[test]
    fn a_png_over_the_pixel_budget_gets_no_placeholder() {
        let mut out = Vec::new();
        // 4000 x 4000 of one colour compresses to a few KB but claims 16 MP.
        let image = image::GrayImage::new(4000, 4000);
        image.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        assert!(out.len() < 200_000);
        assert_eq!(thumbhash(Cursor::new(out), "image/png"), None);
    }
}
