-- Full-text search (issue 23). One row per indexed version: its extracted
-- text as extracted (for snippets) and a tsvector of the application's
-- folded tokens, weighted by field (title A, file name B, body C), under a
-- GIN index. The tokens are folded before they arrive, so the 'simple'
-- configuration (no stemming, no stop words) only splits them.
CREATE TABLE search_versions (
    id BIGSERIAL PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    terms TSVECTOR NOT NULL,
    UNIQUE (document_id, version)
);
CREATE INDEX search_versions_terms ON search_versions USING GIN (terms);
