-- A file sent without a hash whose content turned out, at completion, to be in the library
-- already: no second item is made and the copy is deleted; the file points at the item that
-- holds the content.
ALTER TABLE upload_files ADD COLUMN duplicate_of UUID REFERENCES media (id) ON DELETE SET NULL;
