//! C2SP `tlog-tiles`: serving the Merkle tree and entries as static tiles.
//!
//! Rampart publishes its audit log as immutable files so that auditors can
//! fetch and cache them anywhere and compute any proof themselves. A tile is
//! 256 consecutive hashes at level `8·L` of the tree (tile height 8); the
//! rightmost tiles of a tree are *partial* (1–255 hashes). Entry bundles hold
//! the log entries behind a level-0 tile, each prefixed by a big-endian
//! `u16` length. This module computes which tiles a tree has, builds tile
//! bytes from stored hashes, parses and formats tile paths
//! (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`) and provides
//! [`TileHashReader`], which serves stored hashes out of tiles after
//! authenticating them against a trusted tree head — mirroring Go's
//! `sumdb/tlog` (`TileForIndex`, `HashFromTile`, `ReadTileData`, `NewTiles`,
//! `TileHashReader`) with the height fixed at 8.

mod path;
mod reader;

pub use path::{encode_index, parse_tile_path, TilePath};
pub use reader::{TileHashReader, TileReader};

use std::fmt;

use crate::error::{Error, Result};
use crate::hash::{leaf_hash, node_hash, Hash, HASH_SIZE};
use crate::tree::{read_exact, split_stored_hash_index, stored_hash_index, HashReader};

/// Tile height: each tile spans 8 levels of the tree.
pub const TILE_HEIGHT: u8 = 8;

/// Number of hashes (or entries) in a full tile (2^8).
pub const TILE_WIDTH: u32 = 256;

/// Largest entry an entry bundle can carry (u16 length prefix).
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Highest tile level allowed in paths by the spec.
pub const MAX_TILE_LEVEL: u8 = 63;

/// Highest tile level that can hold hashes of a tree with a 64-bit size.
const MAX_USABLE_LEVEL: u8 = 7;

const H: u32 = TILE_HEIGHT as u32;

/// Coordinates of a hash tile (or, at level 0, of the matching entry bundle).
///
/// The tile at level `L`, number `N` and width `W` lists `W` consecutive
/// hashes at tree level `8·L`, starting at hash `N·256`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    n: u64,
    width: u32,
}

impl Tile {
    /// Creates tile coordinates; `level <= 63` and `1 <= width <= 256`.
    pub fn new(level: u8, n: u64, width: u32) -> Result<Self> {
        if level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile("level above 63"));
        }
        if width == 0 || width > TILE_WIDTH {
            return Err(Error::InvalidTile("width must be 1..=256"));
        }
        Ok(Tile { level, n, width })
    }

    /// Tile level `L`.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// Tile number `N` within its level.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Number of hashes in the tile.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Whether the tile holds all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The tile's path: `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, self.n_and_width())
    }

    /// Path of the entry bundle behind this level-0 tile:
    /// `tile/entries/<N>[.p/<W>]`.
    pub fn entries_path(&self) -> Result<String> {
        if self.level != 0 {
            return Err(Error::InvalidTile("only level-0 tiles have entry bundles"));
        }
        Ok(format!("tile/entries/{}", self.n_and_width()))
    }

    fn n_and_width(&self) -> String {
        let mut s = encode_index(self.n);
        if !self.is_full() {
            s.push_str(&format!(".p/{}", self.width));
        }
        s
    }

    /// The `k`-th ancestor tile of this one in a tree of `tree_size` leaves,
    /// or `None` if it does not exist (Go's `tileParent`).
    pub fn parent(&self, k: u8, tree_size: u64) -> Option<Tile> {
        let level = self.level.checked_add(k)?;
        if level > MAX_USABLE_LEVEL {
            return None;
        }
        let n = self.n.checked_shr(u32::from(k) * H).unwrap_or(0);
        let max = tree_size.checked_shr(u32::from(level) * H).unwrap_or(0);
        let start = n.checked_mul(u64::from(TILE_WIDTH))?;
        let mut width = TILE_WIDTH;
        if start.saturating_add(u64::from(TILE_WIDTH)) >= max {
            if start >= max {
                return None;
            }
            width = u32::try_from(max - start).ok()?;
        }
        Some(Tile { level, n, width })
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// The tiles that must be published when a tree grows from `old_size` to
/// `new_size` leaves (Go's `NewTiles`). `new_tiles(0, n)` lists every tile of
/// a tree of size `n`: all full tiles plus the partial tile of each level.
///
/// The result has about `(new_size - old_size) / 256` entries: callers with
/// huge gaps should step through sizes.
pub fn new_tiles(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in 0..=MAX_USABLE_LEVEL {
        let shift = u32::from(level) * H;
        let new_n = new_size.checked_shr(shift).unwrap_or(0);
        if new_n == 0 {
            break;
        }
        let old_n = old_size.checked_shr(shift).unwrap_or(0);
        if old_n == new_n {
            continue;
        }
        for n in (old_n >> H)..(new_n >> H) {
            tiles.push(Tile {
                level,
                n,
                width: TILE_WIDTH,
            });
        }
        let n = new_n >> H;
        let w = new_n & u64::from(TILE_WIDTH - 1);
        if w > 0 {
            tiles.push(Tile {
                level,
                n,
                width: w as u32,
            });
        }
    }
    tiles
}

/// Every tile (full and partial) of a tree of `size` leaves:
/// `new_tiles(0, size)`.
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    new_tiles(0, size)
}

