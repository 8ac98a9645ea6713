-- Postings keyed by integer item ids. The band and anchor postings named
-- their version by (document id text, version): ~50 bytes per posting in
-- the lookup index, whose 9.2 M anchor postings at 10^5 versions were
-- far larger than any page cache, and triage spent a quarter of its CPU
-- reading them. Now each version row has an integer id and the postings
-- are WITHOUT ROWID tables keyed by (anchor, item) and (band, key, item):
-- the lookup reads the table itself, ~a quarter of the size, with no
-- separate covering index. The item indexes serve deletes (reindex and
-- the cascade from a deleted document) and are never read by lookups.

CREATE TABLE match_versions_new (
    id INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    bytes_sha256 BLOB NOT NULL,
    text_sha256 BLOB,
    fingerprint BLOB,
    encoding BLOB,
    problem TEXT,
    indexed_at INTEGER NOT NULL,
    UNIQUE (document_id, version)
);
INSERT INTO match_versions_new (document_id, version, bytes_sha256, text_sha256, fingerprint, encoding, problem, indexed_at)
    SELECT document_id, version, bytes_sha256, text_sha256, fingerprint, encoding, problem, indexed_at
    FROM match_versions ORDER BY document_id, version;

CREATE TABLE match_bands_new (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    item INTEGER NOT NULL REFERENCES match_versions_new(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, item)
) WITHOUT ROWID;
INSERT OR IGNORE INTO match_bands_new (band, key, item)
    SELECT b.band, b.key, i.id FROM match_bands b
    JOIN match_versions_new i ON i.document_id = b.document_id AND i.version = b.version
    ORDER BY b.band, b.key, i.id;

CREATE TABLE match_anchors_new (
    anchor INTEGER NOT NULL,
    item INTEGER NOT NULL REFERENCES match_versions_new(id) ON DELETE CASCADE,
    PRIMARY KEY (anchor, item)
) WITHOUT ROWID;
INSERT OR IGNORE INTO match_anchors_new (anchor, item)
    SELECT a.anchor, i.id FROM match_anchors a
    JOIN match_versions_new i ON i.document_id = a.document_id AND i.version = a.version
    ORDER BY a.anchor, i.id;

-- The children first: dropping a parent deletes its rows, which would
-- cascade into them one by one. Renaming a parent updates its children's
-- references.
DROP TABLE match_bands;
DROP TABLE match_anchors;
DROP TABLE match_versions;
ALTER TABLE match_versions_new RENAME TO match_versions;
ALTER TABLE match_bands_new RENAME TO match_bands;
ALTER TABLE match_anchors_new RENAME TO match_anchors;
CREATE INDEX match_bands_item ON match_bands(item);
CREATE INDEX match_anchors_item ON match_anchors(item);
CREATE INDEX match_versions_bytes ON match_versions(bytes_sha256);
CREATE INDEX match_versions_text ON match_versions(text_sha256);
CREATE INDEX match_versions_encoding ON match_versions(encoding);

-- Public references already have integer ids; their postings get the
-- same compact shape.
CREATE TABLE public_ref_bands_new (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    ref_id INTEGER NOT NULL REFERENCES public_refs(id) ON DELETE CASCADE,
    PRIMARY KEY (band, key, ref_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO public_ref_bands_new SELECT band, key, ref_id FROM public_ref_bands;
DROP TABLE public_ref_bands;
ALTER TABLE public_ref_bands_new RENAME TO public_ref_bands;
CREATE INDEX public_ref_bands_ref ON public_ref_bands(ref_id);

CREATE TABLE public_ref_anchors_new (
    anchor INTEGER NOT NULL,
    ref_id INTEGER NOT NULL REFERENCES public_refs(id) ON DELETE CASCADE,
    PRIMARY KEY (anchor, ref_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO public_ref_anchors_new SELECT anchor, ref_id FROM public_ref_anchors;
DROP TABLE public_ref_anchors;
ALTER TABLE public_ref_anchors_new RENAME TO public_ref_anchors;
CREATE INDEX public_ref_anchors_ref ON public_ref_anchors(ref_id);
