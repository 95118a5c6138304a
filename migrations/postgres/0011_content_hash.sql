-- The SHA-256 of each file's content, when the uploader gave it (the command line does; the
-- browser may): a file already in the library is recognised before its bytes are sent again.
ALTER TABLE upload_files ADD COLUMN sha256 TEXT;
ALTER TABLE media ADD COLUMN sha256 TEXT;
CREATE INDEX media_sha256_idx ON media (sha256);

-- `vitrine check --repair` marks an item whose original is gone from the bucket.
ALTER TABLE media ADD COLUMN missing_at TIMESTAMPTZ;
