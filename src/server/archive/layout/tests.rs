//! Same bytes for any cut of any range, and a ZIP that a strict reader (APPNOTE's literal values) accepts.

use super::*;

fn date(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day).unwrap().and_hms_opt(hour, minute, second).unwrap()
}

fn entry(name: &str, size: u64) -> ArchiveEntry {
    ArchiveEntry { name: name.to_string(), size, modified: date(2024, 6, 15, 13, 45, 31) }
}

fn names(raw: &[&str]) -> Vec<String> {
    let layout = ArchiveLayout::new(raw.iter().map(|name| entry(name, 1)).collect());
    layout.entries().iter().map(|entry| entry.name.clone()).collect()
}

/// Entry `entry`'s bytes `offset..offset + len`: differ per entry and per position, so misplaced data shows.
fn content(entry: usize, offset: u64, len: u64) -> Vec<u8> {
    (offset..offset + len).map(|at| (at % 251) as u8 ^ (entry as u8).wrapping_mul(37)).collect()
}

fn crcs_of(layout: &ArchiveLayout) -> Vec<u32> {
    let sizes = layout.entries().iter().map(|entry| entry.size);
    sizes.enumerate().map(|(index, size)| crc32fast::hash(&content(index, 0, size))).collect()
}

/// The bytes of `range`, as the server would send them given every CRC.
fn assemble(layout: &ArchiveLayout, range: Range<u64>, crcs: &[u32]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for piece in layout.pieces(range) {
        match piece {
            Piece::Fixed(fixed) => bytes.extend_from_slice(&fixed),
            Piece::Data { entry, offset, len } => bytes.extend(content(entry, offset, len)),
            Piece::Descriptor { entry, skip, len } => {
                bytes.extend_from_slice(&layout.descriptor(entry, crcs[entry])[skip..skip + len])
            }
            Piece::Trailer { skip, len } => {
                bytes.extend_from_slice(&layout.trailer(crcs)[skip as usize..(skip + len) as usize])
            }
        }
    }
    bytes
}

fn whole(layout: &ArchiveLayout) -> Vec<u8> {
    assemble(layout, 0..layout.len(), &crcs_of(layout))
}

fn mixed_layout() -> ArchiveLayout {
    let sizes = [0, 1, 100, 70_000, 0, 3_000];
    let names = ["empty.txt", "a/b/one.bin", "photo.jpg", "big.raw", "PHOTO.jpg", "café 日本.jpg"];
    ArchiveLayout::new(names.iter().zip(sizes).map(|(name, size)| entry(name, size)).collect())
}

/// A small deterministic generator: the tests need no `rand`.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn le(bytes: &[u8], at: usize, width: usize) -> u64 {
    bytes[at..at + width].iter().rev().fold(0, |value, &byte| (value << 8) | u64::from(byte))
}

struct ReadEntry {
    name: String,
    size: u64,
    crc32: u32,
    header_offset: u64,
    data_offset: u64,
    zip64_local: bool,
    zip64_central: bool,
    dos_date_time: (u16, u16),
}

