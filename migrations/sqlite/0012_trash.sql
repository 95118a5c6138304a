-- The trash: a deleted item or collection keeps its row, its tags, memberships and order, and
-- is hidden everywhere until it is restored or the sweeper purges it after the retention.
ALTER TABLE media ADD COLUMN deleted_at TEXT;
ALTER TABLE media ADD COLUMN deleted_by BLOB REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX media_trash_idx ON media (deleted_at) WHERE deleted_at IS NOT NULL;
ALTER TABLE collections ADD COLUMN deleted_at TEXT;
ALTER TABLE collections ADD COLUMN deleted_by BLOB REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX collections_trash_idx ON collections (deleted_at) WHERE deleted_at IS NOT NULL;
