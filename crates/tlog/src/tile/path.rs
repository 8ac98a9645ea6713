//! Tile paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`,
//! formatted and parsed strictly (C2SP tlog-tiles).

use super::{Tile, TILE_WIDTH};
use crate::error::{Error, Result};

/// A parsed tile path: either a hash tile or an entry bundle.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]` (the tile is the matching level-0 tile).
    Entries(Tile),
}

impl TilePath {
    /// Formats the path back to text.
    pub fn path(&self) -> String {
        match self {
            TilePath::Hashes(t) => t.path(),
            TilePath::Entries(t) => format!("tile/entries/{}", t.n_and_width()),
        }
    }

    /// The tile coordinates (level 0 for entry bundles).
    pub fn tile(&self) -> Tile {
        match self {
            TilePath::Hashes(t) | TilePath::Entries(t) => *t,
        }
    }
}

/// Encodes a tile number in 3-digit path elements, all but the last prefixed
/// by `x`: 1234067 → `x001/x234/067`.
pub fn encode_index(n: u64) -> String {
    let mut n = n;
    let mut s = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        s = format!("x{:03}/{}", n % 1000, s);
    }
    s
}

fn parse_small(s: &str, what: &'static str) -> Result<u32> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
        return Err(Error::MalformedTilePath(what));
    }
    if b.len() > 1 && b.first() == Some(&b'0') {
        return Err(Error::MalformedTilePath(what));
    }
    s.parse::<u32>().map_err(|_| Error::MalformedTilePath(what))
}

fn parse_group(s: &str) -> Result<u64> {
    let b = s.as_bytes();
    if b.len() != 3 || !b.iter().all(u8::is_ascii_digit) {
        return Err(Error::MalformedTilePath("index elements must be 3 digits"));
    }
    s.parse::<u64>()
        .map_err(|_| Error::MalformedTilePath("index elements must be 3 digits"))
}

/// Parses a tile or entry-bundle path, rejecting every non-canonical form.
pub fn parse_tile_path(path: &str) -> Result<TilePath> {
    // Longest valid path: "tile/entries/" + 7 index elements + ".p/255".
    if path.len() > 64 {
        return Err(Error::MalformedTilePath("too long"));
    }
    let mut parts = path.split('/');
    if parts.next() != Some("tile") {
        return Err(Error::MalformedTilePath("must start with tile/"));
    }
    let kind = parts
        .next()
        .ok_or(Error::MalformedTilePath("missing level"))?;
    let level = if kind == "entries" {
        None
    } else {
        let l = parse_small(kind, "bad level")?;
        Some(u8::try_from(l).map_err(|_| Error::MalformedTilePath("bad level"))?)
    };
    let rest: Vec<&str> = parts.collect();
    let (groups, width) = match rest.as_slice() {
        [] => return Err(Error::MalformedTilePath("missing index")),
        [groups @ .., last_group, w] if last_group.ends_with(".p") => {
            let width = parse_small(w, "bad width")?;
            if width == 0 || width >= TILE_WIDTH {
                return Err(Error::MalformedTilePath("partial width must be 1..=255"));
            }
            let mut g: Vec<&str> = groups.to_vec();
            g.push(last_group.strip_suffix(".p").unwrap_or(last_group));
            (g, width)
        }
        groups => (groups.to_vec(), TILE_WIDTH),
    };
    let Some((last, init)) = groups.split_last() else {
        return Err(Error::MalformedTilePath("missing index"));
    };
    let mut n: u64 = 0;
    for g in init {
        let digits = g
            .strip_prefix('x')
            .ok_or(Error::MalformedTilePath("non-final index elements need x"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(parse_group(digits).ok()?))
            .ok_or(Error::MalformedTilePath("bad index"))?;
    }
    n = n
        .checked_mul(1000)
        .and_then(|n| n.checked_add(parse_group(last).ok()?))
        .ok_or(Error::MalformedTilePath("bad index"))?;
    let tile = Tile::new(level.unwrap_or(0), n, width)
        .map_err(|_| Error::MalformedTilePath("bad coordinates"))?;
    let parsed = match level {
        Some(_) => TilePath::Hashes(tile),
        None => TilePath::Entries(tile),
    };
    // Reject non-canonical spellings (e.g. "x000" leading groups).
    if parsed.path() != path {
        return Err(Error::MalformedTilePath("not canonical"));
    }
    Ok(parsed)
}
