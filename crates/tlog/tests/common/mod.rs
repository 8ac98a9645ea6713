//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::HashMap;

use rampart_tlog::{new_tiles, read_tile_data, Hash, MemoryTree, Result, Tile, TileReader};

/// Decodes hex into bytes (panics on bad input: test-only).
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// Decodes a 64-digit hex hash.
pub fn h(s: &str) -> Hash {
    Hash::from_hex(s).unwrap()
}

/// A tree holding `n` deterministic entries.
pub fn tree_of(n: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.append(&entry(i)).unwrap();
    }
    t
}

/// The deterministic entry number `i`.
pub fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// Every tile of a tree of `size` leaves, served from memory, with a log of
/// which tiles were requested.
pub struct MemTiles {
    pub tiles: HashMap<Tile, Vec<u8>>,
    pub requested: RefCell<Vec<Tile>>,
}

impl MemTiles {
    pub fn new(tree: &MemoryTree, size: u64) -> Self {
        let mut tiles = HashMap::new();
        for t in new_tiles(0, size) {
            tiles.insert(t, read_tile_data(&t, tree).unwrap());
        }
        Self {
            tiles,
            requested: RefCell::new(Vec::new()),
        }
    }
}

impl TileReader for MemTiles {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>> {
        self.requested.borrow_mut().extend_from_slice(tiles);
        tiles
            .iter()
            .map(|t| {
                self.tiles
                    .get(t)
                    .cloned()
                    .ok_or_else(|| rampart_tlog::Error::Storage(format!("no tile {t}")))
            })
            .collect()
    }
}