/// Reads an archive of `len` bytes the way unzip does (end record, central directory, local headers),
/// checking every signature, length and cross-reference, and that entries sit back to back.
fn read_archive(len: u64, read: &dyn Fn(u64, u64) -> Vec<u8>) -> (Vec<ReadEntry>, bool) {
    let end = read(len - 22, 22);
    assert_eq!(le(&end, 0, 4), 0x0605_4b50, "end of central directory signature");
    let (mut count, mut directory_len, mut directory_offset) = (le(&end, 10, 2), le(&end, 12, 4), le(&end, 16, 4));
    assert_eq!(le(&end, 8, 2), count);
    let zip64_end = count == 0xFFFF || directory_len == 0xFFFF_FFFF || directory_offset == 0xFFFF_FFFF;
    let mut directory_end = len - 22;
    if zip64_end {
        let locator = read(len - 42, 20);
        assert_eq!(le(&locator, 0, 4), 0x0706_4b50, "ZIP64 locator signature");
        assert_eq!((le(&locator, 8, 8), le(&locator, 16, 4)), (len - 42 - 56, 1));
        let record = read(len - 42 - 56, 56);
        assert_eq!(le(&record, 0, 4), 0x0606_4b50, "ZIP64 end record signature");
        assert_eq!((le(&record, 4, 8), le(&record, 14, 2), le(&record, 24, 8)), (44, 45, le(&record, 32, 8)));
        (count, directory_len, directory_offset) = (le(&record, 32, 8), le(&record, 40, 8), le(&record, 48, 8));
        directory_end = len - 42 - 56;
    }
    assert_eq!(directory_offset + directory_len, directory_end, "central directory ends where the end records start");
    let directory = read(directory_offset, directory_len);
    let (mut at, mut next_header, mut entries) = (0, 0, Vec::new());
    for _ in 0..count {
        let record = &directory[at..];
        assert_eq!(le(record, 0, 4), 0x0201_4b50, "central header signature");
        assert_eq!((le(record, 8, 2), le(record, 10, 2)), (0x0808, 0), "flags, method");
        let (name_len, extra_len) = (le(record, 28, 2) as usize, le(record, 30, 2) as usize);
        assert_eq!(le(record, 32, 2), 0, "no comment");
        let name = String::from_utf8(record[46..46 + name_len].to_vec()).unwrap();
        let extra = &record[46 + name_len..46 + name_len + extra_len];
        let (mut size, mut header_offset) = (le(record, 24, 4), le(record, 42, 4));
        let zip64_central = size == 0xFFFF_FFFF || header_offset == 0xFFFF_FFFF;
        if zip64_central {
            assert_eq!((le(record, 20, 4), size, header_offset), (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF));
            assert_eq!((le(record, 6, 2), extra_len, le(extra, 0, 2), le(extra, 2, 2)), (45, 28, 1, 24));
            (size, header_offset) = (le(extra, 4, 8), le(extra, 20, 8));
            assert_eq!(le(extra, 12, 8), size, "compressed size of a STORED entry");
        } else {
            assert_eq!((le(record, 6, 2), extra_len, le(record, 20, 4)), (20, 0, size));
        }
        assert_eq!(header_offset, next_header, "{name}: entries back to back");
        let local = read(header_offset, 30);
        assert_eq!(le(&local, 0, 4), 0x0403_4b50, "{name}: local header signature");
        assert_eq!(local[6..14], record[8..16], "{name}: flags, method, time, date as in the directory");
        assert_eq!(le(&local, 14, 4), 0, "{name}: no CRC before the data");
        let (local_name_len, local_extra_len) = (le(&local, 26, 2), le(&local, 28, 2));
        assert_eq!(local_name_len as usize, name_len);
        let local_tail = read(header_offset + 30, local_name_len + local_extra_len);
        assert_eq!(local_tail[..name_len], *name.as_bytes(), "{name}: same name in the local header");
        let zip64_local = local_extra_len > 0;
        if zip64_local {
            assert_eq!((le(&local, 4, 2), le(&local, 18, 4), le(&local, 22, 4)), (45, 0xFFFF_FFFF, 0xFFFF_FFFF));
            let extra = &local_tail[name_len..];
            assert_eq!((extra.len(), le(extra, 0, 2), le(extra, 2, 2)), (20, 1, 16));
            assert_eq!((le(extra, 4, 8), le(extra, 12, 8)), (size, size), "{name}: sizes in the ZIP64 extra");
        } else {
            assert_eq!((le(&local, 4, 2), le(&local, 18, 4), le(&local, 22, 4)), (20, size, size));
        }
        let data_offset = header_offset + 30 + local_name_len + local_extra_len;
        let width = if zip64_local { 8 } else { 4 };
        let descriptor = read(data_offset + size, 8 + 2 * width as u64);
        assert_eq!(le(&descriptor, 0, 4), 0x0807_4b50, "{name}: descriptor signature");
        let crc32 = le(record, 16, 4) as u32;
        assert_eq!(le(&descriptor, 4, 4) as u32, crc32, "{name}: same CRC in descriptor and directory");
        assert_eq!((le(&descriptor, 8, width), le(&descriptor, 8 + width, width)), (size, size));
        next_header = data_offset + size + descriptor.len() as u64;
        let dos_date_time = (le(record, 12, 2) as u16, le(record, 14, 2) as u16);
        entries.push(ReadEntry {
            name,
            size,
            crc32,
            header_offset,
            data_offset,
            zip64_local,
            zip64_central,
            dos_date_time,
        });
        at += 46 + name_len + extra_len;
    }
    assert_eq!((at as u64, next_header), (directory_len, directory_offset), "nothing between or after");
    (entries, zip64_end)
}

