-- WebAuthn (passkeys) as a second factor.

-- An account's registered credentials. `credential_id` is the
-- authenticator's id (unique across accounts: a credential belongs to one
-- user); `passkey` is the relying-party library's serialised credential
-- (public key, algorithm, counter), kept opaque here; `sign_count` is the
-- newest signature counter seen, so a regression (a cloned authenticator)
-- can be noticed.
CREATE TABLE webauthn_credentials (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX webauthn_credentials_account ON webauthn_credentials (account_id);

-- Ceremonies in progress (registration, sign-in, step-up). Looked up by the
-- hash of a random handle given to the client; taken (deleted) on first
-- use, so a challenge is answered once, and refused after `expires_at`.
-- Kept in the store, not in memory, so that any node can finish a ceremony
-- another node started.
CREATE TABLE webauthn_challenges (
    handle_hash BLOB PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
