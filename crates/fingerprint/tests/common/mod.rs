//! Shared helpers for the integration tests: a deterministic RNG, the test
//! documents, the colluders' mixing attacks and the leak transformations.
#![allow(dead_code)]

use rampart_fingerprint::{
    AccountId, DownloadId, Fingerprinter, Mark, Params, ServerSecret, VersionId,
};
use unicode_normalization::UnicodeNormalization;

/// xorshift64*: deterministic, dependency-free.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn fingerprinter() -> Fingerprinter {
    Fingerprinter::new(&ServerSecret::new([42u8; 32]), Params::default()).unwrap()
}

pub fn version(n: u8) -> VersionId {
    VersionId {
        document: [n; 16],
        version: 1,
    }
}

pub fn mark(account: i64, v: VersionId, salt: u8) -> Mark {
    let mut d = [salt; 16];
    d[..8].copy_from_slice(&account.to_le_bytes());
    Mark {
        account: AccountId(account),
        download: DownloadId(d),
        version: v,
    }
}

/// ~3000 words of real English: the GPL-2 as shipped by Debian (fallback:
/// the GPL-3, then the Apache licence).
pub fn document() -> String {
    for p in ["GPL-2", "GPL-3", "Apache-2.0"] {
        if let Ok(s) = std::fs::read_to_string(format!("/usr/share/common-licenses/{p}")) {
            return s;
        }
    }
    panic!("no licence text under /usr/share/common-licenses");
}

/// The document split into `n` shorter files at paragraph boundaries.
pub fn files(n: usize) -> Vec<String> {
    let doc = document();
    let paras: Vec<&str> = doc.split("\n\n").collect();
    let per = paras.len().div_ceil(n);
    paras.chunks(per).map(|c| c.join("\n\n")).collect()
}

/// A simple HTML rendering of a text (paragraphs, escaped).
pub fn to_html(text: &str) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html><head><title>Licence</title>\n<style>p { margin: 1em }</style></head>\n<body>\n");
    for p in text.split("\n\n") {
        let esc = p
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str("<p class=\"para\">");
        out.push_str(&esc);
        out.push_str("</p>\n\n");
    }
    out.push_str("<pre>fn main() { println!(\"don't touch\") }</pre>\n</body></html>\n");
    out
}

/// HTML to text by dropping tags and decoding the basic entities.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Alternating whitespace / non-whitespace runs; copies of one document
/// marked for different accounts have the same runs in the same order.
pub fn units(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut ws = None;
    for (i, c) in text.char_indices() {
        let w = c.is_whitespace();
        if ws.is_some_and(|x| x != w) {
            out.push(&text[start..i]);
            start = i;
        }
        ws = Some(w);
    }
    out.push(&text[start..]);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    /// Paragraph i comes from colluder i mod c.
    Interleave,
    /// Each unit is the most frequent among the copies (ties at random).
    Majority,
    /// Each unit comes from a random copy.
    Random,
}

pub const ATTACKS: [Attack; 3] = [Attack::Interleave, Attack::Majority, Attack::Random];

pub fn collude(copies: &[String], attack: Attack, rng: &mut Rng) -> String {
    if copies.len() == 1 {
        return copies[0].clone();
    }
    match attack {
        Attack::Interleave => {
            let split: Vec<Vec<&str>> = copies.iter().map(|c| c.split("\n\n").collect()).collect();
            let n = split[0].len();
            (0..n)
                .map(|i| split[i % copies.len()][i])
                .collect::<Vec<_>>()
                .join("\n\n")
        }
        Attack::Majority | Attack::Random => {
            let u: Vec<Vec<&str>> = copies.iter().map(|c| units(c)).collect();
            assert!(
                u.iter().all(|x| x.len() == u[0].len()),
                "copies do not align"
            );
            let mut out = String::new();
            for i in 0..u[0].len() {
                let pick = if attack == Attack::Random {
                    rng.below(copies.len())
                } else {
                    let counts: Vec<usize> = (0..copies.len())
                        .map(|k| u.iter().filter(|x| x[i] == u[k][i]).count())
                        .collect();
                    let best = *counts.iter().max().unwrap();
                    let ties: Vec<usize> =
                        (0..copies.len()).filter(|&k| counts[k] == best).collect();
                    ties[rng.below(ties.len())]
                };
                out.push_str(u[pick][i]);
            }
            out
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leak {
    AsIs,
    Nfc,
    Nfkc,
    /// Runs of ASCII whitespace collapsed to one space (HTML rendering, `tr -s`).
    CollapseAscii,
    /// Every Unicode whitespace run replaced by one space (kills the space channel).
    CollapseUnicode,
    /// A random contiguous 25 % of the paragraphs.
    Excerpt25,
    ShuffleParagraphs,
}

pub const LEAKS: [Leak; 7] = [
    Leak::AsIs,
    Leak::Nfc,
    Leak::Nfkc,
    Leak::CollapseAscii,
    Leak::CollapseUnicode,
    Leak::Excerpt25,
    Leak::ShuffleParagraphs,
];

pub fn leak(text: &str, how: Leak, rng: &mut Rng) -> String {
    match how {
        Leak::AsIs => text.to_string(),
        Leak::Nfc => text.nfc().collect(),
        Leak::Nfkc => text.nfkc().collect(),
        Leak::CollapseAscii => {
            let mut out = String::new();
            let mut prev = false;
            for c in text.chars() {
                let w = matches!(c, ' ' | '\t' | '\n' | '\r');
                if !(w && prev) {
                    out.push(if w { ' ' } else { c });
                }
                prev = w;
            }
            out
        }
        Leak::CollapseUnicode => text.split_whitespace().collect::<Vec<_>>().join(" "),
        Leak::Excerpt25 => {
            let paras: Vec<&str> = text.split("\n\n").collect();
            let total: usize = paras.iter().map(|p| p.len()).sum();
            let start = rng.below(paras.len());
            let mut out = Vec::new();
            let mut len = 0;
            let mut i = start;
            while len * 4 < total {
                out.push(paras[i % paras.len()]);
                len += paras[i % paras.len()].len();
                i += 1;
            }
            out.join("\n\n")
        }
        Leak::ShuffleParagraphs => {
            let mut paras: Vec<&str> = text.split("\n\n").collect();
            for i in (1..paras.len()).rev() {
                paras.swap(i, rng.below(i + 1));
            }
            paras.join("\n\n")
        }
    }
}

/// Innocent accounts: ids 1_000_000.. (colluders use small ids).
pub fn innocents(n: usize) -> Vec<AccountId> {
    (0..n as i64).map(|i| AccountId(1_000_000 + i)).collect()
}
