//! Descending into archives: gzip, tar and zip, each entry walked like a
//! file, under the same limits on depth, entries and expanded size.

use super::{
    bad_name, base_name, describe, lossy_name, read_head, sniff, Counting, Guard, Kind, Walker,
};
use std::{
    cell::Cell,
    io::{Cursor, Read, Seek},
    rc::Rc,
};

impl Walker<'_> {
    pub(super) fn walk_gzip(
        &mut self,
        path: String,
        name: String,
        r: Box<dyn Read + '_>,
        depth: usize,
    ) {
        let compressed = Rc::new(Cell::new(0));
        let counted = Counting {
            inner: r,
            count: compressed.clone(),
            progress: None,
        };
        let mut inner: Box<dyn Read + '_> = Box::new(Guard {
            inner: flate2::read::MultiGzDecoder::new(counted),
            out: 0,
            compressed,
            expanded: self.expanded.clone(),
            limits: self.limits.clone(),
        });
        let mut head = [0u8; 512];
        let n = match read_head(&mut inner, &mut head) {
            Ok(n) => n,
            Err(e) => return self.refuse(path, describe(&e, "corrupt gzip")),
        };
        let kind = sniff(&head[..n]);
        let inner: Box<dyn Read + '_> = Box::new(Cursor::new(head[..n].to_vec()).chain(inner));
        if kind == Kind::Tar {
            return self.walk_tar(path, inner, depth + 1);
        }
        let lower = name.to_ascii_lowercase();
        let stem = if let Some(s) = lower.strip_suffix(".tgz") {
            format!("{}.tar", &name[..s.len()])
        } else if lower.ends_with(".gz") {
            name[..name.len() - 3].to_owned()
        } else {
            name.clone()
        };
        let stem = if stem.is_empty() { "data".into() } else { stem };
        self.walk_stream(format!("{path}!/{stem}"), stem, inner, None, depth + 1);
    }

    pub(super) fn walk_tar(&mut self, path: String, r: Box<dyn Read + '_>, depth: usize) {
        let mut archive = tar::Archive::new(r);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => return self.refuse(path, describe(&e, "corrupt tar")),
        };
        for entry in entries {
            if self.stopped {
                return;
            }
            let entry = match entry {
                Ok(e) => e,
                Err(e) => return self.refuse(path, describe(&e, "corrupt tar")),
            };
            let raw = entry.path_bytes().into_owned();
            let member = format!("{path}!/{}", lossy_name(&raw));
            let kind = entry.header().entry_type();
            use tar::EntryType as T;
            let refusal = match kind {
                T::Directory | T::XGlobalHeader | T::XHeader => continue,
                T::Regular | T::Continuous => bad_name(&raw),
                T::Symlink => Some("refused: symbolic link in archive".into()),
                T::Link => Some("refused: hard link in archive".into()),
                T::Char | T::Block | T::Fifo => Some("refused: special file in archive".into()),
                other => Some(format!("refused: unsupported tar entry type {other:?}")),
            };
            if let Some(problem) = refusal {
                self.refuse(member, problem);
                continue;
            }
            let name = base_name(&lossy_name(&raw));
            let size = entry.size();
            self.walk_stream(member, name, Box::new(entry), Some(size), depth);
        }
    }

    pub(super) fn walk_zip<R: Read + Seek>(&mut self, path: String, r: R, depth: usize) {
        let mut archive = match zip::ZipArchive::new(r) {
            Ok(a) => a,
            Err(e) => return self.refuse(path, format!("corrupt zip: {e}")),
        };
        for i in 0..archive.len() {
            if self.stopped {
                return;
            }
            let meta = match archive.by_index_raw(i) {
                Ok(f) => (
                    f.name_raw().to_vec(),
                    f.is_dir(),
                    f.is_symlink(),
                    f.encrypted(),
                    f.compression(),
                    f.size(),
                    f.compressed_size(),
                ),
                Err(e) => {
                    self.refuse(format!("{path}!/#{i}"), format!("corrupt zip member: {e}"));
                    continue;
                }
            };
            let (raw, is_dir, is_symlink, encrypted, method, size, csize) = meta;
            let member = format!("{path}!/{}", lossy_name(&raw));
            if is_dir && !is_symlink {
                continue;
            }
            let l = &self.limits;
            let refusal = if let Some(p) = bad_name(&raw) {
                Some(p)
            } else if is_symlink {
                Some("refused: symbolic link in archive".into())
            } else if encrypted {
                Some("refused: encrypted archive member".into())
            } else if !matches!(
                method,
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) {
                Some(format!("refused: unsupported compression method {method}"))
            } else if size > l.max_member_bytes {
                Some(format!(
                    "refused: declared size {size} bytes exceeds the limit of {} bytes (zip bomb?)",
                    l.max_member_bytes
                ))
            } else if size > 1 << 20 && size > l.max_ratio.saturating_mul(csize.max(1)) {
                Some(format!(
                    "refused: declared compression ratio above {}:1 (zip bomb?)",
                    l.max_ratio
                ))
            } else {
                None
            };
            if let Some(problem) = refusal {
                self.refuse(member, problem);
                continue;
            }
            let file = match archive.by_index(i) {
                Ok(f) => f,
                Err(e) => {
                    self.refuse(member, format!("corrupt zip member: {e}"));
                    continue;
                }
            };
            let guard = Guard {
                inner: file,
                out: 0,
                compressed: Rc::new(Cell::new(csize)),
                expanded: self.expanded.clone(),
                limits: self.limits.clone(),
            };
            let name = base_name(&lossy_name(&raw));
            self.walk_stream(member, name, Box::new(guard), Some(size), depth);
        }
    }
}