#[test]
fn whole_archive_reads_back_with_its_names_data_and_crcs() {
    let layout = mixed_layout();
    let bytes = whole(&layout);
    assert_eq!(bytes.len() as u64, layout.len());
    let (read, zip64_end) = read_archive(layout.len(), &|at, len| bytes[at as usize..(at + len) as usize].to_vec());
    assert!(!zip64_end);
    assert_eq!(read.len(), layout.entries().len());
    for (index, (read, entry)) in read.iter().zip(layout.entries()).enumerate() {
        assert_eq!(
            (&read.name, read.size, read.zip64_local, read.zip64_central),
            (&entry.name, entry.size, false, false)
        );
        let data = &bytes[read.data_offset as usize..(read.data_offset + read.size) as usize];
        assert_eq!(data, content(index, 0, entry.size), "{}: data", entry.name);
        assert_eq!(read.crc32, crc32fast::hash(data), "{}: CRC", entry.name);
        assert_eq!(read.dos_date_time, ((13 << 11) | (45 << 5) | 15, (44 << 9) | (6 << 5) | 15));
    }
}

#[test]
fn streaming_in_order_has_each_crc_by_the_time_it_is_needed() {
    let layout = mixed_layout();
    let mut hashers: Vec<_> = layout.entries().iter().map(|_| crc32fast::Hasher::new()).collect();
    let mut finished = Vec::new();
    let mut bytes = Vec::new();
    for piece in layout.pieces(0..layout.len()) {
        match piece {
            Piece::Fixed(fixed) => bytes.extend_from_slice(&fixed),
            Piece::Data { entry, offset, len } => {
                let data = content(entry, offset, len);
                hashers[entry].update(&data);
                bytes.extend(data);
            }
            Piece::Descriptor { entry, skip, len } => {
                assert_eq!(finished.len(), entry, "descriptors come in entry order, once each");
                finished.push(hashers[entry].clone().finalize());
                bytes.extend_from_slice(&layout.descriptor(entry, finished[entry])[skip..skip + len]);
            }
            Piece::Trailer { skip, len } => {
                bytes.extend_from_slice(&layout.trailer(&finished)[skip as usize..(skip + len) as usize])
            }
        }
    }
    assert_eq!(bytes, whole(&layout));
}

#[test]
fn every_split_point_gives_the_same_bytes() {
    let layout = ArchiveLayout::new(vec![entry("a.txt", 40), entry("b.txt", 0), entry("a.txt", 25)]);
    let (bytes, crcs) = (whole(&layout), crcs_of(&layout));
    for split in 0..=layout.len() {
        let mut joined = assemble(&layout, 0..split, &crcs);
        joined.extend(assemble(&layout, split..layout.len(), &crcs));
        assert_eq!(joined, bytes, "split at {split}");
    }
}

#[test]
fn every_range_of_a_tiny_archive_is_that_slice_of_the_whole() {
    let layout = ArchiveLayout::new(vec![entry("x", 5), entry("y", 0)]);
    let (bytes, crcs) = (whole(&layout), crcs_of(&layout));
    for start in 0..=layout.len() {
        for end in start..=layout.len() {
            let slice = &bytes[start as usize..end as usize];
            assert_eq!(assemble(&layout, start..end, &crcs), slice, "range {start}..{end}");
        }
    }
}

