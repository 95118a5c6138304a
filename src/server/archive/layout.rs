//! The byte layout of a collection's ZIP download, fixed before any data is read.
//!
//! `GET /c/<slug>/download` streams the originals as one ZIP read from the object store as it is sent:
//! constant memory, an exact `Content-Length` up front, and `Range` support so an interrupted download
//! resumes byte-identical. So every offset must follow from the entries' names and sizes alone, while
//! CRC-32s are only known once the data has been read. Hence entries are STORED (the data is the file)
//! and set flag bit 3: the local header has CRC 0, a fixed-length data descriptor after the data has
//! the CRC. In order: per entry a local header, the data, the descriptor; then the trailer: the central
//! directory, the ZIP64 end records if needed, the end record. Only descriptors and the trailer depend
//! on CRCs; [`ArchiveLayout::pieces`] tells which bytes are which.
//!
//! Local headers carry the real sizes, though APPNOTE 4.4.4 has 0 with bit 3 (Info-ZIP `zip` does this
//! too): readers of the central directory ignore them, and a streaming reader cannot find the end of
//! STORED data without them (macOS Archive Utility is reported to fail on such entries with sizes 0).
//! ZIP64 only where a value does not fit (as Go's `archive/zip` writes it), so an archive under 4 GiB is
//! a classic ZIP: Safari's auto-extract keeps only the first member if that one is ZIP64.
//! - An entry of 4 GiB or more: local sizes 0xFFFFFFFF and a ZIP64 extra field with the sizes (unzip 6.0
//!   reads it, and extracts nothing from a 0xFFFFFFFF-byte entry whose extra says 0), 8-byte sizes in
//!   its descriptor (APPNOTE 4.3.9.2 ties them to that extra field).
//! - A central directory record whose size or local header offset does not fit: all three fields
//!   0xFFFFFFFF, all three in a ZIP64 extra field.
//! - An entry count, directory size or offset that does not fit: ZIP64 end record and locator, then
//!   the classic end record with 0xFFFF / 0xFFFFFFFF markers.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

#[cfg(test)]
mod tests;

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveEntry {
    pub name: String,
    pub size: u64,
    /// Stored as an MS-DOS date-time: local time without zone, 2-second steps, clamped to 1980..=2107.
    pub modified: NaiveDateTime,
}

/// A piece of the archive's bytes, as [`ArchiveLayout::pieces`] cuts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes that do not depend on any CRC (local headers), already cut.
    Fixed(Vec<u8>),
    /// `len` bytes of entry `entry`'s data starting at `offset` within that entry.
    Data { entry: usize, offset: u64, len: u64 },
    /// Bytes `skip..skip + len` of [`ArchiveLayout::descriptor`] for `entry`: needs that entry's CRC.
    Descriptor { entry: usize, skip: usize, len: usize },
    /// Bytes `skip..skip + len` of [`ArchiveLayout::trailer`]: needs every entry's CRC.
    Trailer { skip: u64, len: u64 },
}

impl Piece {
    /// How many bytes of the archive this piece stands for.
    #[allow(clippy::len_without_is_empty, reason = "pieces() never returns an empty piece")]
    pub fn len(&self) -> u64 {
        match self {
            Piece::Fixed(bytes) => bytes.len() as u64,
            Piece::Data { len, .. } | Piece::Trailer { len, .. } => *len,
            Piece::Descriptor { len, .. } => *len as u64,
        }
    }
}

/// Where one entry's parts start in the archive.
#[derive(Debug, Clone, Copy)]
struct Placement {
    header: u64,
    data: u64,
    descriptor: u64,
    end: u64,
}

/// The archive's layout: final names and every offset, fixed before any data is read.
#[derive(Debug, Clone)]
pub struct ArchiveLayout {
    entries: Vec<ArchiveEntry>,
    placements: Vec<Placement>,
    /// Offset of the central directory, where the trailer starts.
    trailer: u64,
    central_directory_len: u64,
    len: u64,
}

