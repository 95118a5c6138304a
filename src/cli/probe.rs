//! What the command line learns of a file before completing it, as the browser's uploader does:
//! an image's ThumbHash (the server's own small-image reader), a video's displayed size and
//! length (from the MP4/QuickTime header, found wherever it is in the file) and its poster
//! frame (an H.264 video decoded with OpenH264 up to the frame the browser would draw). CPU
//! and disk work: callers run it on the blocking pool.

use std::io::BufReader;
use std::path::Path;

use image::{DynamicImage, RgbImage};
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;

use crate::model::upload::{PosterFrame, VideoDetails};

/// Samples decoded at most to reach the poster's moment (a frame more than 8 s of 30 fps
/// video after its key frame is not worth the time).
const MAX_DECODED_SAMPLES: u32 = 240;
/// Largest frame decoded (4K): a bigger claim is a broken or hostile header.
const MAX_FRAME_PIXELS: usize = 4096 * 2304;

/// What a completion reports beside the bytes, and the poster frame to PUT first.
#[derive(Debug, Default)]
pub struct Probed {
    pub thumbhash: Option<String>,
    pub video: Option<VideoDetails>,
    pub poster: Option<Vec<u8>>,
}

/// Reads what the browser would read of a file of this type (best effort: a file that does not
/// decode is still sent, without a placeholder or poster, as in the browser).
pub fn probe(path: &Path, size: u64, content_type: &str) -> Probed {
    if content_type.starts_with("image/") {
        Probed { thumbhash: image_thumbhash(path, content_type), ..Probed::default() }
    } else if content_type.starts_with("video/") {
        let (video, poster) = video(path, size).map_or((None, None), |(details, poster)| (Some(details), poster));
        Probed { thumbhash: None, video, poster }
    } else {
        Probed::default()
    }
}

/// An image's ThumbHash, made as the browser makes it; `None` for types it cannot decode.
pub fn image_thumbhash(path: &Path, content_type: &str) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    crate::server::images::small::thumbhash(file, content_type)
}

/// A video as the browser's uploader reports it, and its poster frame as a JPEG when it is an
/// H.264 video that decodes; `None` when the file is not an MP4/QuickTime file that can be read.
pub fn video(path: &Path, size: u64) -> Option<(VideoDetails, Option<Vec<u8>>)> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = mp4::Mp4Reader::read_header(BufReader::new(file), size).ok()?;
    let track = reader.tracks().values().find(|t| matches!(t.track_type(), Ok(mp4::TrackType::Video)))?;
    let matrix = &track.trak.tkhd.matrix;
    let turn = Turn::of(matrix.a, matrix.b, matrix.d);
    let (width, height) = turn.shown(u32::from(track.width()), u32::from(track.height()));
    let duration_ms = u64::try_from(reader.duration().as_millis()).ok().filter(|ms| *ms > 0);
    let details = VideoDetails {
        width: (width > 0).then_some(width),
        height: (height > 0).then_some(height),
        duration_ms,
        poster: false,
    };
    let poster = poster_frame(&mut reader, duration_ms, turn);
    Some((details, poster))
}

/// The rotation a track header asks players to show the stored frames with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    None,
    Clockwise,
    UpsideDown,
    Anticlockwise,
}

impl Turn {
    /// From the track matrix's `a`, `b` and `d` (16.16 fixed point).
    fn of(a: i32, b: i32, d: i32) -> Turn {
        match (a, b, d) {
            // A quarter turn: the diagonal is zero, `b` says which way.
            (0, b, 0) if b > 0 => Turn::Clockwise,
            (0, b, 0) if b < 0 => Turn::Anticlockwise,
            (a, _, d) if a < 0 && d < 0 => Turn::UpsideDown,
            _ => Turn::None,
        }
    }

    fn shown(self, width: u32, height: u32) -> (u32, u32) {
        match self {
            Turn::Clockwise | Turn::Anticlockwise => (height, width),
            Turn::None | Turn::UpsideDown => (width, height),
        }
    }

    fn apply(self, image: DynamicImage) -> DynamicImage {
        match self {
            Turn::None => image,
            Turn::Clockwise => image.rotate90(),
            Turn::UpsideDown => image.rotate180(),
            Turn::Anticlockwise => image.rotate270(),
        }
    }
}

