//! The dump walker: files, directories, zip, tar and gzip (tar.gz) archives,
//! nested up to a depth limit, with every hostile construct turned into a
//! refused [`Leaf`] instead of a crash or an unbounded allocation.
//!
//! Memory is bounded by [`WalkLimits::max_file_bytes`] (one leaf's content,
//! kept for extraction) plus fixed-size buffers: larger files are hashed by
//! streaming and reported without extraction; tar and gzip are streamed,
//! zip needs random access and is buffered only when nested (on disk it is
//! read in place). Decompression is watched on *actual* output, not on
//! declared sizes, against a ratio and absolute limits.

mod archive;
mod limits;

use limits::{describe, Counting, Guard};

use sha2::{Digest, Sha256};
use std::{
    cell::Cell,
    fmt,
    fs::File,
    io::{self, Cursor, Read, Seek},
    path::Path,
    rc::Rc,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

/// Limits of one walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkLimits {
    /// Archive nesting levels opened (a member of a top-level archive is at
    /// level 1). Deeper archives are refused.
    pub max_depth: usize,
    /// Directory levels followed below a directory argument.
    pub max_dir_depth: usize,
    /// Largest file whose content is kept for extraction (and largest nested
    /// zip buffered); larger files are only hashed.
    pub max_file_bytes: u64,
    /// Largest decompressed size of one archive member or gzip stream.
    pub max_member_bytes: u64,
    /// Largest decompressed/compressed ratio (checked once a stream has
    /// produced more than 1 MiB).
    pub max_ratio: u64,
    /// Largest total of decompressed bytes over the whole walk.
    pub max_expanded_bytes: u64,
    /// Largest number of items (files and refusals) reported.
    pub max_items: u64,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            max_depth: 8,
            max_dir_depth: 64,
            max_file_bytes: 256 << 20,
            max_member_bytes: 16 << 30,
            max_ratio: 250,
            max_expanded_bytes: 256 << 30,
            max_items: 1_000_000,
        }
    }
}

/// One file found in the dump (or one thing refused).
#[derive(Clone, PartialEq, Eq)]
pub struct Leaf {
    /// Path: the argument, then `!/member` for each archive level.
    pub path: String,
    /// File name used as a format hint (last path component).
    pub name: String,
    /// Bytes read (the whole file unless refused).
    pub size: u64,
    /// SHA-256 of the whole content, when it was read to the end.
    pub sha256: Option<[u8; 32]>,
    /// The content, when it is at most `max_file_bytes`.
    pub content: Option<Vec<u8>>,
    /// Why the file was refused or not read fully.
    pub problem: Option<String>,
}

impl fmt::Debug for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaf")
            .field("path", &self.path)
            .field("size", &self.size)
            .field("sha256", &self.sha256.is_some())
            .field("content", &self.content.as_ref().map(Vec::len))
            .field("problem", &self.problem)
            .finish()
    }
}

/// Shared counters a progress display can read from another thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// Bytes of the top-level inputs consumed so far.
    pub input_bytes: AtomicU64,
    /// Items reported so far.
    pub items: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Zip,
    Gzip,
    Tar,
    Other,
}

fn sniff(head: &[u8]) -> Kind {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Kind::Zip
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if head.get(257..262) == Some(b"ustar") {
        Kind::Tar
    } else {
        Kind::Other
    }
}

/// Reads until `buf` is full or the stream ends.
fn read_head(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Why a member name is refused, if it is.
fn bad_name(raw: &[u8]) -> Option<String> {
    let Ok(name) = std::str::from_utf8(raw) else {
        return Some("refused: member name is not valid UTF-8".into());
    };
    if name.contains('\0') {
        return Some("refused: member name contains NUL".into());
    }
    let b = name.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if name.starts_with('/') || name.starts_with('\\') || drive {
        return Some("refused: absolute path in archive member".into());
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Some("refused: path traversal (`..`) in archive member".into());
    }
    None
}

/// Printable form of a raw name: UTF-8 kept, other bytes as `\xNN`.
pub fn lossy_name(raw: &[u8]) -> String {
    let mut out = String::new();
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_owned()
}

/// Walks inputs and hands every leaf to a sink.
pub struct Walker<'a> {
    limits: WalkLimits,
    sink: &'a mut dyn FnMut(Leaf) -> bool,
    progress: Arc<Progress>,
    expanded: Rc<Cell<u64>>,
    items: u64,
    stopped: bool,
}

impl<'a> Walker<'a> {
    /// A walker reporting to `sink`.
    pub fn new(
        limits: WalkLimits,
        progress: Arc<Progress>,
        sink: &'a mut dyn FnMut(Leaf) -> bool,
    ) -> Self {
        Walker {
            limits,
            sink,
            progress,
            expanded: Rc::new(Cell::new(0)),
            items: 0,
            stopped: false,
        }
    }

