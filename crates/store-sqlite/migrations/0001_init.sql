-- Times are Unix milliseconds (UTC). Ids that leave the server are random
-- 128-bit hex strings; internal rows use integer keys.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    nation TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    is_admin INTEGER NOT NULL DEFAULT 0,
    is_security INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    last_used INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);

CREATE TABLE portals (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE communities (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (portal_id, slug)
);

CREATE TABLE memberships (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    role TEXT NOT NULL CHECK (role IN ('reader', 'contributor', 'manager')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, community_id)
);
CREATE INDEX memberships_community ON memberships(community_id);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    label TEXT NOT NULL,
    public_since TEXT,
    public_source TEXT,
    canary INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES accounts(id),
    created_at INTEGER NOT NULL,
    current_version INTEGER NOT NULL
);
CREATE INDEX documents_listing ON documents(community_id, created_at DESC, id DESC);

CREATE TABLE document_nations (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    nation TEXT NOT NULL,
    PRIMARY KEY (document_id, nation)
);

CREATE TABLE document_communities (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    PRIMARY KEY (document_id, community_id)
);

CREATE TABLE versions (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES accounts(id),
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (document_id, number)
);
CREATE INDEX versions_blob ON versions(blob);

CREATE TABLE downloads (
    id TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    session TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    time INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    scheme TEXT NOT NULL,
    params TEXT NOT NULL
);
CREATE INDEX downloads_account ON downloads(account_id, time);
CREATE INDEX downloads_document ON downloads(document_id, version);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    account TEXT,
    session TEXT,
    ip TEXT,
    document TEXT,
    version INTEGER,
    download TEXT,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    entry BLOB NOT NULL
);
CREATE INDEX audit_account ON audit_events(account, seq);
CREATE INDEX audit_document ON audit_events(document, seq);

-- The audit trail is a Merkle log (RFC 6962, C2SP tlog-tiles). Each
-- audit_events row keeps its canonical JSON as the log entry; seq is the
-- leaf index (0-based). tlog_hashes holds every stored hash in Go sumdb
-- "stored hash index" order; tlog_head the right edge of the current tree;
-- tlog_checkpoints every signed checkpoint ever published.

CREATE TABLE tlog_hashes (
    idx INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

CREATE TABLE tlog_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    nodes BLOB NOT NULL
);
INSERT INTO tlog_head (id, size, nodes) VALUES (1, 0, x'');

CREATE TABLE tlog_checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    signed TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- Outcomes of `audit verify` runs (CLI or console), newest last: the
-- security console shows whether the last one passed.
CREATE TABLE audit_verifications (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    problem TEXT
);