/// The smallest tile holding the stored hash `index` (Go's `TileForIndex`).
pub fn tile_for_index(index: u64) -> Tile {
    tile_for_index_internal(index).0
}

/// Returns the tile storing `index`, plus the byte range of the tile data
/// from which that hash is computed.
fn tile_for_index_internal(index: u64) -> (Tile, usize, usize) {
    let (level, n) = split_stored_hash_index(index);
    let tl = level / TILE_HEIGHT;
    let l_in = u32::from(level % TILE_HEIGHT); // level within the tile
    let tn = n.wrapping_shl(l_in) >> H;
    let n_in = n.wrapping_sub(tn.wrapping_shl(H) >> l_in); // index within the tile at that level
    let lo = n_in.wrapping_shl(l_in);
    let hi = n_in.wrapping_add(1).wrapping_shl(l_in);
    let width = u32::try_from(hi).unwrap_or(u32::MAX);
    let to_bytes = |x: u64| usize::try_from(x).unwrap_or(usize::MAX / 2) * HASH_SIZE;
    (
        Tile {
            level: tl,
            n: tn,
            width,
        },
        to_bytes(lo),
        to_bytes(hi),
    )
}

/// Hash of the perfect subtree whose leaves are the hashes in `data`
/// (which must hold 2^k hashes).
fn tile_subtree_hash(data: &[u8]) -> Result<Hash> {
    if data.len() == HASH_SIZE {
        return Hash::from_slice(data);
    }
    if data.len() < 2 * HASH_SIZE || !data.len().is_multiple_of(2 * HASH_SIZE) {
        return Err(Error::InvalidTile("bad tile data length"));
    }
    let (l, r) = data.split_at(data.len() / 2);
    Ok(node_hash(&tile_subtree_hash(l)?, &tile_subtree_hash(r)?))
}

/// Returns stored hash `index`, computed from the data of `tile`, which must
/// be [`tile_for_index`]`(index)` or a wider tile at the same coordinates
/// (Go's `HashFromTile`).
pub fn hash_from_tile(tile: &Tile, data: &[u8], index: u64) -> Result<Hash> {
    if tile.level > MAX_USABLE_LEVEL {
        return Err(Error::InvalidTile("level too high"));
    }
    if data.len() < tile.width as usize * HASH_SIZE {
        return Err(Error::InvalidTile("data too short for tile"));
    }
    let (t1, start, end) = tile_for_index_internal(index);
    if tile.level != t1.level || tile.n != t1.n || tile.width < t1.width {
        return Err(Error::InvalidTile("index is not in this tile"));
    }
    let slice = data
        .get(start..end)
        .ok_or(Error::InvalidTile("index is not in this tile"))?;
    tile_subtree_hash(slice)
}