const LOCAL_HEADER_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;

const LOCAL_HEADER_LEN: u64 = 30;
const CENTRAL_HEADER_LEN: u64 = 46;
const ZIP64_LOCAL_EXTRA_LEN: u64 = 20;
const ZIP64_CENTRAL_EXTRA_LEN: u64 = 28;
const DESCRIPTOR_LEN: u64 = 16;
/// Both sizes take 8 bytes instead of 4.
const ZIP64_DESCRIPTOR_EXTRA_LEN: u64 = 8;
const ZIP64_END_LEN: u64 = 56;
const ZIP64_LOCATOR_LEN: u64 = 20;
const END_LEN: u64 = 22;

/// Bit 3: CRC and sizes follow the data in a descriptor. Bit 11: names are UTF-8.
const FLAGS: u16 = 0x0808;
const STORED: u16 = 0;
const VERSION_CLASSIC: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// "Made by Unix", so extractors apply the mode in the external attributes.
const MADE_BY_UNIX: u16 = 3 << 8;
/// A regular file, rw-r--r--, in the high half of the external attributes.
const EXTERNAL_ATTRIBUTES: u32 = 0o100644 << 16;
/// A 32-bit field holding this (or more) is a ZIP64 marker, so the value itself needs ZIP64 too.
const MARKER_32: u64 = 0xFFFF_FFFF;
const MARKER_16: u64 = 0xFFFF;

/// Most file systems allow 255 bytes per name.
const MAX_NAME_BYTES: usize = 255;
/// A longer "extension" is more likely part of the name, so numbering goes at the end instead.
const MAX_EXTENSION_BYTES: usize = 16;
/// Characters Windows refuses in names; `:` could also name a drive or an alternate data stream.
const WINDOWS_FORBIDDEN: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];
/// Names Windows reserves for devices, with any extension: `nul.txt` cannot be created either.
const WINDOWS_DEVICES: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1", "lpt2",
    "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

fn entry_needs_zip64(size: u64) -> bool {
    size >= MARKER_32
}

fn central_needs_zip64(size: u64, header_offset: u64) -> bool {
    size >= MARKER_32 || header_offset >= MARKER_32
}

fn local_header_len(entry: &ArchiveEntry) -> u64 {
    let extra = if entry_needs_zip64(entry.size) { ZIP64_LOCAL_EXTRA_LEN } else { 0 };
    LOCAL_HEADER_LEN + entry.name.len() as u64 + extra
}

fn descriptor_len(size: u64) -> u64 {
    DESCRIPTOR_LEN + if entry_needs_zip64(size) { ZIP64_DESCRIPTOR_EXTRA_LEN } else { 0 }
}

fn central_header_len(entry: &ArchiveEntry, header_offset: u64) -> u64 {
    let extra = if central_needs_zip64(entry.size, header_offset) { ZIP64_CENTRAL_EXTRA_LEN } else { 0 };
    CENTRAL_HEADER_LEN + entry.name.len() as u64 + extra
}

impl ArchiveLayout {
    /// Lays out `entries` in the given order, after making their names safe and unique.
    pub fn new(entries: Vec<ArchiveEntry>) -> ArchiveLayout {
        let entries = with_unique_names(entries);
        let mut placements = Vec::with_capacity(entries.len());
        let mut offset = 0;
        for entry in &entries {
            let data = offset + local_header_len(entry);
            let descriptor = data + entry.size;
            let end = descriptor + descriptor_len(entry.size);
            placements.push(Placement { header: offset, data, descriptor, end });
            offset = end;
        }
        let central_directory_len =
            entries.iter().zip(&placements).map(|(entry, placement)| central_header_len(entry, placement.header)).sum();
        let mut layout = ArchiveLayout { entries, placements, trailer: offset, central_directory_len, len: 0 };
        let end_records_len = if layout.needs_zip64_end() { ZIP64_END_LEN + ZIP64_LOCATOR_LEN } else { 0 } + END_LEN;
        layout.len = offset + central_directory_len + end_records_len;
        layout
    }

