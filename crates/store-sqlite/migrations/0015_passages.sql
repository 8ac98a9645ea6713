-- The passage index for recognising rewritten leaks (rampart-semantic).
-- Keyed by document and version, not by match_versions.id: a version's
-- content never changes, so its passages outlive a `reindex`, which
-- rewrites the match rows. A row of semantic_versions says a version was
-- embedded by a model; a version without one for the current model is
-- pending (the durable queue the background embedder takes from).
CREATE TABLE semantic_versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    model TEXT NOT NULL,
    passages INTEGER NOT NULL,
    embedded_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, version)
) WITHOUT ROWID;
CREATE INDEX semantic_versions_model ON semantic_versions(model);

CREATE TABLE version_passages (
    document_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL,
    PRIMARY KEY (document_id, version, ordinal),
    FOREIGN KEY (document_id, version) REFERENCES semantic_versions(document_id, version) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE public_ref_passages (
    ref_id INTEGER NOT NULL REFERENCES public_refs(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL,
    PRIMARY KEY (ref_id, ordinal)
) WITHOUT ROWID;