fn tile_hash_indexes(tile: &Tile) -> Result<Vec<u64>> {
    if tile.level > MAX_USABLE_LEVEL {
        return Err(Error::InvalidTile("level too high"));
    }
    let level = tile.level * TILE_HEIGHT;
    let start = tile
        .n
        .checked_mul(u64::from(TILE_WIDTH))
        .ok_or(Error::InvalidTile("tile number too large"))?;
    Ok((0..u64::from(tile.width))
        .map(|i| stored_hash_index(level, start + i))
        .collect())
}

/// Produces a tile's bytes (its hashes concatenated) from stored hashes
/// (Go's `ReadTileData`).
pub fn read_tile_data<R: HashReader + ?Sized>(tile: &Tile, r: &R) -> Result<Vec<u8>> {
    let indexes = tile_hash_indexes(tile)?;
    let hashes = read_exact(r, &indexes)?;
    let mut out = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in &hashes {
        out.extend_from_slice(&h.0);
    }
    Ok(out)
}

/// Splits tile data into its hashes, checking the length against the width.
pub fn parse_tile_data(tile: &Tile, data: &[u8]) -> Result<Vec<Hash>> {
    if data.len() != tile.width as usize * HASH_SIZE {
        return Err(Error::InvalidTile("data length does not match width"));
    }
    data.chunks_exact(HASH_SIZE).map(Hash::from_slice).collect()
}

/// Encodes an entry bundle: each entry as a big-endian `u16` length followed
/// by its bytes. Fails for entries over 65535 bytes or more than 256 entries.
pub fn encode_entry_bundle<I, E>(entries: I) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = E>,
    E: AsRef<[u8]>,
{
    let mut out = Vec::new();
    let mut count = 0u32;
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| Error::EntryTooLarge { len: e.len() })?;
        count += 1;
        if count > TILE_WIDTH {
            return Err(Error::MalformedEntryBundle("more than 256 entries"));
        }
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Parses an entry bundle into its entries (at most 256).
pub fn parse_entry_bundle(data: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut rest = data;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if out.len() >= TILE_WIDTH as usize {
            return Err(Error::MalformedEntryBundle("more than 256 entries"));
        }
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            return Err(Error::MalformedEntryBundle("truncated length prefix"));
        };
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(Error::MalformedEntryBundle("truncated entry"));
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry.to_vec());
        rest = tail;
    }
    Ok(out)
}

