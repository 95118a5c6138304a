-- Photo metadata read from EXIF at completion: the facts as JSON (`PhotoFacts`), and the
-- moment taken on its own, for the "taken" sort (photos without one sort by upload time).
ALTER TABLE media ADD COLUMN taken_at TIMESTAMPTZ;
ALTER TABLE media ADD COLUMN photo_facts TEXT;
CREATE INDEX media_taken_idx ON media (COALESCE(taken_at, created_at) DESC, id DESC);