#[test]
fn random_ranges_are_those_slices_of_the_whole() {
    let layout = mixed_layout();
    let (bytes, crcs) = (whole(&layout), crcs_of(&layout));
    let mut state = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..500 {
        let (a, b) = (xorshift(&mut state) % (layout.len() + 1), xorshift(&mut state) % (layout.len() + 1));
        let range = a.min(b)..a.max(b);
        let pieces_len: u64 = layout.pieces(range.clone()).iter().map(Piece::len).sum();
        assert_eq!(pieces_len, range.end - range.start);
        let slice = &bytes[range.start as usize..range.end as usize];
        assert_eq!(assemble(&layout, range.clone(), &crcs), slice, "range {range:?}");
    }
}

#[test]
fn ranges_past_the_end_are_clamped_and_empty_ranges_have_no_pieces() {
    let layout = mixed_layout();
    let bytes = whole(&layout);
    assert_eq!(assemble(&layout, layout.len() - 10..u64::MAX, &crcs_of(&layout)), bytes[bytes.len() - 10..]);
    assert!(layout.pieces(7..7).is_empty());
    assert!(layout.pieces(layout.len()..layout.len() + 5).is_empty());
}

#[test]
fn length_depends_on_names_and_sizes_only() {
    let layout = mixed_layout();
    assert_eq!(layout.len(), mixed_layout().len());
    let real = crcs_of(&layout);
    let bytes = whole(&layout);
    let mut state = 42;
    let other_crcs =
        [vec![0; real.len()], vec![u32::MAX; real.len()], real.iter().map(|_| xorshift(&mut state) as u32).collect()];
    for crcs in other_crcs {
        let other = assemble(&layout, 0..layout.len(), &crcs);
        assert_eq!(other.len(), bytes.len());
        // Only descriptors and the trailer may change with the CRCs.
        let mut at = 0;
        for piece in layout.pieces(0..layout.len()) {
            let span = at..at + piece.len() as usize;
            if matches!(piece, Piece::Fixed(_) | Piece::Data { .. }) {
                assert_eq!(other[span.clone()], bytes[span.clone()]);
            }
            at = span.end;
        }
    }
    // A different length of data or name moves everything after it; a different date does not.
    let mut longer = layout.entries().to_vec();
    longer[1].size += 1;
    assert_eq!(ArchiveLayout::new(longer).len(), layout.len() + 1);
    let mut renamed = layout.entries().to_vec();
    renamed[0].name.push('x');
    assert_eq!(ArchiveLayout::new(renamed).len(), layout.len() + 2, "local header and directory");
    let mut redated = layout.entries().to_vec();
    redated[0].modified = date(1999, 1, 1, 0, 0, 0);
    assert_eq!(ArchiveLayout::new(redated).len(), layout.len());
}

#[test]
fn zip64_appears_only_where_a_value_does_not_fit() {
    const GIB: u64 = 1 << 30;
    let sizes = [10, 0xFFFF_FFFE, 0xFFFF_FFFF, 5 * GIB, 3];
    let layout = ArchiveLayout::new(sizes.iter().enumerate().map(|(i, &size)| entry(&format!("{i}"), size)).collect());
    let crcs: Vec<u32> = (0..sizes.len() as u32).map(|i| i.wrapping_mul(0x0101_0101)).collect();
    // Reads only headers, descriptors and the trailer, so the gigabytes of data are never made.
    let read = |at: u64, len: u64| assemble(&layout, at..at + len, &crcs);
    let (read, zip64_end) = read_archive(layout.len(), &read);
    assert!(zip64_end, "the central directory starts past 4 GiB");
    let zip64: Vec<_> = read.iter().map(|entry| (entry.zip64_local, entry.zip64_central)).collect();
    assert_eq!(zip64, [(false, false), (false, false), (true, true), (true, true), (false, true)]);
    for (read, (&size, &crc32)) in read.iter().zip(sizes.iter().zip(&crcs)) {
        assert_eq!((read.size, read.crc32), (size, crc32));
    }
    let big = &read[3];
    assert_eq!(
        layout.pieces(big.data_offset..big.data_offset + big.size),
        [Piece::Data { entry: 3, offset: 0, len: 5 * GIB }]
    );
    assert_eq!(read[4].header_offset, big.data_offset + 5 * GIB + 24, "after the 24-byte descriptor");
}

