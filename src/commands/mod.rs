//! One module per subcommand, plus what they share: opening a data dir.

pub mod admin;
pub mod demo;
pub mod import;
pub mod serve;

use anyhow::Context;
use rampart_web::{install, AppState, Config};
use std::{path::PathBuf, sync::Arc};

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
    pub async fn open(&self) -> anyhow::Result<(AppState, Option<install::FirstAdmin>)> {
        let config = Config::load(self.config.as_deref()).map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        install::open(&self.data, config, Arc::new(rampart_domain::SystemClock))
            .await
            .with_context(|| format!("opening {}", self.data.display()))
    }
}

/// Prints the first administrator's one-time password, once.
pub fn announce_first_admin(first: &Option<install::FirstAdmin>) {
    if let Some(admin) = first {
        println!("Created the first administrator: {}", admin.email);
        println!("One-time password (shown once, change it at first sign-in): {}", admin.password);
    }
}
