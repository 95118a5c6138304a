-- Slugs a collection had before a rename: /c/<old> answers 301 to the current slug.
CREATE TABLE collection_slug_history (
    old_slug      TEXT PRIMARY KEY NOT NULL,
    collection_id BLOB NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL
);
CREATE INDEX collection_slug_history_collection_idx ON collection_slug_history (collection_id);
CREATE INDEX collections_published_idx ON collections (published, created_at DESC);
