-- Indexed search: FTS5 over the words of each item's name (title, file name) and the rest
-- (alt text, tags, camera), as cut by `model::search` in Rust.
ALTER TABLE media ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE media SET search_name = lower(title || ' ' || original_filename);

-- FTS5 rows are keyed by integers. `media` has no integer key of its own and its implicit
-- rowids may change under VACUUM, so each item gets a stable one here.
CREATE TABLE media_search_keys (
    rowid    INTEGER PRIMARY KEY,
    media_id BLOB NOT NULL UNIQUE REFERENCES media (id) ON DELETE CASCADE
);

-- `prefix` indexes the first 2 and 3 characters of every word: typing a short prefix is one
-- index lookup, not a scan of every word that starts with it. Diacritics are kept, as on
-- PostgreSQL's `simple` configuration, so both databases find the same items.
CREATE VIRTUAL TABLE media_fts USING fts5(
    search_name, search_text, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'
);

INSERT INTO media_search_keys (media_id) SELECT id FROM media ORDER BY created_at, id;
INSERT INTO media_fts (rowid, search_name, search_text)
    SELECT k.rowid, m.search_name, m.search_text FROM media_search_keys k JOIN media m ON m.id = k.media_id;

CREATE TRIGGER media_fts_insert AFTER INSERT ON media BEGIN
    INSERT INTO media_search_keys (media_id) VALUES (new.id);
    INSERT INTO media_fts (rowid, search_name, search_text)
        VALUES ((SELECT rowid FROM media_search_keys WHERE media_id = new.id), new.search_name, new.search_text);
END;

CREATE TRIGGER media_fts_update AFTER UPDATE OF search_name, search_text ON media BEGIN
    DELETE FROM media_fts WHERE rowid = (SELECT rowid FROM media_search_keys WHERE media_id = old.id);
    INSERT INTO media_fts (rowid, search_name, search_text)
        VALUES ((SELECT rowid FROM media_search_keys WHERE media_id = new.id), new.search_name, new.search_text);
END;

-- Runs before the key row goes (its foreign key cascades after the media row is deleted).
CREATE TRIGGER media_fts_delete BEFORE DELETE ON media BEGIN
    DELETE FROM media_fts WHERE rowid = (SELECT rowid FROM media_search_keys WHERE media_id = old.id);
END;
