-- Second-factor secrets being enrolled, one per signing-in session.
--
-- A table of their own rather than a column of `sessions` or an unconfirmed
-- row of `totp_factors`: keyed by the session, a pending secret is usable
-- from that session only, and dies with it (sign-out, expiry, the promotion
-- to a full session) through the cascade; `totp_factors` then holds
-- confirmed factors only; and `sessions`, read on every request, keeps its
-- shape. In the database, not in memory, so that a reload after a restart
-- or on another node shows the same key. Sealed like confirmed secrets
-- (XChaCha20-Poly1305 under a key derived from keys/data.key).
CREATE TABLE totp_pending (
    session_hash BLOB PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sealed_secret BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX totp_pending_account ON totp_pending(account_id);

-- Pending secrets used to be unconfirmed rows of totp_factors, bound to no
-- session; they are dropped (whoever was enrolling is shown a key again).
DELETE FROM totp_factors WHERE confirmed_at IS NULL;
