-- Full-text search (issue 23). One row per indexed version: its extracted
-- text as extracted, for snippets. The FTS5 table holds only the index of
-- the application's folded tokens (contentless: the text is not stored a
-- second time); its rowid is the row's id.
CREATE TABLE search_versions (
    id INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (document_id, version)
);
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, filename, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
