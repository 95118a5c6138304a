-- Private share links of a collection. The token is kept as it is (not hashed like API tokens):
-- an editor copies a link again later, and the token opens one collection's pictures only.
CREATE TABLE share_links (
    id             UUID PRIMARY KEY,
    collection_id  UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    token          TEXT NOT NULL,
    label          TEXT NOT NULL DEFAULT '',
    expires_at     TIMESTAMPTZ,
    -- Argon2id, like account passwords; NULL: no password.
    password_hash  TEXT,
    allow_download BOOLEAN NOT NULL DEFAULT FALSE,
    allow_upload   BOOLEAN NOT NULL DEFAULT FALSE,
    max_files      BIGINT CHECK (max_files IS NULL OR max_files > 0),
    max_bytes      BIGINT CHECK (max_bytes IS NULL OR max_bytes > 0),
    view_count     BIGINT NOT NULL DEFAULT 0,
    created_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    CONSTRAINT share_links_token_key UNIQUE (token)
);
CREATE INDEX share_links_collection_idx ON share_links (collection_id, created_at);

-- File requests: everyone sending through one link uploads as that link's guest, a disabled
-- account no one signs in to (so the upload books work as for anyone), named "from <label>".
-- Guests are nobody on the team: never listed among people, even after their link is gone.
ALTER TABLE users ADD COLUMN is_guest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE share_links ADD COLUMN guest_user_id UUID REFERENCES users (id) ON DELETE SET NULL;
-- What a guest sent waits in the inbox of its link: outside the library like a trashed item
-- (`deleted_at` is when it arrived, so every library query leaves it out), but not in the trash.
-- Accepting clears both; a link gone (its collection purged) leaves its items in the trash.
ALTER TABLE media ADD COLUMN inbox_share_id UUID REFERENCES share_links (id) ON DELETE SET NULL;
CREATE INDEX media_inbox_idx ON media (inbox_share_id) WHERE inbox_share_id IS NOT NULL;
