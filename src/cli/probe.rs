//! What the command line reads from a video before completing it, as the browser's uploader
//! does with a `<video>` element: its displayed width and height and its length, from the
//! MP4/QuickTime header (found wherever it is in the file, by seeking over the media data).
//! No poster frame: that would need a video decoder, which Vitrine does not carry.

use std::path::Path;

use crate::model::upload::VideoDetails;

/// The video's size as shown (a phone's portrait video is stored landscape with a rotation)
/// and its length; `None` when the file is not an MP4/QuickTime file that can be read.
pub fn video_details(path: &Path, size: u64) -> Option<VideoDetails> {
    let file = std::fs::File::open(path).ok()?;
    let reader = mp4::Mp4Reader::read_header(std::io::BufReader::new(file), size).ok()?;
    let track = reader.tracks().values().find(|t| matches!(t.track_type(), Ok(mp4::TrackType::Video)))?;
    let (width, height) = (u32::from(track.width()), u32::from(track.height()));
    let matrix = &track.trak.tkhd.matrix;
    // A quarter turn: the matrix's diagonal is zero.
    let turned = matrix.a == 0 && matrix.d == 0 && matrix.b != 0;
    let (width, height) = if turned { (height, width) } else { (width, height) };
    let duration_ms = u64::try_from(reader.duration().as_millis()).ok().filter(|ms| *ms > 0);
    Some(VideoDetails {
        width: (width > 0).then_some(width),
        height: (height > 0).then_some(height),
        duration_ms,
        poster: false,
    })
}
