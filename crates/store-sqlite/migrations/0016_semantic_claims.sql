-- Leases on pending versions, so that embedders running at once (serve
-- and reindex, or several nodes) do not embed the same version: a claim
-- holds a version until `claimed_until` (Unix ms), and is dropped when the
-- version's passages are stored. A claim past its time is free again: an
-- embedder that stopped mid-batch leaves its versions to the others.
CREATE TABLE semantic_claims (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL,
    PRIMARY KEY (document_id, version)
) WITHOUT ROWID;
