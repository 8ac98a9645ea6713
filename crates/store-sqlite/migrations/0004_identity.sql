-- Identity: second factors, sign-in throttling, known devices.

-- One TOTP factor per account. The secret is sealed with XChaCha20-Poly1305
-- under a key derived from keys/data.key; `last_step` is the newest RFC 6238
-- time step accepted, so a code is accepted once only.
CREATE TABLE totp_factors (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    sealed_secret BLOB NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER NOT NULL DEFAULT -1,
    created_at INTEGER NOT NULL
);

-- Single-use recovery codes, stored as keyed BLAKE3 hashes.
CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (account_id, code_hash)
);

-- Exponential back-off per key (`account:…`, `ip:…`, `net:…`, `factor:…`),
-- shared by every node.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    alerted_at INTEGER
);

-- Recent failed or refused sign-ins, for the credential-stuffing detector.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    ip TEXT NOT NULL,
    net TEXT NOT NULL,
    account TEXT NOT NULL
);
CREATE INDEX sign_in_failures_ip ON sign_in_failures(ip, time);
CREATE INDEX sign_in_failures_net ON sign_in_failures(net, time);
CREATE INDEX sign_in_failures_account ON sign_in_failures(account, time);
CREATE INDEX sign_in_failures_time ON sign_in_failures(time);

-- Devices (IP /24 or /64 and user agent) an account has fully signed in
-- from; `is_new` marks a notice for the account page.
CREATE TABLE known_devices (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    net TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    is_new INTEGER NOT NULL,
    PRIMARY KEY (account_id, net, user_agent)
);
