-- A video's poster frame (a JPEG the browser made and uploaded beside it) and its duration, as
-- the browser's <video> element read them. Width and height use the existing columns.
ALTER TABLE media ADD COLUMN poster_key TEXT;
ALTER TABLE media ADD COLUMN duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0);
