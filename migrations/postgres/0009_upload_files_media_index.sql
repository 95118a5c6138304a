-- upload_files.media_id references media: without an index, every media row inserted (SQLite
-- checks a deferred foreign key against its children) or deleted (ON DELETE SET NULL) scans
-- every upload file. Measured: completions went from a full scan each to an index lookup.
CREATE INDEX upload_files_media_idx ON upload_files (media_id);
