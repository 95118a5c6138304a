-- Search keys that order as created_at, so reading the FTS index newest rowid first is reading
-- the newest items first: a search page stops after its first hits instead of ranking and
-- sorting every one (see sql/search.rs, `streamed`). A key is (unix milliseconds << 20) plus a
-- counter within that millisecond; the page is re-sorted exactly within the last one.
DROP TRIGGER media_fts_insert;
DROP TRIGGER media_fts_update;
DROP TRIGGER media_fts_delete;
DROP TABLE media_fts;
DROP TABLE media_search_keys;
CREATE TABLE media_search_keys (
    rowid    INTEGER PRIMARY KEY,
    media_id BLOB NOT NULL UNIQUE REFERENCES media (id) ON DELETE CASCADE
);
INSERT INTO media_search_keys (rowid, media_id)
    SELECT (ms << 20) + row_number() OVER (PARTITION BY ms ORDER BY id) - 1, id
    FROM (SELECT id, CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER) AS ms FROM media);
CREATE VIRTUAL TABLE media_fts USING fts5(
    search_name, search_text, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);
INSERT INTO media_fts (rowid, search_name, search_text)
    SELECT k.rowid, m.search_name, m.search_text FROM media_search_keys k JOIN media m ON m.id = k.media_id
    ORDER BY k.rowid;

CREATE TRIGGER media_fts_insert AFTER INSERT ON media BEGIN
    SELECT RAISE(ABORT, 'media.created_at is not a timestamp') WHERE julianday(new.created_at) IS NULL;
    INSERT INTO media_search_keys (rowid, media_id)
        SELECT COALESCE((SELECT max(rowid) + 1 FROM media_search_keys
                         WHERE rowid >= b.ms << 20 AND rowid < (b.ms + 1) << 20), b.ms << 20), new.id
        FROM (SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) AS ms) AS b;
    INSERT INTO media_fts (rowid, search_name, search_text)
        VALUES ((SELECT rowid FROM media_search_keys WHERE media_id = new.id), new.search_name, new.search_text);
END;

CREATE TRIGGER media_fts_update AFTER UPDATE OF search_name, search_text ON media BEGIN
    DELETE FROM media_fts WHERE rowid = (SELECT rowid FROM media_search_keys WHERE media_id = old.id);
    INSERT INTO media_fts (rowid, search_name, search_text)
        VALUES ((SELECT rowid FROM media_search_keys WHERE media_id = new.id), new.search_name, new.search_text);
END;

-- created_at is never updated today; if it ever is, the item takes a new key.
CREATE TRIGGER media_fts_rekey AFTER UPDATE OF created_at ON media
WHEN CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) IS NOT CAST(round((julianday(old.created_at) - 2440587.5) * 86400000.0) AS INTEGER) BEGIN
    DELETE FROM media_fts WHERE rowid = (SELECT rowid FROM media_search_keys WHERE media_id = old.id);
    DELETE FROM media_search_keys WHERE media_id = old.id;
    INSERT INTO media_search_keys (rowid, media_id)
        SELECT COALESCE((SELECT max(rowid) + 1 FROM media_search_keys
                         WHERE rowid >= b.ms << 20 AND rowid < (b.ms + 1) << 20), b.ms << 20), new.id
        FROM (SELECT CAST(round((julianday(new.created_at) - 2440587.5) * 86400000.0) AS INTEGER) AS ms) AS b;
    INSERT INTO media_fts (rowid, search_name, search_text)
        VALUES ((SELECT rowid FROM media_search_keys WHERE media_id = new.id), new.search_name, new.search_text);
END;

CREATE TRIGGER media_fts_delete BEFORE DELETE ON media BEGIN
    DELETE FROM media_fts WHERE rowid = (SELECT rowid FROM media_search_keys WHERE media_id = old.id);
END;
