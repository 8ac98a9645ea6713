//! Sentence embeddings for recognising rewritten leaks: a paraphrase or a
//! summary shares no word sequence with what it rewrites, but its passages
//! mean what ours mean. The model is all-MiniLM-L6-v2 (384 dimensions,
//! mean-pooled, unit length), run in process on the CPU (`bert`: its
//! forward pass with 8-bit matrix products) from a folder holding
//! `model.safetensors`, `tokenizer.json` and `config.json`
//! (`scripts/fetch-model.sh` fetches and checks it). Nothing is downloaded
//! at run time; without the folder there is no embedder, and callers say so.
//!
//! Why in process and not a service: the install must run on one machine
//! with nothing else to install, and the model is small (87 MiB of f32
//! weights, 11 MiB once its layers are quantised; `examples/speed.rs`
//! prints passages a second).

mod bert;
mod linear;
mod math;
mod passages;
mod scan;

pub use passages::{first_passages, passages, Passage, MAX_WORDS, MIN_WORDS};
pub use scan::scan;

use std::path::{Path, PathBuf};
use tokenizers::{Tokenizer, TruncationParams};

/// The length of an embedding.
pub const DIM: usize = 384;
/// What stored passages were made with: the model, its runtime (8-bit
/// weights and activations), the quantisation of the stored embeddings and
/// the passage rule. Passages of another tag are not compared with new
/// ones (a change here makes every version pending again).
pub const MODEL: &str = "all-MiniLM-L6-v2/w8a8/int8/passages-40-80";
/// Passages embedded in one batch: their tokens are stacked into one
/// matrix for the linear layers (no padding), which keeps the 8-bit
/// products efficient.
pub const BATCH: usize = 8;
/// Tokens read of one passage; the rest is cut (a passage of 80 words is
/// about 110 tokens).
pub const MAX_TOKENS: usize = 256;

/// What can go wrong loading or running the model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model file is missing or unreadable.
    #[error("model file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `config.json` is not a BERT configuration.
    #[error("model configuration: {0}")]
    Config(#[from] serde_json::Error),
    /// The tokenizer could not be loaded or refused a text.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The model failed (bad weights, wrong shape, a token out of range).
    #[error("model: {0}")]
    Model(String),
    /// The model is not the one expected (its output is not 384 wide).
    #[error("the model gives {0} dimensions, not {DIM}")]
    Dimensions(usize),
}

/// A loaded model: embeds texts. Cheap to share (`Arc`); embedding takes
/// the CPU for a while, so async callers run it on a blocking thread.
pub struct Embedder {
    bert: bert::Bert,
    tokenizer: Tokenizer,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Embedder(all-MiniLM-L6-v2)")
    }
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, Error> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|source| Error::File { path, source })
}

impl Embedder {
    /// Loads the model from `dir`. The weights are read into memory and
    /// quantised; the file's bytes are let go.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let config: bert::Config = serde_json::from_slice(&read(dir, "config.json")?)?;
        let bert = bert::Bert::load(config, &read(dir, "model.safetensors")?)?;
        let tokenizer_json = read(dir, "tokenizer.json")?;
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_json).map_err(|e| Error::Tokenizer(e.to_string()))?;
        // The file pads and cuts every input to 128 tokens: no padding
        // (each text is its own sequence), and cut at MAX_TOKENS.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let embedder = Embedder { bert, tokenizer };
        let probe = embedder.embed(&["probe"])?;
        match probe.first().map(Vec::len) {
            Some(DIM) => Ok(embedder),
            other => Err(Error::Dimensions(other.unwrap_or(0))),
        }
    }

    /// The unit-length embeddings of `texts`, in order.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        // One text at a time: `encode_batch` hands the texts to rayon's
        // pool (one thread, see `configure_threads`) and waits for it, a
        // thread switch a call for a few passages' worth of work.
        let encodings = texts
            .iter()
            .map(|t| self.tokenizer.encode(*t, true))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let sequences: Vec<(&[u32], &[u32])> = encodings
            .iter()
            .map(|e| (e.get_ids(), e.get_type_ids()))
            .collect();
        self.bert.embed(&sequences)
    }
}

