-- Private share links of a collection. The token is kept as it is (not hashed like API tokens):
-- an editor copies a link again later, and the token opens one collection's pictures only.
CREATE TABLE share_links (
    id             BLOB PRIMARY KEY NOT NULL,
    collection_id  BLOB NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    token          TEXT NOT NULL,
    label          TEXT NOT NULL DEFAULT '',
    expires_at     TEXT,
    -- Argon2id, like account passwords; NULL: no password.
    password_hash  TEXT,
    allow_download INTEGER NOT NULL DEFAULT 0 CHECK (allow_download IN (0, 1)),
    allow_upload   INTEGER NOT NULL DEFAULT 0 CHECK (allow_upload IN (0, 1)),
    max_files      INTEGER CHECK (max_files IS NULL OR max_files > 0),
    max_bytes      INTEGER CHECK (max_bytes IS NULL OR max_bytes > 0),
    view_count     INTEGER NOT NULL DEFAULT 0,
    created_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    revoked_at     TEXT,
    CONSTRAINT share_links_token_key UNIQUE (token)
);
CREATE INDEX share_links_collection_idx ON share_links (collection_id, created_at);

-- File requests: everyone sending through one link uploads as that link's guest, a disabled
-- account no one signs in to (so the upload books work as for anyone), named "from <label>".
-- Guests are nobody on the team: never listed among people, even after their link is gone.
ALTER TABLE users ADD COLUMN is_guest INTEGER NOT NULL DEFAULT 0 CHECK (is_guest IN (0, 1));
ALTER TABLE share_links ADD COLUMN guest_user_id BLOB REFERENCES users (id) ON DELETE SET NULL;
-- What a guest sent waits in the inbox of its link: outside the library like a trashed item
-- (`deleted_at` is when it arrived, so every library query leaves it out), but not in the trash.
-- Accepting clears both; a link gone (its collection purged) leaves its items in the trash.
ALTER TABLE media ADD COLUMN inbox_share_id BLOB REFERENCES share_links (id) ON DELETE SET NULL;
CREATE INDEX media_inbox_idx ON media (inbox_share_id) WHERE inbox_share_id IS NOT NULL;
