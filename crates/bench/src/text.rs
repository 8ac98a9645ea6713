//! Prose for the benchmark corpus. Every document needs text of its own
//! (sharing whole passages would make every document an excerpt of every
//! other and measure nothing), yet realistic vocabulary and phrasing, so
//! the words come from a first-order Markov chain trained on the demo
//! world's documents (`rampart-demo`), with an occasional jump to a random
//! word so that two documents rarely share a 5-word shingle by chance.
//! Everything derives from a seed, so a document's text is regenerated on
//! demand instead of being kept in memory.

use rand::{rngs::StdRng, Rng, SeedableRng};
use std::collections::HashMap;

/// A word chain trained on the demo world.
pub struct Prose {
    words: Vec<String>,
    next: Vec<Vec<u32>>,
    starts: Vec<u32>,
}

/// A document's text: a title and paragraphs, some of them headings.
#[derive(Debug, Clone)]
pub struct Text {
    /// Title.
    pub title: String,
    /// `(is_heading, text)` blocks.
    pub blocks: Vec<(bool, String)>,
}

impl Text {
    /// A copy with about `share` of its words replaced (an edited leak).
    pub fn edited(&self, prose: &Prose, share: f64, seed: u64) -> Text {
        let mut rng = StdRng::seed_from_u64(seed);
        let blocks = self
            .blocks
            .iter()
            .map(|(h, b)| {
                let words: Vec<&str> = b
                    .split(' ')
                    .map(|w| {
                        if rng.gen_bool(share) {
                            prose.words[rng.gen_range(0..prose.words.len())].as_str()
                        } else {
                            w
                        }
                    })
                    .collect();
                (*h, words.join(" "))
            })
            .collect();
        Text {
            title: self.title.clone(),
            blocks,
        }
    }

    /// A contiguous run of about `share` of the blocks (an excerpt).
    pub fn excerpt(&self, share: f64, seed: u64) -> Text {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = self.blocks.len();
        let take = ((n as f64 * share).round() as usize).clamp(1, n.max(1));
        let start = rng.gen_range(0..=n.saturating_sub(take));
        Text {
            title: self.title.clone(),
            blocks: self.blocks[start..(start + take).min(n)].to_vec(),
        }
    }
}

impl Prose {
    /// Trains the chain on the text documents of a few demo worlds.
    pub fn train() -> Prose {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut next: Vec<Vec<u32>> = Vec::new();
        let mut starts = Vec::new();
        for seed in [7u64, 11, 13] {
            for doc in rampart_demo::generate(seed).documents {
                if doc.media_type != "text/plain" && doc.media_type != "text/markdown" {
                    continue;
                }
                let text = String::from_utf8_lossy(&doc.content);
                let mut prev: Option<u32> = None;
                for raw in text.split_whitespace() {
                    let w: String = raw.chars().filter(|c| !"#*|`_[]()".contains(*c)).collect();
                    if w.is_empty() || w.len() > 24 {
                        continue;
                    }
                    let id = *index.entry(w.clone()).or_insert_with(|| {
                        words.push(w.clone());
                        next.push(Vec::new());
                        (words.len() - 1) as u32
                    });
                    match prev {
                        Some(p) => next[p as usize].push(id),
                        None => starts.push(id),
                    }
                    prev = Some(id);
                    if w.ends_with('.') {
                        prev = None;
                    }
                }
            }
        }
        Prose {
            words,
            next,
            starts,
        }
    }

    fn sentence(&self, rng: &mut StdRng, out: &mut String) {
        let mut w = self.starts[rng.gen_range(0..self.starts.len())];
        let target = rng.gen_range(8..28);
        for i in 0..40 {
            let word = &self.words[w as usize];
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(word);
            if word.ends_with('.') && i >= 4 {
                return;
            }
            if i >= target {
                out.push('.');
                return;
            }
            let follow = &self.next[w as usize];
            w = if follow.is_empty() || rng.gen_bool(0.15) {
                rng.gen_range(0..self.words.len() as u32)
            } else {
                follow[rng.gen_range(0..follow.len())]
            };
        }
        out.push('.');
    }

    /// A document of about `bytes` bytes, from `seed` alone.
    pub fn document(&self, seed: u64, bytes: usize) -> Text {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut title = String::new();
        self.sentence(&mut rng, &mut title);
        let title: String = title.split(' ').take(9).collect::<Vec<_>>().join(" ");
        let title = title.trim_end_matches('.').to_owned();
        let mut blocks = Vec::new();
        let mut size = 0;
        while size < bytes {
            if blocks.is_empty() || rng.gen_bool(0.08) {
                let mut h = String::new();
                self.sentence(&mut rng, &mut h);
                let h: String = h.split(' ').take(6).collect::<Vec<_>>().join(" ");
                size += h.len() + 2;
                blocks.push((true, h.trim_end_matches('.').to_owned()));
            }
            let mut p = String::new();
            for _ in 0..rng.gen_range(3..9) {
                self.sentence(&mut rng, &mut p);
            }
            size += p.len() + 2;
            blocks.push((false, p));
        }
        Text { title, blocks }
    }
}