    fn emit(&mut self, leaf: Leaf) {
        if self.stopped {
            return;
        }
        self.items += 1;
        self.progress.items.fetch_add(1, Ordering::Relaxed);
        if self.items > self.limits.max_items {
            self.stopped = true;
            (self.sink)(Leaf {
                path: leaf.path,
                name: leaf.name,
                size: 0,
                sha256: None,
                content: None,
                problem: Some(format!(
                    "refused: more than {} files; the rest of the dump was not examined",
                    self.limits.max_items
                )),
            });
            return;
        }
        // The sink says when nobody takes leaves any more (triage
        // failed): the rest of the dump is not read.
        if !(self.sink)(leaf) {
            self.stopped = true;
        }
    }

    fn refuse(&mut self, path: String, problem: String) {
        let name = base_name(&path);
        self.emit(Leaf {
            path,
            name,
            size: 0,
            sha256: None,
            content: None,
            problem: Some(problem),
        });
    }

    /// Walks one argument: a file or a directory.
    pub fn walk_path(&mut self, path: &Path) {
        let shown = lossy_name(path.as_os_str().as_encoded_bytes());
        self.walk_fs(path, shown, 0);
    }

    fn walk_fs(&mut self, path: &Path, shown: String, dir_depth: usize) {
        if self.stopped {
            return;
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => return self.refuse(shown, format!("cannot read: {e}")),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            return self.refuse(shown, "refused: symbolic link".into());
        }
        if ft.is_dir() {
            if dir_depth >= self.limits.max_dir_depth {
                return self.refuse(
                    shown,
                    format!(
                        "refused: directory nested deeper than {} levels",
                        self.limits.max_dir_depth
                    ),
                );
            }
            let mut entries: Vec<_> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(Result::ok).collect(),
                Err(e) => return self.refuse(shown, format!("cannot read directory: {e}")),
            };
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let raw = e.file_name();
                let raw = raw.as_encoded_bytes();
                let child = format!("{shown}/{}", lossy_name(raw));
                if std::str::from_utf8(raw).is_err() {
                    self.refuse(child, "refused: file name is not valid UTF-8".into());
                    continue;
                }
                self.walk_fs(&e.path(), child, dir_depth + 1);
            }
            return;
        }
        if !ft.is_file() {
            return self.refuse(
                shown,
                "refused: not a regular file (device, FIFO or socket)".into(),
            );
        }
        if std::str::from_utf8(path.as_os_str().as_encoded_bytes()).is_err() && dir_depth == 0 {
            return self.refuse(shown, "refused: file name is not valid UTF-8".into());
        }
        let before = self.progress.input_bytes.load(Ordering::Relaxed);
        self.walk_file(path, shown, meta.len());
        // Whatever was skipped or seeked over counts as consumed.
        let done = self.progress.input_bytes.load(Ordering::Relaxed) - before;
        if done < meta.len() {
            self.progress
                .input_bytes
                .fetch_add(meta.len() - done, Ordering::Relaxed);
        }
    }

    fn walk_file(&mut self, path: &Path, shown: String, size: u64) {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return self.refuse(shown, format!("cannot open: {e}")),
        };
        let mut head = [0u8; 512];
        let n = match read_head(&mut file, &mut head) {
            Ok(n) => n,
            Err(e) => return self.refuse(shown, format!("cannot read: {e}")),
        };
        if sniff(&head[..n]) == Kind::Zip && size > self.limits.max_file_bytes {
            // Too large to buffer: read the zip in place.
            if file.rewind().is_err() {
                return self.refuse(shown, "cannot seek".into());
            }
            return self.walk_zip(shown, file, 1);
        }
        let reader = Counting {
            inner: Cursor::new(head[..n].to_vec()).chain(file),
            count: Rc::new(Cell::new(0)),
            progress: Some(self.progress.clone()),
        };
        let name = base_name(&shown);
        self.walk_stream(shown, name, Box::new(reader), Some(size), 0);
    }

    /// Walks a stream found at archive level `depth`.
    fn walk_stream(
        &mut self,
        path: String,
        name: String,
        mut r: Box<dyn Read + '_>,
        declared: Option<u64>,
        depth: usize,
    ) {
        if self.stopped {
            return;
        }
        let mut head = [0u8; 512];
        let n = match read_head(&mut r, &mut head) {
            Ok(n) => n,
            Err(e) => return self.refuse(path, describe(&e, "cannot read")),
        };
        let kind = sniff(&head[..n]);
        let r: Box<dyn Read + '_> = Box::new(Cursor::new(head[..n].to_vec()).chain(r));
        if kind != Kind::Other && depth >= self.limits.max_depth && kind != Kind::Zip {
            let problem = format!(
                "refused: archive nested deeper than {} levels",
                self.limits.max_depth
            );
            return self.hash_only(path, name, r, problem);
        }
        match kind {
            Kind::Tar => self.walk_tar(path, r, depth + 1),
            Kind::Gzip => self.walk_gzip(path, name, r, depth),
            Kind::Zip => {
                let mut leaf = self.read_leaf(path, name, r);
                let Some(bytes) = leaf.content.take() else {
                    if leaf.problem.is_none() {
                        leaf.problem = Some(format!(
                            "refused: nested zip larger than {} bytes",
                            self.limits.max_file_bytes
                        ));
                    }
                    return self.emit(leaf);
                };
                let doc = rampart_docmatch::detect_format(&bytes, Some(&leaf.name));
                if matches!(
                    doc,
                    Some(rampart_docmatch::Format::Docx | rampart_docmatch::Format::Odt)
                ) {
                    leaf.content = Some(bytes);
                    return self.emit(leaf);
                }
                if depth >= self.limits.max_depth {
                    leaf.problem = Some(format!(
                        "refused: archive nested deeper than {} levels",
                        self.limits.max_depth
                    ));
                    return self.emit(leaf);
                }
                self.walk_zip(leaf.path, Cursor::new(bytes), depth + 1);
            }
            Kind::Other => {
                // Known to be too large: hash it without buffering anything.
                let keep = declared.is_none_or(|d| d <= self.limits.max_file_bytes);
                let leaf = self.read_leaf_keep(path, name, r, keep, declared);
                self.emit(leaf);
            }
        }
    }

    /// Reads a leaf: content kept up to the limit, hashed to the end.
    fn read_leaf(&mut self, path: String, name: String, r: Box<dyn Read + '_>) -> Leaf {
        self.read_leaf_keep(path, name, r, true, None)
    }

    /// [`Self::read_leaf`], keeping nothing when `keep` is false; room is
    /// reserved for the `declared` size (a hint: it may lie).
    ///
    /// Kept bytes are read straight into the content and hashed chunk by
    /// chunk while they are in cache: through a separate buffer, copying
    /// and regrowing the content cost as much as hashing it.
    fn read_leaf_keep(
        &mut self,
        path: String,
        name: String,
        mut r: Box<dyn Read + '_>,
        keep: bool,
        declared: Option<u64>,
    ) -> Leaf {
        const CHUNK: u64 = 64 * 1024;
        // Reserved at most on a declared size (an archive header may lie
        // to make us reserve the whole limit); larger files grow as read.
        const RESERVE_MAX: u64 = 16 << 20;
        let limit = self.limits.max_file_bytes;
        let mut hasher = Sha256::new();
        let mut content = keep.then(|| {
            // One byte more than declared: the read that finds the end.
            let room = declared
                .map_or(CHUNK, |d| d.saturating_add(1))
                .min(limit)
                .min(RESERVE_MAX);
            Vec::with_capacity(usize::try_from(room).unwrap_or(0))
        });
        let mut size = 0u64;
        let mut buf = Vec::new();
        loop {
            let read = match content.as_mut() {
                Some(c) => {
                    let from = c.len();
                    (&mut r).take(CHUNK).read_to_end(c).map(|n| (from, n))
                }
                None => {
                    buf.resize(CHUNK as usize, 0);
                    r.read(&mut buf).map(|n| (0, n))
                }
            };
            let (from, n) = match read {
                Ok((_, 0)) => break,
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Leaf {
                        path,
                        name,
                        size,
                        sha256: None,
                        content: None,
                        problem: Some(describe(&e, "read error (corrupt archive?)")),
                    }
                }
            };
            size += n as u64;
            match content.as_mut() {
                Some(c) => {
                    hasher.update(&c[from..]);
                    if size > limit {
                        // Too large to keep: hash the rest, keep nothing.
                        content = None;
                    }
                }
                None => hasher.update(&buf[..n]),
            }
        }
        let problem = content.is_none().then(|| {
            format!("refused extraction: {size} bytes exceeds the limit of {limit} bytes; only the SHA-256 was compared")
        });
        Leaf {
            path,
            name,
            size,
            sha256: Some(hasher.finalize().into()),
            content,
            problem,
        }
    }

    fn hash_only(&mut self, path: String, name: String, r: Box<dyn Read + '_>, problem: String) {
        let saved = self.limits.max_file_bytes;
        self.limits.max_file_bytes = 0;
        let mut leaf = self.read_leaf(path, name, r);
        self.limits.max_file_bytes = saved;
        leaf.content = None;
        leaf.problem = Some(match leaf.problem {
            Some(p) if p.starts_with("refused:") || p.starts_with("read error") => p,
            _ => problem,
        });
        self.emit(leaf);
    }
}

/// Walks `inputs` in order and collects every leaf (for tests and small
/// dumps; triage streams instead).
pub fn walk_all(inputs: &[&Path], limits: &WalkLimits) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut sink = |l: Leaf| {
        out.push(l);
        true
    };
    let mut w = Walker::new(limits.clone(), Arc::new(Progress::default()), &mut sink);
    for p in inputs {
        w.walk_path(p);
    }
    drop(w);
    out
}

/// Walks an in-memory buffer as if it were a file called `name`.
pub fn walk_bytes(name: &str, bytes: &[u8], limits: &WalkLimits) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut sink = |l: Leaf| {
        out.push(l);
        true
    };
    let mut w = Walker::new(limits.clone(), Arc::new(Progress::default()), &mut sink);
    w.walk_stream(
        name.to_owned(),
        base_name(name),
        Box::new(Cursor::new(bytes)),
        Some(bytes.len() as u64),
        0,
    );
    drop(w);
    out
}
