-- OIDC sign-ins in flight: one row per redirect to a provider, taken
-- (deleted) by the callback, so a state works once. Only the state's hash
-- is stored, as for sessions; the nonce and the PKCE verifier are useless
-- without the provider's authorization code and live ten minutes at most.
CREATE TABLE oidc_logins (
    state_hash BLOB PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX oidc_logins_created ON oidc_logins (created_at);