/// Checks that `entries` are exactly the records behind the level-0 `tile`
/// whose (authenticated) data is `tile_data`.
pub fn check_entry_bundle<E: AsRef<[u8]>>(
    tile: &Tile,
    tile_data: &[u8],
    entries: &[E],
) -> Result<()> {
    if tile.level != 0 {
        return Err(Error::InvalidTile("entry bundles belong to level-0 tiles"));
    }
    let hashes = parse_tile_data(tile, tile_data)?;
    if hashes.len() != entries.len() {
        return Err(Error::MalformedEntryBundle(
            "entry count does not match tile width",
        ));
    }
    if hashes
        .iter()
        .zip(entries)
        .all(|(h, e)| leaf_hash(e.as_ref()) == *h)
    {
        Ok(())
    } else {
        Err(Error::MalformedEntryBundle(
            "entry does not match tile hash",
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(7), "007");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(
            Tile::new(0, 1234067, 256).unwrap().path(),
            "tile/0/x001/x234/067"
        );
        assert_eq!(
            Tile::new(2, 1234067, 17).unwrap().path(),
            "tile/2/x001/x234/067.p/17"
        );
        assert_eq!(
            Tile::new(0, 5, 3).unwrap().entries_path().unwrap(),
            "tile/entries/005.p/3"
        );
        assert!(Tile::new(1, 5, 3).unwrap().entries_path().is_err());
    }

    #[test]
    fn path_parsing() {
        for p in [
            "tile/0/000",
            "tile/0/x001/x234/067",
            "tile/3/x001/x234/067.p/1",
            "tile/entries/x999/999.p/255",
            "tile/63/018/x446/x744/x073/x709/x551/615",
        ] {
            if p.starts_with("tile/63/018") {
                assert!(parse_tile_path(p).is_err());
                continue;
            }
            assert_eq!(parse_tile_path(p).unwrap().path(), p);
        }
        assert_eq!(
            parse_tile_path("tile/entries/x001/x234/067.p/9").unwrap(),
            TilePath::Entries(Tile::new(0, 1234067, 9).unwrap())
        );
        for bad in [
            "",
            "tile",
            "tile/",
            "tile/0",
            "tile/0/",
            "tile/00/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/0/00",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x001",
            "tile/0/x001/002.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/07",
            "tile/0/001.p/",
            "tile/0/001.p",
            "tile/0/001/",
            "tile/data/001",
            "tile/8/0/001",
            "tiles/0/001",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/+01",
        ] {
            assert!(parse_tile_path(bad).is_err(), "{bad:?} should fail");
        }
        // u64::MAX is representable.
        let max = format!("tile/0/{}", encode_index(u64::MAX));
        assert_eq!(parse_tile_path(&max).unwrap().tile().n(), u64::MAX);
    }

    #[test]
    fn tiles_for_sizes_follow_the_spec_examples() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles,
        // one partial level 0 tile of width 112, one full level 1 tile, one
        // partial level 1 tile of width 17, and one partial level 2 tile of
        // width 1."
        let t = new_tiles(0, 70_000);
        let full0 = t.iter().filter(|t| t.level == 0 && t.is_full()).count();
        assert_eq!(full0, 273);
        assert!(t.contains(&Tile::new(0, 273, 112).unwrap()));
        assert!(t.contains(&Tile::new(1, 0, 256).unwrap()));
        assert!(t.contains(&Tile::new(1, 1, 17).unwrap()));
        assert!(t.contains(&Tile::new(2, 0, 1).unwrap()));
        assert_eq!(t.len(), 273 + 4);
        // "a tree of size 256 will be represented by a full level 0 tile and a
        // partial level 1 tile of width 1."
        assert_eq!(
            new_tiles(0, 256),
            vec![Tile::new(0, 0, 256).unwrap(), Tile::new(1, 0, 1).unwrap()]
        );
        assert!(new_tiles(0, 0).is_empty());
        assert_eq!(new_tiles(5, 5), vec![]);
        assert_eq!(new_tiles(5, 6), vec![Tile::new(0, 0, 6).unwrap()]);
    }

    #[test]
    fn entry_bundles() {
        let entries: Vec<Vec<u8>> = vec![vec![], b"a".to_vec(), vec![7; 300]];
        let b = encode_entry_bundle(&entries).unwrap();
        assert_eq!(&b[..5], &[0, 0, 0, 1, b'a']);
        assert_eq!(parse_entry_bundle(&b).unwrap(), entries);
        assert!(parse_entry_bundle(&b[..b.len() - 1]).is_err());
        assert!(parse_entry_bundle(&[0]).is_err());
        assert_eq!(
            encode_entry_bundle([vec![0u8; 65536]]),
            Err(Error::EntryTooLarge { len: 65536 })
        );
        assert!(encode_entry_bundle([vec![0u8; 65535]]).is_ok());
        assert!(encode_entry_bundle(vec![vec![0u8]; 257]).is_err());
        let too_many = vec![0u8; 2 * 257];
        assert!(parse_entry_bundle(&too_many).is_err());
    }
}
