-- The member directory (issue 23). The organisation and the folded search
-- key are in clear (they are searched); every personal field is a sealed
-- box (XChaCha20-Poly1305 under a key derived from keys/data.key, bound to
-- the account and the field), one row per field.
CREATE TABLE profiles (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    organisation TEXT NOT NULL,
    search_key TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE profile_fields (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (account_id, field)
);
