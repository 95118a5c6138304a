-- Bumped by every change that alters what a collection's public page shows (its row, its
-- items and their order, an item's title or alt text). Each instance keys its rendered-page
-- cache on (slug, content_version), so a change on any instance shows on the next request.
ALTER TABLE collections ADD COLUMN content_version BIGINT NOT NULL DEFAULT 0;
