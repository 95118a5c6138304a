-- Tags: many per item, created on the fly. `name_key` (the name lower-cased) makes "Beach"
-- and "beach" one tag.
CREATE TABLE tags (
    id         BLOB PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT tags_name_key UNIQUE (name_key)
);

CREATE TABLE media_tags (
    media_id BLOB NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    tag_id   BLOB NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (media_id, tag_id)
);
-- Filtering by a tag reads its items from here.
CREATE INDEX media_tags_tag_idx ON media_tags (tag_id, media_id);
