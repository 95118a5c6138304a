-- A collection downloaded as one ZIP (/c/<slug>/download): visitors of its public gallery may
-- when the editors allow it (the team always may). Each original's CRC-32 is remembered the
-- first time it is read whole into an archive, so a resumed download need not read it again.
ALTER TABLE collections ADD COLUMN allow_download INTEGER NOT NULL DEFAULT 0 CHECK (allow_download IN (0, 1));
ALTER TABLE media ADD COLUMN crc32 INTEGER CHECK (crc32 IS NULL OR (crc32 >= 0 AND crc32 <= 4294967295));
