//! One `Range: bytes=…` of a resource `len` bytes long (RFC 9110 §14.1.2), the forms a resuming
//! browser or `curl -C -` sends. Several ranges at once are answered whole (allowed by the RFC).

/// Half-open: bytes `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    /// `Some(range)` to answer 206; `None` when nothing of it is satisfiable (answer 416). A
    /// header this does not read, or several ranges, is `Some` of the whole.
    pub fn parse(value: &str, len: u64) -> Option<ByteRange> {
        let whole = ByteRange { start: 0, end: len };
        let Some(spec) = value.trim().strip_prefix("bytes=") else { return Some(whole) };
        if spec.contains(',') {
            return Some(whole);
        }
        let Some((first, last)) = spec.trim().split_once('-') else { return Some(whole) };
        let number = |s: &str| s.trim().parse::<u64>().ok();
        let range = match (first.trim().is_empty(), number(first), number(last)) {
            // `bytes=-500`: the last 500.
            (true, _, Some(suffix)) if suffix > 0 => ByteRange { start: len.saturating_sub(suffix), end: len },
            (false, Some(start), None) if last.trim().is_empty() => ByteRange { start, end: len },
            (false, Some(start), Some(last)) if last >= start => ByteRange { start, end: (last + 1).min(len) },
            _ => return Some(whole),
        };
        (range.start < len).then_some(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u64, end: u64) -> Option<ByteRange> {
        Some(ByteRange { start, end })
    }

    #[test]
    fn the_forms_a_resuming_client_sends() {
        assert_eq!(ByteRange::parse("bytes=100-", 1000), r(100, 1000));
        assert_eq!(ByteRange::parse("bytes=0-499", 1000), r(0, 500));
        assert_eq!(ByteRange::parse("bytes=900-5000", 1000), r(900, 1000), "clipped to the end");
        assert_eq!(ByteRange::parse("bytes=-200", 1000), r(800, 1000));
        assert_eq!(ByteRange::parse("bytes=-5000", 1000), r(0, 1000));
    }

    #[test]
    fn past_the_end_is_unsatisfiable_and_nonsense_is_the_whole() {
        assert_eq!(ByteRange::parse("bytes=1000-", 1000), None);
        assert_eq!(ByteRange::parse("bytes=5-1", 1000), r(0, 1000));
        assert_eq!(ByteRange::parse("items=0-1", 1000), r(0, 1000));
        assert_eq!(ByteRange::parse("bytes=0-1,5-6", 1000), r(0, 1000));
        assert_eq!(ByteRange::parse("bytes=x-", 1000), r(0, 1000));
    }
}
