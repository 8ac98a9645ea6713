//! One module per subcommand, plus what they share: opening a data dir.

pub mod admin;
pub mod audit;
pub mod demo;
pub mod import;
pub mod migrate;
pub mod public;
pub mod reindex;
pub mod serve;
pub mod triage;

use anyhow::Context;
use rampart_app::{install, App, Config};
use std::{
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::Arc,
};

/// Options every command that works on an install takes.
#[derive(Debug, clap::Args)]
pub struct DataOpts {
    /// Data directory (created on first use).
    #[arg(long, default_value = "./rampart-data", global = true)]
    pub data: PathBuf,
    /// Configuration file (TOML); `RAMPART_SECTION__KEY` variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

impl DataOpts {
    /// Loads the configuration and opens the data dir.
    pub async fn open(&self) -> anyhow::Result<(App, Option<install::FirstAdmin>)> {
        let config = Config::load(self.config.as_deref())
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        install::open(&self.data, config, Arc::new(rampart_domain::SystemClock))
            .await
            .with_context(|| format!("opening {}", self.data.display()))
    }
}

impl DataOpts {
    /// Opens an existing install read-mostly: the configuration, the
    /// database and the audit signer, without starting the audit log's
    /// tasks or creating anything.
    pub async fn open_existing(
        &self,
    ) -> anyhow::Result<(Config, rampart_store::Store, rampart_tlog::Signer)> {
        let config = Config::load(self.config.as_deref())
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if !self.data.join("keys").is_dir() {
            anyhow::bail!("no Rampart data in {}", self.data.display());
        }
        rampart_app::datadir::secure(&self.data)?;
        let store = config.store.open_existing_database(&self.data).await?;
        let signer = install::audit_signer(&self.data, &config.audit.origin)?;
        Ok((config, store, signer))
    }
}

/// Prints the first administrator's one-time password, once.
pub fn announce_first_admin(first: &Option<install::FirstAdmin>) {
    if let Some(admin) = first {
        println!("Created the first administrator: {}", admin.email);
        println!(
            "One-time password (shown once, change it at first sign-in): {}",
            admin.password
        );
    }
}

/// Writes a report or proof the operator asked for, readable by its owner
/// only: a triage report names the account a leak came from, and may be
/// written into the data dir. An existing file is truncated and tightened.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(rampart_app::datadir::FILE_MODE)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(
        rampart_app::datadir::FILE_MODE,
    ))
    .with_context(|| format!("restricting {}", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
