//! Reading hashes out of tiles, each tile authenticated against a trusted
//! tree head before any of its hashes is believed (Go's `TileHashReader`).

use super::{
    hash_from_tile, tile_for_index, tile_subtree_hash, Tile, MAX_USABLE_LEVEL, TILE_HEIGHT,
};
use crate::error::{Error, Result};
use crate::hash::{node_hash, Hash, HASH_SIZE};
use crate::tree::{stored_hash_index, sub_tree_index, HashReader};
use std::collections::HashMap;

/// Source of raw tile data (files, HTTP, a database).
pub trait TileReader {
    /// Returns the data for each tile, in order. Each entry must be exactly
    /// `width * 32` bytes long.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>>;

    /// Called with tiles that have been authenticated against a tree head,
    /// so that they can be cached. The default does nothing.
    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        let _ = (tiles, data);
    }
}

/// A [`HashReader`] serving stored hashes out of tiles, authenticating every
/// tile it reads against a trusted tree head (size and root hash) first.
#[derive(Debug)]
pub struct TileHashReader<'a, R: ?Sized> {
    tree_size: u64,
    tree_hash: Hash,
    reader: &'a R,
}

impl<'a, R: TileReader + ?Sized> TileHashReader<'a, R> {
    /// A reader for the tree of `tree_size` leaves with root `tree_hash`
    /// (typically from a verified checkpoint).
    pub fn new(tree_size: u64, tree_hash: Hash, reader: &'a R) -> Self {
        Self {
            tree_size,
            tree_hash,
            reader,
        }
    }
}

impl<R: TileReader + ?Sized> HashReader for TileHashReader<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>> {
        let n = self.tree_size;
        if n == 0 || n >= 1 << 62 {
            return Err(Error::InvalidInput("tree size out of range for tiles"));
        }
        let mut order: HashMap<Tile, usize> = HashMap::new();
        let mut tiles: Vec<Tile> = Vec::new();

        // Tiles needed to recompute the tree hash; if it matches, they are
        // authenticated.
        let mut stx = Vec::new();
        sub_tree_index(0, n, &mut stx)?;
        let mut stx_order = Vec::with_capacity(stx.len());
        for &x in &stx {
            let t = tile_for_index(x)
                .parent(0, n)
                .ok_or(Error::InvalidInput("index not in tree"))?;
            let j = *order.entry(t).or_insert_with(|| {
                tiles.push(t);
                tiles.len() - 1
            });
            stx_order.push(j);
        }
        // Several subtree roots can live in the same tile, so count tiles,
        // not roots (Go's reader starts at len(stx) here, which can skip the
        // authentication of a child tile).
        let num_stx_tiles = tiles.len();

        // Tiles holding the requested indexes, plus the parents needed to
        // authenticate them (parents always come before their children).
        let limit = stored_hash_index(0, n);
        let mut index_order = Vec::with_capacity(indexes.len());
        for &x in indexes {
            if x >= limit {
                return Err(Error::Storage("stored hash index not in tree".into()));
            }
            let t = tile_for_index(x);
            let mut k: u8 = 0;
            let mut found = None;
            while k <= MAX_USABLE_LEVEL + 1 {
                if let Some(p) = t.parent(k, n) {
                    if let Some(&j) = order.get(&p) {
                        found = Some(j);
                        break;
                    }
                }
                k += 1;
            }
            let Some(j) = found else {
                return Err(Error::InvalidInput("no authenticated ancestor tile"));
            };
            if k == 0 {
                index_order.push(j);
                continue;
            }
            let mut this = None;
            for kk in (0..k).rev() {
                let p = t
                    .parent(kk, n)
                    .ok_or(Error::InvalidInput("missing parent tile"))?;
                if !p.is_full() {
                    // Only full tiles have parents.
                    return Err(Error::InvalidInput("partial tile with a parent"));
                }
                order.insert(p, tiles.len());
                this = Some(tiles.len());
                tiles.push(p);
            }
            index_order.push(this.ok_or(Error::InvalidInput("missing tile"))?);
        }

        let data = self.reader.read_tiles(&tiles)?;
        if data.len() != tiles.len() {
            return Err(Error::Storage("tile reader returned wrong count".into()));
        }
        for (t, d) in tiles.iter().zip(&data) {
            if d.len() != t.width as usize * HASH_SIZE {
                return Err(Error::InvalidTile("tile reader returned wrong length"));
            }
        }
        let tile_and_data = |j: usize| -> Result<(&Tile, &Vec<u8>)> {
            match (tiles.get(j), data.get(j)) {
                (Some(t), Some(d)) => Ok((t, d)),
                _ => Err(Error::Storage("tile bookkeeping".into())),
            }
        };

        // Authenticate the tree-hash tiles.
        let mut th: Option<Hash> = None;
        for (&x, &j) in stx.iter().zip(&stx_order).rev() {
            let (t, d) = tile_and_data(j)?;
            let h = hash_from_tile(t, d, x)?;
            th = Some(match th {
                None => h,
                Some(right) => node_hash(&h, &right),
            });
        }
        if th != Some(self.tree_hash) {
            return Err(Error::InconsistentTile);
        }

        // Authenticate the remaining (full) tiles against their parents.
        for i in num_stx_tiles..tiles.len() {
            let (t, d) = tile_and_data(i)?;
            let p = t
                .parent(1, n)
                .ok_or(Error::InvalidInput("lost parent tile"))?;
            let &j = order
                .get(&p)
                .ok_or(Error::InvalidInput("lost parent tile"))?;
            let (pt, pd) = tile_and_data(j)?;
            let h = hash_from_tile(pt, pd, stored_hash_index(p.level * TILE_HEIGHT, t.n))?;
            if h != tile_subtree_hash(d)? {
                return Err(Error::InconsistentTile);
            }
        }

        self.reader.save_tiles(&tiles, &data);

        indexes
            .iter()
            .zip(&index_order)
            .map(|(&x, &j)| {
                let (t, d) = tile_and_data(j)?;
                hash_from_tile(t, d, x)
            })
            .collect()
    }
}
