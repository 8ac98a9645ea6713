-- Exfiltration guard (rampart-guard): the engine's memory, kept in the store
-- so that every node shares it and it survives restarts, and the alerts it
-- raises for security officers. States are the JSON of the guard crate's
-- serialisable values; each is read, assessed and written back inside one
-- `BEGIN IMMEDIATE` transaction so concurrent requests cannot lose updates.

-- `PrincipalState` per account (budget windows, history, suspension).
CREATE TABLE guard_principals (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- `PeerBaseline` per (community path, role).
CREATE TABLE guard_peers (
    community TEXT NOT NULL,
    role TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (community, role)
);

-- `IpState` per client IP address.
CREATE TABLE guard_ips (
    ip TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Alerts for the security console, the webhook and the SIEM log line.
CREATE TABLE guard_alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    account TEXT NOT NULL,
    ip TEXT,
    severity TEXT NOT NULL,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    resolved_by TEXT,
    resolved_at INTEGER
);
CREATE INDEX guard_alerts_state ON guard_alerts (state, id);
CREATE INDEX guard_alerts_account ON guard_alerts (account, state);