#[test]
fn zero_entries_make_an_empty_zip() {
    let layout = ArchiveLayout::new(Vec::new());
    assert_eq!(layout.len(), 22);
    let mut expected = vec![0x50, 0x4b, 0x05, 0x06];
    expected.resize(22, 0);
    assert_eq!(assemble(&layout, 0..22, &[]), expected);
    assert_eq!(read_archive(22, &|at, len| expected[at as usize..(at + len) as usize].to_vec()).0.len(), 0);
}

#[test]
fn names_keep_only_a_safe_final_component() {
    let cases = [
        ("holiday/beach.jpg", "beach.jpg"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\photo.png", "photo.png"),
        ("dir/", "dir"),
        (".hidden", "_hidden"),
        ("..", "file"),
        ("", "file"),
        ("///", "file"),
        ("tab\there\nnew\u{7f}.txt", "tab_here_new_.txt"),
        ("C:evil.txt", "C_evil.txt"),
        ("what?<*>|\".jpg", "what______.jpg"),
        ("trailing. . ", "trailing"),
        ("CON", "_CON"),
        ("com1.txt", "_com1.txt"),
        ("console.txt", "console.txt"),
        ("café 日本.jpg", "café 日本.jpg"),
    ];
    for (raw, safe) in cases {
        assert_eq!(names(&[raw]), [safe], "{raw:?}");
    }
}

#[test]
fn long_names_are_cut_to_255_bytes_keeping_the_extension() {
    let long = format!("{}.jpeg", "é".repeat(200));
    let named = names(&[&long, &long]);
    for name in &named {
        assert!(name.len() <= 255 && name.ends_with(".jpeg"), "{name}");
    }
    assert!(named[1].ends_with("é (2).jpeg"), "{}", named[1]);
}

#[test]
fn duplicate_names_are_numbered_regardless_of_case() {
    let raw = ["photo.jpg", "Photo.JPG", "a/photo.jpg", "photo (2).jpg", "notes", "NOTES", "x.tar.gz", "x.tar.gz"];
    let expected = [
        "photo.jpg",
        "Photo (2).JPG",
        "photo (3).jpg",
        "photo (2) (2).jpg",
        "notes",
        "NOTES (2)",
        "x.tar.gz",
        "x.tar (2).gz",
    ];
    assert_eq!(names(&raw), expected);
    let many = names(&vec!["same.txt"; 1000]);
    let unique: HashSet<_> = many.iter().map(|name| name.to_lowercase()).collect();
    assert_eq!((unique.len(), many[999].as_str()), (1000, "same (1000).txt"));
}

#[test]
fn dos_dates_are_clamped_to_what_the_format_holds() {
    assert_eq!(dos_date_time(date(1970, 1, 1, 0, 0, 0)), (0, (1 << 5) | 1));
    assert_eq!(dos_date_time(date(2200, 5, 5, 5, 5, 5)), ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31));
    assert_eq!(dos_date_time(date(2024, 2, 29, 23, 59, 59)), ((23 << 11) | (59 << 5) | 29, (44 << 9) | (2 << 5) | 29));
}

#[test]
fn zip64_starts_exactly_at_the_markers() {
    // "a" takes 30 + 1 header bytes and 16 descriptor bytes, so "b" starts at 0xFFFF_FFFE or 0xFFFF_FFFF.
    for (a_size, b_zip64) in [(0xFFFF_FFFF - 48, false), (0xFFFF_FFFF - 47, true)] {
        let layout = ArchiveLayout::new(vec![entry("a", a_size), entry("b", 1)]);
        let read = |at: u64, len: u64| assemble(&layout, at..at + len, &[7, 8]);
        let (read, _) = read_archive(layout.len(), &read);
        assert_eq!((read[1].header_offset, read[1].zip64_central), (a_size + 47, b_zip64));
    }
    for (count, zip64_end) in [(0xFFFE, false), (0xFFFF, true)] {
        let layout = ArchiveLayout::new((0..count).map(|i| entry(&format!("{i}"), 0)).collect());
        let bytes = whole(&layout);
        let (read, read_zip64_end) =
            read_archive(layout.len(), &|at, len| bytes[at as usize..(at + len) as usize].to_vec());
        assert_eq!((read.len(), read_zip64_end), (count, zip64_end));
    }
}