    /// The archive's exact length in bytes.
    #[allow(clippy::len_without_is_empty, reason = "an archive is never empty: it always has an end record")]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// The entries as they appear in the archive, with their final names; `entry` indices refer to these.
    pub fn entries(&self) -> &[ArchiveEntry] {
        &self.entries
    }

    /// The pieces covering `range`, in order, each cut to it. The range is clamped to `0..len()`;
    /// the pieces' lengths add up to the clamped range's length.
    pub fn pieces(&self, range: Range<u64>) -> Vec<Piece> {
        let wanted = range.start.min(self.len)..range.end.min(self.len);
        let mut pieces = Vec::new();
        let first = self.placements.partition_point(|placement| placement.end <= wanted.start);
        for (entry, placement) in self.placements.iter().enumerate().skip(first) {
            if placement.header >= wanted.end {
                break;
            }
            if let Some(cut) = overlap(placement.header..placement.data, &wanted) {
                let header = self.local_header(entry);
                pieces.push(Piece::Fixed(header[cut.start as usize..cut.end as usize].to_vec()));
            }
            if let Some(cut) = overlap(placement.data..placement.descriptor, &wanted) {
                pieces.push(Piece::Data { entry, offset: cut.start, len: cut.end - cut.start });
            }
            if let Some(cut) = overlap(placement.descriptor..placement.end, &wanted) {
                pieces.push(Piece::Descriptor { entry, skip: cut.start as usize, len: (cut.end - cut.start) as usize });
            }
        }
        if let Some(cut) = overlap(self.trailer..self.len, &wanted) {
            pieces.push(Piece::Trailer { skip: cut.start, len: cut.end - cut.start });
        }
        pieces
    }

    /// Entry `entry`'s data descriptor, which follows its data. Its length does not depend on the CRC.
    pub fn descriptor(&self, entry: usize, crc32: u32) -> Vec<u8> {
        let size = self.entries[entry].size;
        let mut bytes = Vec::with_capacity(descriptor_len(size) as usize);
        bytes.le32(DESCRIPTOR_SIGNATURE).le32(crc32);
        if entry_needs_zip64(size) {
            bytes.le64(size).le64(size); // compressed, uncompressed: 8 bytes as the ZIP64 extra field says
        } else {
            bytes.le32(size as u32).le32(size as u32);
        }
        bytes
    }

    /// Everything after the last entry: the central directory and the end records.
    /// `crc32s` has one CRC-32 per entry, in order; its length does not depend on their values.
    ///
    /// # Panics
    /// If `crc32s` does not have one CRC per entry.
    pub fn trailer(&self, crc32s: &[u32]) -> Vec<u8> {
        assert_eq!(crc32s.len(), self.entries.len(), "trailer needs one CRC-32 per entry");
        let mut bytes = Vec::with_capacity((self.len - self.trailer) as usize);
        for ((entry, placement), &crc32) in self.entries.iter().zip(&self.placements).zip(crc32s) {
            put_central_header(&mut bytes, entry, placement.header, crc32);
        }
        self.put_end_records(&mut bytes);
        debug_assert_eq!(bytes.len() as u64, self.len - self.trailer);
        bytes
    }

    fn local_header(&self, entry: usize) -> Vec<u8> {
        let entry = &self.entries[entry];
        let zip64 = entry_needs_zip64(entry.size);
        let (time, date) = dos_date_time(entry.modified);
        let (version, sizes, extra_len) =
            if zip64 { (VERSION_ZIP64, MARKER_32, ZIP64_LOCAL_EXTRA_LEN) } else { (VERSION_CLASSIC, entry.size, 0) };
        let mut bytes = Vec::with_capacity(local_header_len(entry) as usize);
        bytes.le32(LOCAL_HEADER_SIGNATURE).le16(version).le16(FLAGS).le16(STORED).le16(time).le16(date);
        bytes.le32(0).le32(sizes as u32).le32(sizes as u32); // CRC-32 (in the descriptor), both sizes
        bytes.le16(entry.name.len() as u16).le16(extra_len as u16).extend_from_slice(entry.name.as_bytes());
        if zip64 {
            // Also says the descriptor has 8-byte sizes.
            bytes.le16(ZIP64_EXTRA_ID).le16((ZIP64_LOCAL_EXTRA_LEN - 4) as u16).le64(entry.size).le64(entry.size);
        }
        bytes
    }