/// The frame the browser would draw (`PosterFrame::at_seconds`), upright, at most
/// `PosterFrame::MAX_WIDTH` wide, as a JPEG. Decodes from the first sample (a key frame) to the
/// last one whose decoding time is at or before that moment.
fn poster_frame<R: std::io::Read + std::io::Seek>(
    reader: &mut mp4::Mp4Reader<R>,
    duration_ms: Option<u64>,
    turn: Turn,
) -> Option<Vec<u8>> {
    let track = reader.tracks().values().find(|t| matches!(t.media_type(), Ok(mp4::MediaType::H264)))?;
    let (track_id, timescale, samples) = (track.track_id(), f64::from(track.timescale()), track.sample_count());
    let avcc = &track.trak.mdia.minf.stbl.stsd.avc1.as_ref()?.avcc;
    let length_size = usize::from(avcc.length_size_minus_one & 3) + 1;
    let mut annex_b = Vec::new();
    for set in avcc.sequence_parameter_sets.iter().chain(&avcc.picture_parameter_sets) {
        annex_b.extend([0, 0, 0, 1]);
        annex_b.extend(&set.bytes);
    }
    let at = PosterFrame::at_seconds(duration_ms.map_or(0.0, |ms| ms as f64 / 1000.0));
    let until = (at * timescale) as u64;

    let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut decoder = Decoder::with_api_config(openh264::OpenH264API::from_source(), config).ok()?;
    // One buffer for every decoded frame (a 1080p frame is 6 MB as RGB): the last one wins.
    let mut rgb: Vec<u8> = Vec::new();
    let mut size: Option<(usize, usize)> = None;
    let mut keep = |yuv: &openh264::decoder::DecodedYUV<'_>| {
        let (w, h) = yuv.dimensions();
        if w == 0 || h == 0 || w * h > MAX_FRAME_PIXELS {
            return;
        }
        rgb.resize(w * h * 3, 0);
        yuv.write_rgb8(&mut rgb);
        size = Some((w, h));
    };
    for id in 1..=samples.min(MAX_DECODED_SAMPLES) {
        let Ok(Some(sample)) = reader.read_sample(track_id, id) else { break };
        if id > 1 && sample.start_time > until {
            break;
        }
        if !length_prefixed_to_annex_b(&sample.bytes, length_size, &mut annex_b) {
            break;
        }
        if let Ok(Some(yuv)) = decoder.decode(&annex_b) {
            keep(&yuv);
        }
        annex_b.clear();
    }
    if let Ok(rest) = decoder.flush_remaining() {
        if let Some(last) = rest.last() {
            keep(last);
        }
    }
    drop(decoder);
    let (w, h) = size?;
    let frame = RgbImage::from_raw(w as u32, h as u32, rgb)?;
    let upright = turn.apply(DynamicImage::ImageRgb8(frame));
    let (w, h) = PosterFrame::size(upright.width(), upright.height());
    let drawn = upright.resize_exact(w, h, image::imageops::FilterType::Triangle).to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, PosterFrame::QUALITY).encode_image(&drawn).ok()?;
    Some(jpeg)
}

/// Appends an MP4 sample's NAL units (each after a big-endian length of `length_size` bytes)
/// to `out` with start codes, as OpenH264 reads them; whether the sample was well formed.
fn length_prefixed_to_annex_b(mut sample: &[u8], length_size: usize, out: &mut Vec<u8>) -> bool {
    while !sample.is_empty() {
        if sample.len() < length_size {
            return false;
        }
        let (prefix, rest) = sample.split_at(length_size);
        let length = prefix.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
        if length == 0 || length > rest.len() {
            return false;
        }
        out.extend([0, 0, 0, 1]);
        out.extend(&rest[..length]);
        sample = &rest[length..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_become_start_code_units_and_broken_ones_are_refused() {
        let mut out = Vec::new();
        assert!(length_prefixed_to_annex_b(&[0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x41], 4, &mut out));
        assert_eq!(out, [0, 0, 0, 1, 0x65, 1, 0, 0, 0, 1, 0x41]);
        out.clear();
        assert!(length_prefixed_to_annex_b(&[0, 3, 9, 9, 9], 2, &mut out));
        assert_eq!(out, [0, 0, 0, 1, 9, 9, 9]);
        // A length past the end, a zero length, a cut prefix.
        assert!(!length_prefixed_to_annex_b(&[0, 0, 0, 9, 1, 2], 4, &mut Vec::new()));
        assert!(!length_prefixed_to_annex_b(&[0, 0, 0, 0, 1], 4, &mut Vec::new()));
        assert!(!length_prefixed_to_annex_b(&[0, 0], 4, &mut Vec::new()));
    }

    #[test]
    fn turns_follow_the_track_matrix() {
        assert_eq!(Turn::of(0x10000, 0, 0x10000), Turn::None);
        assert_eq!(Turn::of(0, 0x10000, 0), Turn::Clockwise);
        assert_eq!(Turn::of(0, -0x10000, 0), Turn::Anticlockwise);
        assert_eq!(Turn::of(-0x10000, 0, -0x10000), Turn::UpsideDown);
        assert_eq!(Turn::Clockwise.shown(1920, 1080), (1080, 1920));
        assert_eq!(Turn::UpsideDown.shown(1920, 1080), (1920, 1080));
        // Clockwise: the stored frame's top row becomes the right-hand column.
        let top_marked = RgbImage::from_fn(4, 2, |_, y| if y == 0 { [255, 0, 0].into() } else { [0, 0, 0].into() });
        let turned = Turn::Clockwise.apply(DynamicImage::ImageRgb8(top_marked)).to_rgb8();
        assert_eq!((turned.width(), turned.height()), (2, 4));
        assert!((0..4).all(|y| turned.get_pixel(1, y)[0] == 255 && turned.get_pixel(0, y)[0] == 0));
    }
}
