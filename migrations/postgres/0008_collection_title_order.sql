-- Collection titles order by bytes, as SQLite's BINARY does, so lists match on both databases
-- (the database's locale would put "apple" before "Banana"; bytes put "Banana" first).
ALTER TABLE collections ALTER COLUMN title TYPE TEXT COLLATE "C";