    fn needs_zip64_end(&self) -> bool {
        self.entries.len() as u64 >= MARKER_16 || self.central_directory_len >= MARKER_32 || self.trailer >= MARKER_32
    }

    fn put_end_records(&self, bytes: &mut Vec<u8>) {
        let (count, directory_len, directory_offset) =
            (self.entries.len() as u64, self.central_directory_len, self.trailer);
        let zip64 = self.needs_zip64_end();
        if zip64 {
            bytes.le32(ZIP64_END_SIGNATURE).le64(ZIP64_END_LEN - 12); // size of the rest of the record
            bytes.le16(MADE_BY_UNIX | VERSION_ZIP64).le16(VERSION_ZIP64);
            // This disk, the central directory's disk, entries on this disk and in all.
            bytes.le32(0).le32(0).le64(count).le64(count).le64(directory_len).le64(directory_offset);
            // The ZIP64 end record's disk and offset, the number of disks.
            bytes.le32(ZIP64_LOCATOR_SIGNATURE).le32(0).le64(directory_offset + directory_len).le32(1);
        }
        let count = if zip64 { MARKER_16 } else { count } as u16;
        let (directory_len, directory_offset) =
            if zip64 { (MARKER_32, MARKER_32) } else { (directory_len, directory_offset) };
        bytes.le32(END_SIGNATURE).le16(0).le16(0).le16(count).le16(count);
        bytes.le32(directory_len as u32).le32(directory_offset as u32).le16(0); // no comment
    }
}

fn put_central_header(bytes: &mut Vec<u8>, entry: &ArchiveEntry, header_offset: u64, crc32: u32) {
    let zip64 = central_needs_zip64(entry.size, header_offset);
    let (version, extra_len) = if zip64 { (VERSION_ZIP64, ZIP64_CENTRAL_EXTRA_LEN) } else { (VERSION_CLASSIC, 0) };
    let (size, offset) = if zip64 { (MARKER_32, MARKER_32) } else { (entry.size, header_offset) };
    let (time, date) = dos_date_time(entry.modified);
    bytes.le32(CENTRAL_HEADER_SIGNATURE).le16(MADE_BY_UNIX | version).le16(version);
    bytes.le16(FLAGS).le16(STORED).le16(time).le16(date).le32(crc32).le32(size as u32).le32(size as u32);
    // Name, extra field and comment lengths; the entry's disk; internal and external attributes.
    bytes.le16(entry.name.len() as u16).le16(extra_len as u16).le16(0).le16(0).le16(0).le32(EXTERNAL_ATTRIBUTES);
    bytes.le32(offset as u32).extend_from_slice(entry.name.as_bytes());
    if zip64 {
        bytes.le16(ZIP64_EXTRA_ID).le16((ZIP64_CENTRAL_EXTRA_LEN - 4) as u16);
        bytes.le64(entry.size).le64(entry.size).le64(header_offset); // uncompressed, compressed, offset
    }
}

/// The part of `region` inside `wanted`, relative to the region's start.
fn overlap(region: Range<u64>, wanted: &Range<u64>) -> Option<Range<u64>> {
    let start = region.start.max(wanted.start);
    let end = region.end.min(wanted.end);
    (start < end).then(|| start - region.start..end - region.start)
}

/// Appends little-endian fields in the order APPNOTE lists them.
trait LittleEndian {
    fn le16(&mut self, value: u16) -> &mut Self;
    fn le32(&mut self, value: u32) -> &mut Self;
    fn le64(&mut self, value: u64) -> &mut Self;
}

