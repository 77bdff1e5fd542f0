-- Schema version 2: image scanning (issue 6).
-- * Flagged attachments are copied into the evidence at detection time (Discord's CDN links of
--   deleted messages stop working), so attachments get their own table with an optional BLOB.
-- * Per-guild image options: whether a photo with location data counts as a strike, and the
--   download / evidence size cap.

ALTER TABLE guild_settings ADD COLUMN location_strike INTEGER NOT NULL DEFAULT 0;
ALTER TABLE guild_settings ADD COLUMN max_image_bytes INTEGER NOT NULL DEFAULT 10485760;

CREATE TABLE evidence_attachments (
    strike_id     INTEGER NOT NULL REFERENCES evidence (strike_id) ON DELETE CASCADE,
    attachment_id TEXT NOT NULL,
    position      INTEGER NOT NULL,
    filename      TEXT NOT NULL,
    content_type  TEXT,
    size          INTEGER NOT NULL,
    url           TEXT,
    sha256        TEXT,
    data          BLOB,
    PRIMARY KEY (strike_id, attachment_id)
);

-- Carry v1 attachment metadata over (no bytes were kept in v1).
INSERT INTO evidence_attachments
    (strike_id, attachment_id, position, filename, content_type, size, url, sha256, data)
SELECT e.strike_id,
       CAST(json_extract(j.value, '$.attachment_id') AS TEXT),
       CAST(j.key AS INTEGER),
       COALESCE(json_extract(j.value, '$.filename'), ''),
       json_extract(j.value, '$.content_type'),
       COALESCE(json_extract(j.value, '$.size'), 0),
       json_extract(j.value, '$.url'),
       NULL,
       NULL
FROM evidence AS e, json_each(e.attachments_json) AS j
WHERE json_extract(j.value, '$.attachment_id') IS NOT NULL;

ALTER TABLE evidence DROP COLUMN attachments_json;
