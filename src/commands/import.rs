//! `rampart import DIR --community PORTAL/COMMUNITY`: bulk upload of a
//! directory tree, each file a document, through the same validation,
//! storage and audit path as a web upload. A file that fails is reported
//! and skipped; the others are still imported, and the exit status says
//! whether all went in.

use super::DataOpts;
use anyhow::Context;
use rampart_app::{documents, Origin, Upload, UploadedFile};
use rampart_identity::console_principal;
use std::path::{Path, PathBuf};

/// Options of `rampart import`.
#[derive(Debug, clap::Args)]
pub struct Opts {
    #[command(flatten)]
    data: DataOpts,
    /// Directory to import (walked recursively; symlinks and hidden files are skipped).
    dir: PathBuf,
    /// Target community, PORTAL/COMMUNITY.
    #[arg(long)]
    community: String,
    /// Marking label for every file.
    #[arg(long)]
    label: Option<String>,
    /// Releasable-to list for every file: ISO alpha-3 nations and/or PORTAL/COMMUNITY.
    #[arg(long)]
    releasable: Option<String>,
    /// Account recorded as the uploader (default: the first administrator).
    #[arg(long = "as")]
    uploader: Option<String>,
}

pub async fn run(opts: Opts) -> anyhow::Result<()> {
    let (state, _) = opts.data.open().await?;
    let path: rampart_domain::CommunityPath = opts.community.parse().context("--community")?;
    let community = state
        .store
        .community_by_path(path.portal.as_str(), path.community.as_str())
        .await?
        .with_context(|| format!("no community named {path}"))?;
    let uploader = opts
        .uploader
        .clone()
        .unwrap_or_else(|| state.config.install.admin_email.clone());
    let user = console_principal(&state.identity, &uploader.parse().context("--as")?)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let client = Origin::Console;
    let mut files = Vec::new();
    collect_files(&opts.dir, &mut files)
        .with_context(|| format!("reading {}", opts.dir.display()))?;
    files.sort();
    let (mut imported, mut failed) = (0usize, 0usize);
    for file in &files {
        match import_one(&state, &user, &client, &community, file, &opts).await {
            Ok(id) => {
                imported += 1;
                println!("{id}\t{}", file.display());
            }
            Err(e) => {
                failed += 1;
                eprintln!("skipped {}: {e:#}", file.display());
            }
        }
    }
    rampart_app::install::close(&state).await?;
    eprintln!("imported {imported} of {} files into {path}", files.len());
    if failed > 0 {
        anyhow::bail!("{failed} files could not be imported");
    }
    Ok(())
}

async fn import_one(
    state: &rampart_app::App,
    user: &rampart_identity::Authenticated,
    client: &Origin,
    community: &rampart_store::CommunityRow,
    file: &Path,
    opts: &Opts,
) -> anyhow::Result<String> {
    let filename = file
        .file_name()
        .and_then(|n| n.to_str())
        .context("file name is not UTF-8")?
        .to_owned();
    let title = file
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or(&filename)
        .replace(['_'], " ");
    let mut writer = state.blobs.writer(state.config.upload.max_bytes).await?;
    let mut reader = tokio::fs::File::open(file).await?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut reader, &mut buf).await?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]).await?;
    }
    let upload = Upload {
        title: Some(title),
        label: opts.label.clone(),
        releasable: opts.releasable.clone(),
        file: Some(UploadedFile { writer, filename }),
        ..Upload::default()
    };
    let (id, _) = documents::create_document(state, user, client, community, upload)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(id.to_string())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