impl LittleEndian for Vec<u8> {
    fn le16(&mut self, value: u16) -> &mut Self {
        self.extend_from_slice(&value.to_le_bytes());
        self
    }
    fn le32(&mut self, value: u32) -> &mut Self {
        self.extend_from_slice(&value.to_le_bytes());
        self
    }
    fn le64(&mut self, value: u64) -> &mut Self {
        self.extend_from_slice(&value.to_le_bytes());
        self
    }
}

/// MS-DOS (time, date): the only timestamp every reader shows. Odd seconds round down.
fn dos_date_time(modified: NaiveDateTime) -> (u16, u16) {
    let earliest = NaiveDate::from_ymd_opt(1980, 1, 1).and_then(|day| day.and_hms_opt(0, 0, 0)).expect("valid");
    let latest = NaiveDate::from_ymd_opt(2107, 12, 31).and_then(|day| day.and_hms_opt(23, 59, 58)).expect("valid");
    let modified = modified.clamp(earliest, latest);
    let time = (modified.hour() << 11) | (modified.minute() << 5) | (modified.second() / 2);
    let date = ((modified.year() as u32 - 1980) << 9) | (modified.month() << 5) | modified.day();
    (time as u16, date as u16)
}

/// Gives every entry a safe name, unique regardless of case (Windows and macOS file systems ignore it):
/// the second `photo.jpg` becomes `photo (2).jpg`.
fn with_unique_names(mut entries: Vec<ArchiveEntry>) -> Vec<ArchiveEntry> {
    let mut taken = HashSet::new();
    // Per safe name, the next number to try, so many copies of one name do not retry 2, 3, … each time.
    let mut next_number: HashMap<String, u32> = HashMap::new();
    for entry in &mut entries {
        let safe = safe_name(&entry.name);
        let mut name = safe.clone();
        while !taken.insert(name.to_lowercase()) {
            let number = next_number.entry(safe.to_lowercase()).or_insert(2);
            name = numbered(&safe, *number);
            *number += 1;
        }
        entry.name = name;
    }
    entries
}

/// A name that cannot leave the folder it is extracted into, nor fail to extract on Windows: the final
/// path component only, without control characters, characters Windows refuses, a leading `.` (hidden,
/// or `..`), trailing dots and spaces (Windows drops them, merging `a.jpg.` into `a.jpg`) or a device
/// name (`CON`, `com1.txt`), at most 255 bytes; `file` when nothing is left.
fn safe_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).find(|component| !component.is_empty()).unwrap_or("");
    let replaced: String =
        last.chars().map(|c| if c.is_control() || WINDOWS_FORBIDDEN.contains(&c) { '_' } else { c }).collect();
    let mut name = replaced.trim_end_matches(['.', ' ']).to_string();
    if name.starts_with('.') {
        name.replace_range(..1, "_");
    }
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_lowercase();
    if WINDOWS_DEVICES.contains(&stem.as_str()) {
        name.insert(0, '_');
    }
    let name = if name.is_empty() { "file".to_string() } else { name };
    let (stem, extension) = split_extension(&name);
    fit(stem, "", extension)
}

/// (`photo`, `.jpg`) for `photo.jpg`; no extension when the dot is the first character or too far back.
fn split_extension(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION_BYTES => name.split_at(dot),
        _ => (name, ""),
    }
}

/// `name` with ` (number)` before its extension.
fn numbered(name: &str, number: u32) -> String {
    let (stem, extension) = split_extension(name);
    fit(stem, &format!(" ({number})"), extension)
}

/// `stem + suffix + extension`, the stem cut (at a character boundary) so the whole fits in 255 bytes.
fn fit(stem: &str, suffix: &str, extension: &str) -> String {
    let room = MAX_NAME_BYTES - suffix.len() - extension.len();
    let mut cut = stem.len().min(room);
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    let stem = if cut < stem.len() { stem[..cut].trim_end_matches(['.', ' ']) } else { stem };
    format!("{stem}{suffix}{extension}")
}
