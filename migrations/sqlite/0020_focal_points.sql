-- A photo's focal point, as fractions of its width and height from the top left (both or
-- neither; neither: the centre). Every crop keeps it in frame (see model::focus).
ALTER TABLE media ADD COLUMN focus_x REAL CHECK (focus_x IS NULL OR (focus_x >= 0 AND focus_x <= 1));
ALTER TABLE media ADD COLUMN focus_y REAL CHECK (focus_y IS NULL OR (focus_y >= 0 AND focus_y <= 1));
