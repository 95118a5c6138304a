-- The library: a byte-ordered sort name, a lowercased search text, a thumbhash placeholder.
ALTER TABLE media ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN thumbhash TEXT;
UPDATE media SET sort_name = lower(original_filename), search_text = lower(original_filename);
CREATE INDEX media_sort_name_idx ON media (sort_name, id);
CREATE INDEX media_size_idx ON media (size_bytes DESC, id DESC);
