-- A photo a resizing CDN may not read (HEIC, AVIF, TIFF) is shown through a display rendition:
-- the same pixels as a JPEG (or WebP when transparent) beside the original, made at completion.
-- Every delivery URL but "download the original" resizes it.
ALTER TABLE media ADD COLUMN display_key TEXT;
