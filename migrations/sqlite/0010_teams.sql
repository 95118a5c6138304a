-- Teams: roles, disabled accounts, who created what, sessions a person can see and end,
-- invitations, API tokens, and sign-in failure counts every instance shares.
ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
-- Accounts made before teams existed are the admin from the environment: owners.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'editor', 'viewer'));
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Deleting a person keeps what they made; "uploaded by" then reads "former member".
ALTER TABLE media ADD COLUMN created_by BLOB REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE collections ADD COLUMN created_by BLOB REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX media_created_by_idx ON media (created_by, created_at DESC, id DESC);

-- One row per signed-in browser. The session cookie's record holds this row's id; deleting the
-- row ends that session on every instance at its next request.
CREATE TABLE user_sessions (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

CREATE TABLE invitations (
    id          BLOB PRIMARY KEY NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
    -- SHA-256 of the link's secret: the link itself is shown once and never stored.
    secret_hash TEXT NOT NULL,
    invited_by  BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    revoked_at  TEXT,
    CONSTRAINT invitations_secret_key UNIQUE (secret_hash)
);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    -- The first characters of the secret, shown to tell tokens apart; the secret's SHA-256.
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT,
    CONSTRAINT api_tokens_secret_key UNIQUE (secret_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Failed sign-ins per account as a GCRA bucket: the moment (ms since the epoch) the bucket
-- would be empty again. Shared by every instance.
CREATE TABLE sign_in_failures (
    account     TEXT PRIMARY KEY NOT NULL,
    drained_at  INTEGER NOT NULL
);

-- What was uploaded before teams: its upload job knows who started it.
UPDATE media SET created_by = (
    SELECT j.created_by FROM upload_files f JOIN upload_jobs j ON j.id = f.job_id WHERE f.media_id = media.id
);
