//! Opening an install on the embedded default: one data dir holding
//! `rampart.db` (SQLite, WAL), `blobs/` and `keys/` (mode 0600 files in a
//! 0700 directory). The first open creates everything, including the first
//! administrator, whose one-time password is returned to be shown once.

use crate::{
    admin::{self, AccountInput, Actor},
    config::Config,
    context::App,
};
use anyhow::Context;
use rampart_domain::Clock;
use rampart_store::auditlog::AuditLog;
use std::{
    io::Write,
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::Path,
    sync::Arc,
};

/// Keys every install has. Generated once, never rewritten.
const KEYS: &[&str] = &["audit-signing.key", "fingerprint.key", "data.key"];

/// The first administrator created on a fresh install.
#[derive(Debug)]
pub struct FirstAdmin {
    /// Its email.
    pub email: String,
    /// Its one-time password.
    pub password: String,
}

/// Opens (creating if needed) the data dir and returns the application
/// state, plus the first administrator if this call created the install.
pub async fn open(
    data: &Path,
    config: Config,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<(App, Option<FirstAdmin>)> {
    crate::datadir::secure(data)?;
    let keys = data.join("keys");
    if !keys.exists() {
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&keys)
            .with_context(|| format!("creating {}", keys.display()))?;
    }
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700))?;
    for name in KEYS {
        ensure_key(&keys.join(name))?;
    }
    let store = config
        .store
        .open_database(data)
        .await
        .with_context(|| format!("opening database in {}", data.display()))?;
    let blobs = config
        .store
        .open_blobs(data)
        .context("opening blob store")?;
    let signer = audit_signer(data, &config.audit.origin)?;
    let log = AuditLog::start(store.clone(), signer);
    let state = App::new(store, blobs, clock, config, log, fingerprinter(data)?)
        .with_data_key(&data_key(data)?);
    let first = if state.store.count_accounts().await? == 0 {
        let install = state.config.install.clone();
        let (_, password) = admin::create_account(
            &state,
            Actor::Console,
            AccountInput {
                email: &install.admin_email,
                name: "Administrator",
                nation: &install.admin_nation,
                admin: true,
                security: false,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the first administrator: {e}"))?;
        Some(FirstAdmin {
            email: install.admin_email,
            password,
        })
    } else {
        None
    };
    Ok((state, first))
}

/// The audit log's signing key, from `keys/audit-signing.key` (32-byte
/// Ed25519 seed, hex), named after the log's origin.
pub fn audit_signer(data: &Path, origin: &str) -> anyhow::Result<rampart_tlog::Signer> {
    let seed = read_key(data, "audit-signing.key")?;
    rampart_tlog::Signer::from_seed(origin, &seed)
        .map_err(|e| anyhow::anyhow!("audit origin {origin:?}: {e}"))
}

/// The watermark fingerprinter under `keys/fingerprint.key` (32 bytes,
/// hex) with the default code parameters. Whoever holds the key can mark
/// and therefore frame, so it never leaves the data dir.
pub fn fingerprinter(data: &Path) -> anyhow::Result<rampart_fingerprint::Fingerprinter> {
    let secret = read_key(data, "fingerprint.key")?;
    rampart_fingerprint::Fingerprinter::new(
        &rampart_fingerprint::ServerSecret::new(secret),
        rampart_fingerprint::Params::default(),
    )
    .map_err(|e| anyhow::anyhow!("fingerprint parameters: {e}"))
}

/// The install's data key, `keys/data.key` (32 bytes, hex).
fn data_key(data: &Path) -> anyhow::Result<[u8; 32]> {
    read_key(data, "data.key")
}

/// A 32-byte key from `keys/NAME` (hex, as [`ensure_key`] writes it).
fn read_key(data: &Path, name: &str) -> anyhow::Result<[u8; 32]> {
    let path = data.join("keys").join(name);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut key = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut key)
        .with_context(|| format!("{} is not a 32-byte hex key", path.display()))?;
    Ok(key)
}

/// Merges the guard's pending peer-baseline additions, flushes the audit
/// log (a final checkpoint) and closes the database.
pub async fn close(state: &App) -> anyhow::Result<()> {
    // The guard's unmerged peer-baseline additions (at most a few seconds).
    state.guard_peers.flush(&state.store, &state.clock).await;
    state.log.close().await.context("closing the audit log")?;
    state.store.close().await;
    Ok(())
}

/// Removes upload leftovers and unreferenced blobs (after a crash).
pub async fn collect_garbage(state: &App) -> anyhow::Result<usize> {
    let referenced = state.store.referenced_blobs().await?;
    let remote = state
        .blobs
        .collect_remote_garbage(|h| referenced.contains(h.as_str()))
        .await?;
    let blobs = state.blobs.clone();
    let removed = tokio::task::spawn_blocking(move || {
        blobs.collect_garbage(|h| referenced.contains(h.as_str()))
    })
    .await??;
    Ok(removed + remote)
}

fn ensure_key(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        return Ok(());
    }
    let key = rampart_domain::random_bytes::<32>();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating key {}", path.display()))?;
    file.write_all(hex::encode(key).as_bytes())?;
    file.sync_all()?;
    Ok(())
}
