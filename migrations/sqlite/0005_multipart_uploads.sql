-- Files above the multipart threshold go to the store in fixed-size parts. The store's upload
-- id and the part size live on the file; each part's ETag is recorded as the browser reports
-- it (the store's ListParts stays the truth on resume).
ALTER TABLE upload_files ADD COLUMN multipart_upload_id TEXT;
ALTER TABLE upload_files ADD COLUMN part_size INTEGER CHECK (part_size IS NULL OR part_size > 0);
-- What the browser matches a re-selected file against: its lastModified (ms) and a hash of its
-- first and last MiB.
ALTER TABLE upload_files ADD COLUMN last_modified INTEGER;
ALTER TABLE upload_files ADD COLUMN fingerprint TEXT;

CREATE TABLE upload_parts (
    file_id     BLOB NOT NULL REFERENCES upload_files (id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
    etag        TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL CHECK (size_bytes > 0),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (file_id, part_number)
);
