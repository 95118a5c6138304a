-- Indexed search: a full-text vector over the words of each item's name (title, file name;
-- weight A, which ranks first) and the rest (alt text, tags, camera), as cut by
-- `model::search` in Rust. The `simple` configuration: no stemming, no stop words, so a
-- prefix typed finds what FTS5 on SQLite finds.
ALTER TABLE media ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE media SET
    search_name = trim(regexp_replace(lower(title || ' ' || original_filename), '[^[:alnum:]]+', ' ', 'g')),
    search_text = trim(regexp_replace(lower(search_text), '[^[:alnum:]]+', ' ', 'g'));
ALTER TABLE media ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', search_name), 'A') || to_tsvector('simple', search_text)
) STORED;
CREATE INDEX media_search_idx ON media USING GIN (search_vector);