/// Keeps the model's matrix products on the calling thread; call it first
/// in `main`. rten-gemm splits a product over rayon's global pool, and for
/// one passage's small matrices the hand-offs cost more than they gain (on
/// two cores, 78 passages/s against 101 on one), while Rampart's callers
/// already embed several texts at once (triage's searches, a batch per
/// core). With a global pool of one thread, rten-gemm runs each product
/// where it is called. Nothing else in Rampart uses rayon. A pool already
/// built is kept.
pub fn configure_threads() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
}

/// The quantised embeddings of `passages`, in order.
pub fn embed_passages(embedder: &Embedder, passages: &[Passage]) -> Result<Vec<Vec<i8>>, Error> {
    let mut out = Vec::with_capacity(passages.len());
    for chunk in passages.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|p| p.text.as_str()).collect();
        out.extend(embedder.embed(&texts)?.iter().map(|e| quantise(e)));
    }
    Ok(out)
}

/// Passages of a stored text embedded: the first ones, some 18,000 words
/// (a 40-page report), ten seconds of one core at indexing. Triage holds
/// every stored passage in memory (384 bytes each): the benchmark corpus's
/// 2,250 long documents alone would take 2.3 M passages, 0.9 GB, at 1,000
/// a version.
pub const MAX_STORED_PASSAGES: usize = 300;

/// A stored text's passages (the first [`MAX_STORED_PASSAGES`]) with their
/// quantised embeddings, in order.
pub fn embed_text(embedder: &Embedder, text: &str) -> Result<Vec<(String, Vec<i8>)>, Error> {
    let ps = first_passages(text, MAX_STORED_PASSAGES);
    let embeddings = embed_passages(embedder, &ps)?;
    Ok(ps.into_iter().map(|p| p.text).zip(embeddings).collect())
}

/// The cosine of two unit-length embeddings: their dot product.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// An embedding stored in a quarter of the space: each value times 127,
/// rounded (values of a unit vector of 384 dimensions stay well inside
/// ±1). The cosine of two quantised embeddings is within about 0.01 of the
/// exact one (tested).
pub fn quantise(embedding: &[f32]) -> Vec<i8> {
    embedding
        .iter()
        .map(|v| (v * 127.0).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

/// The dot product of two quantised embeddings (127² for two equal unit
/// vectors). To compare one embedding with many, [`scan`] is faster.
pub fn dot_quantised(a: &[i8], b: &[i8]) -> i32 {
    scan::dot_lanes(a, b)
}

/// The cosine of two quantised embeddings.
pub fn cosine_quantised(a: &[i8], b: &[i8]) -> f32 {
    dot_quantised(a, b) as f32 / (127.0 * 127.0)
}

/// The least dot product of quantised embeddings whose cosine is at least
/// `cosine`: a floor for [`dot_quantised`] without a division per pair.
pub fn dot_floor(cosine: f32) -> i32 {
    (cosine * 127.0 * 127.0).ceil() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_laned_dot_product_is_the_plain_sum() {
        // 384 (whole lanes) and 37 (a remainder past the lanes).
        for len in [DIM, 37] {
            let a: Vec<i8> = (0..len)
                .map(|i| ((i * 37 % 255) as i32 - 127) as i8)
                .collect();
            let b: Vec<i8> = (0..len)
                .map(|i| ((i * 91 % 255) as i32 - 127) as i8)
                .collect();
            let plain: i32 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| i32::from(*x) * i32::from(*y))
                .sum();
            assert_eq!(dot_quantised(&a, &b), plain);
        }
        assert_eq!(dot_floor(0.6), 9678); // 0.6 × 127² = 9677.4
    }

    #[test]
    fn quantised_cosines_stay_close_to_exact_ones() {
        // Two unit vectors with a known cosine, spread over every dimension.
        let a: Vec<f32> = (0..DIM).map(|i| ((i as f32) * 0.37).sin()).collect();
        let b: Vec<f32> = (0..DIM).map(|i| ((i as f32) * 0.37 + 0.6).sin()).collect();
        let unit = |v: Vec<f32>| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / n).collect::<Vec<f32>>()
        };
        let (a, b) = (unit(a), unit(b));
        let exact = cosine(&a, &b);
        let approx = cosine_quantised(&quantise(&a), &quantise(&b));
        assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
        assert!((cosine(&a, &a) - 1.0).abs() < 1e-5);
    }
}
