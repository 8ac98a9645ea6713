//! The data dir holds the whole library, the audit log, password hashes and
//! the keys, so it is private to the service account: the directory and
//! every directory in it 0700, every file 0600.
//!
//! New files get these modes explicitly where they are created (the blob
//! store, the store, the keys), whatever the umask. Installs made by
//! earlier releases, or copied with `cp -r`, may hold wider modes: every
//! command that opens a data dir tightens them first and says what it
//! tightened, so that an operator learns the library was readable by other
//! local accounts.

use anyhow::Context;
use std::{
    collections::BTreeMap,
    io,
    os::unix::fs::{DirBuilderExt, PermissionsExt},
    path::{Path, PathBuf},
};

/// Mode of the data dir and every directory in it.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file in the data dir.
pub const FILE_MODE: u32 = 0o600;

/// Group and other bits: what tightening removes.
const SHARED_BITS: u32 = 0o077;

/// A top-level entry of the data dir (or the data dir itself) under which
/// some modes gave other local accounts access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    /// The entry: the data dir itself, or a path directly in it.
    pub path: PathBuf,
    /// How many files and directories at or under it were tightened.
    pub count: usize,
    /// The permission bits of the first one found, before tightening.
    pub example_mode: u32,
}

/// Creates the data dir (0700; missing parents as the umask says) unless
/// it exists, then tightens what is in it and logs a warning naming every
/// entry that was tightened.
pub fn secure(data: &Path) -> anyhow::Result<()> {
    if let Some(parent) = data.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(data) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e).with_context(|| format!("creating data dir {}", data.display())),
    }
    for t in tighten(data)? {
        tracing::warn!(
            path = %t.path.display(),
            entries = t.count,
            was = format!("{:o}", t.example_mode),
            "tightened permissions in the data dir to 0700 (directories) and 0600 (files): \
             other local accounts had access to this part of the install"
        );
    }
    Ok(())
}

/// Removes group and other permissions from the data dir and everything
/// in it, without following symbolic links; returns what was tightened,
/// grouped by top-level entry.
pub fn tighten(data: &Path) -> anyhow::Result<Vec<Tightened>> {
    let mut found: BTreeMap<PathBuf, Tightened> = BTreeMap::new();
    let mut pending = vec![data.to_path_buf()];
    while let Some(path) = pending.pop() {
        // Other commands may be writing (upload temp files come and go):
        // what vanished while we walk needs no tightening.
        let Some(meta) = vanished_is_none(std::fs::symlink_metadata(&path))
            .with_context(|| format!("reading the mode of {}", path.display()))?
        else {
            continue;
        };
        if meta.file_type().is_symlink() {
            // chmod would follow it out of the data dir.
            continue;
        }
        if meta.is_dir() {
            let entries = vanished_is_none(std::fs::read_dir(&path))
                .with_context(|| format!("listing {}", path.display()))?;
            for entry in entries.into_iter().flatten() {
                pending.push(entry?.path());
            }
        }
        let mode = meta.permissions().mode() & 0o7777;
        if mode & SHARED_BITS == 0 {
            continue;
        }
        let tightened = std::fs::Permissions::from_mode(mode & !SHARED_BITS);
        if vanished_is_none(std::fs::set_permissions(&path, tightened))
            .with_context(|| format!("tightening the mode of {}", path.display()))?
            .is_none()
        {
            continue;
        }
        let top = top_level(data, &path);
        found
            .entry(top.clone())
            .or_insert(Tightened {
                path: top,
                count: 0,
                example_mode: mode & 0o777,
            })
            .count += 1;
    }
    Ok(found.into_values().collect())
}

/// `None` for a path that no longer exists.
fn vanished_is_none<T>(result: io::Result<T>) -> io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The data dir itself, or the entry directly in it that holds `path`.
fn top_level(data: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(data).ok().and_then(|p| p.iter().next()) {
        Some(first) => data.join(first),
        None => data.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn wide_modes_are_tightened_and_reported_by_top_level_entry() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        secure(&data).unwrap();
        assert_eq!(mode(&data), DIR_MODE);
        let fanout = data.join("blobs").join("ab");
        std::fs::create_dir_all(&fanout).unwrap();
        for (path, m) in [
            (data.join("rampart.db"), 0o644),
            (fanout.join("one"), 0o644),
            (fanout.join("two"), 0o640),
            (data.join("private"), 0o600),
        ] {
            std::fs::write(&path, b"x").unwrap();
            chmod(&path, m);
        }
        chmod(&fanout, 0o755);
        chmod(&data.join("blobs"), 0o700);
        chmod(&data, 0o755);
        // A link out of the data dir is left alone, and so is its target.
        let outside = dir.path().join("outside");
        std::fs::write(&outside, b"x").unwrap();
        chmod(&outside, 0o644);
        std::os::unix::fs::symlink(&outside, data.join("link")).unwrap();

        let tightened = tighten(&data).unwrap();
        let summary: Vec<_> = tightened
            .iter()
            .map(|t| (t.path.strip_prefix(&data).unwrap().to_owned(), t.count))
            .collect();
        assert_eq!(
            summary,
            [
                (PathBuf::new(), 1),
                (PathBuf::from("blobs"), 3),
                (PathBuf::from("rampart.db"), 1)
            ]
        );
        assert_eq!(tightened[0].example_mode, 0o755);
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&fanout), 0o700);
        assert_eq!(mode(&fanout.join("one")), 0o600);
        assert_eq!(mode(&fanout.join("two")), 0o600);
        assert_eq!(mode(&data.join("rampart.db")), 0o600);
        assert_eq!(mode(&outside), 0o644);
        assert!(tighten(&data).unwrap().is_empty(), "nothing left to do");
    }
}
