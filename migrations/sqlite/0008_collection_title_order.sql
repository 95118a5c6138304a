-- Collection titles order by bytes: SQLite's BINARY collation already does (kept in step with
-- postgres/0008, which makes PostgreSQL do the same).
SELECT 1;
