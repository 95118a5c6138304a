-- Search in the newest-first orders reads the newest items first and stops once a page is
-- found, instead of fetching and sorting every hit of a common prefix (see sql/search.rs,
-- `streamed_postgres`). The words of each item's name get a vector of their own, carried in a
-- newest-first index of the live items so that walk never touches the table, and a GIN index
-- for the rare words the walk does not find enough of. (Adding a stored column rewrites the
-- table once.)
ALTER TABLE media ADD COLUMN name_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_name)) STORED;
CREATE INDEX media_live_names_idx ON media (created_at DESC, id DESC) INCLUDE (name_vector) WHERE deleted_at IS NULL;
CREATE INDEX media_name_search_idx ON media USING GIN (name_vector);
