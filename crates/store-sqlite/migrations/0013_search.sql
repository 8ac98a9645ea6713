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
-- Ranked by bm25 with titles weighing 10, file names 3 and bodies 1: as
-- the table's `rank`, so that `ORDER BY rank LIMIT n` takes FTS5's
-- top-n path.
INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0)');
