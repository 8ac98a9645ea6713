-- Guard budget overrides set by administrators at run time (the admin page
-- and /api/v1/admin/budgets), kept in the store so every node applies the
-- same ones. Role defaults stay in the configuration; the engine applies
-- account override > community override > role default. `limits` is the
-- JSON of the guard's `LimitsOverride`: only the fields that are set.

-- Per community and role.
CREATE TABLE guard_community_budgets (
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('reader', 'contributor', 'manager')),
    limits TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (community_id, role)
);

-- Per account, whatever its role and community.
CREATE TABLE guard_account_budgets (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    limits TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
