-- Vitrine's first schema (SQLite). UUIDs are stored as 16-byte BLOBs (sqlx's encoding), times as RFC 3339 TEXT (UTC).
-- Foreign keys are enforced: the pool turns on PRAGMA foreign_keys for every connection.

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

-- One row per stored object.
CREATE TABLE media (
    id                BLOB PRIMARY KEY NOT NULL,
    object_key        TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL CHECK (size_bytes >= 0),
    width             INTEGER CHECK (width IS NULL OR width > 0),
    height            INTEGER CHECK (height IS NULL OR height > 0),
    title             TEXT NOT NULL DEFAULT '',
    alt_text          TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    CONSTRAINT media_object_key_key UNIQUE (object_key)
);
CREATE INDEX media_created_idx ON media (created_at DESC, id DESC);

CREATE TABLE collections (
    id             BLOB PRIMARY KEY NOT NULL,
    title          TEXT NOT NULL,
    slug           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    published      INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    cover_media_id BLOB REFERENCES media (id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT collections_slug_key UNIQUE (slug)
);

CREATE TABLE collection_media (
    collection_id BLOB NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    media_id      BLOB NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    display_order INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    PRIMARY KEY (collection_id, media_id)
);
CREATE INDEX collection_media_order_idx ON collection_media (collection_id, display_order);
CREATE INDEX collection_media_media_idx ON collection_media (media_id);

-- One upload job per batch.
CREATE TABLE upload_jobs (
    id              BLOB PRIMARY KEY NOT NULL,
    status          TEXT NOT NULL DEFAULT 'in_progress'
                    CHECK (status IN ('in_progress', 'completed', 'completed_with_errors', 'failed')),
    total_files     INTEGER NOT NULL CHECK (total_files > 0),
    completed_files INTEGER NOT NULL DEFAULT 0 CHECK (completed_files >= 0),
    failed_files    INTEGER NOT NULL DEFAULT 0 CHECK (failed_files >= 0),
    collection_id   BLOB REFERENCES collections (id) ON DELETE SET NULL,
    created_by      BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (completed_files + failed_files <= total_files)
);
CREATE INDEX upload_jobs_created_idx ON upload_jobs (created_at DESC, id DESC);

-- One upload file per file of a batch: pending -> uploading -> completed | failed.
CREATE TABLE upload_files (
    id                BLOB PRIMARY KEY NOT NULL,
    job_id            BLOB NOT NULL REFERENCES upload_jobs (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL CHECK (position >= 0),
    media_id          BLOB REFERENCES media (id) ON DELETE SET NULL
                      -- checked at commit: a completion sets it before inserting the media row
                      DEFERRABLE INITIALLY DEFERRED,
    object_key        TEXT NOT NULL,
    original_filename TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL CHECK (size_bytes >= 0),
    content_type      TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'uploading', 'completed', 'failed')),
    etag              TEXT,
    error             TEXT,
    url_expires_at    TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    completed_at      TEXT,
    CONSTRAINT upload_files_object_key_key UNIQUE (object_key)
);
CREATE INDEX upload_files_job_idx ON upload_files (job_id, position);
CREATE INDEX upload_files_open_idx ON upload_files (status, url_expires_at);
