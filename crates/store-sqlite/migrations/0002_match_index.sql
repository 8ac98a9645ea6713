-- Match index for leak triage (rampart-docmatch fingerprints), filled at
-- upload and rebuilt by `rampart reindex`. Hashes are raw 32-byte SHA-256;
-- fingerprints are `Fingerprint::to_bytes()`; LSH band keys are the u64
-- keys stored as i64 (`key as i64`), anchors the u32 sketch entries.
--
-- Two corpora with the same shape: document versions (`match_versions`,
-- `match_bands`, `match_anchors`) and public reference material registered
-- with `rampart public add` (`public_refs`, `public_ref_bands`,
-- `public_ref_anchors`). Separate tables keep the version tables' foreign
-- keys to `documents` and make "clear and rebuild the version index" a
-- plain DELETE that leaves registered public material alone.

-- One row per indexed version. `fingerprint` is NULL when the version could
-- not be extracted (`problem` says why): it can then only match by bytes.
CREATE TABLE match_versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    bytes_sha256 BLOB NOT NULL,
    text_sha256 BLOB,
    fingerprint BLOB,
    problem TEXT,
    indexed_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE INDEX match_versions_bytes ON match_versions(bytes_sha256);
CREATE INDEX match_versions_text ON match_versions(text_sha256);

CREATE TABLE match_bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    document_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    FOREIGN KEY (document_id, version) REFERENCES match_versions(document_id, version) ON DELETE CASCADE
);
CREATE INDEX match_bands_key ON match_bands(band, key);
CREATE INDEX match_bands_version ON match_bands(document_id, version);

CREATE TABLE match_anchors (
    anchor INTEGER NOT NULL,
    document_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    FOREIGN KEY (document_id, version) REFERENCES match_versions(document_id, version) ON DELETE CASCADE
);
CREATE INDEX match_anchors_anchor ON match_anchors(anchor);
CREATE INDEX match_anchors_version ON match_anchors(document_id, version);

-- Material known to be public (press releases, earlier leaks): `source` is
-- the operator's description, `path` the file's path when registered.
CREATE TABLE public_refs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes_sha256 BLOB NOT NULL,
    text_sha256 BLOB,
    fingerprint BLOB,
    problem TEXT,
    added_at INTEGER NOT NULL
);
CREATE INDEX public_refs_bytes ON public_refs(bytes_sha256);
CREATE INDEX public_refs_text ON public_refs(text_sha256);

CREATE TABLE public_ref_bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    ref_id INTEGER NOT NULL REFERENCES public_refs(id) ON DELETE CASCADE
);
CREATE INDEX public_ref_bands_key ON public_ref_bands(band, key);
CREATE INDEX public_ref_bands_ref ON public_ref_bands(ref_id);

CREATE TABLE public_ref_anchors (
    anchor INTEGER NOT NULL,
    ref_id INTEGER NOT NULL REFERENCES public_refs(id) ON DELETE CASCADE
);
CREATE INDEX public_ref_anchors_anchor ON public_ref_anchors(anchor);
CREATE INDEX public_ref_anchors_ref ON public_ref_anchors(ref_id);
