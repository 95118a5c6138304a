-- Optional HLS renditions of videos (VITRINE_TRANSCODE=1 with ffmpeg): the master playlist's key,
-- and one job per video for the background worker. The worker claims a job with a guarded
-- update, so instances never both take one; a job left "running" by a worker that died is
-- claimed again once stale.
ALTER TABLE media ADD COLUMN hls_key TEXT;

CREATE TABLE transcode_jobs (
    media_id   UUID PRIMARY KEY NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX transcode_jobs_status_idx ON transcode_jobs (status, updated_at);
