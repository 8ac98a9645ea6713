//! Sentence embeddings for recognising rewritten leaks: a paraphrase or a
//! summary shares no word sequence with what it rewrites, but its passages
//! mean what ours mean. The model is all-MiniLM-L6-v2 (384 dimensions,
//! mean-pooled, unit length), run in process with candle on the CPU from a
//! folder holding `model.safetensors`, `tokenizer.json` and `config.json`
//! (`scripts/fetch-model.sh` fetches and checks it). Nothing is downloaded
//! at run time; without the folder there is no embedder, and callers say so.
//!
//! Why in process and not a service: the install must run on one machine
//! with nothing else to install, and the model is small (87 MiB of weights;
//! measured with `examples/speed.rs` on this project's 2-core machine:
//! 34–38 passages of ~55 words a second on one core, 53 on two with
//! batches of 8 sorted by length; 267 MiB peak RSS).

mod passages;
mod scan;

pub use passages::{passages, Passage, MAX_WORDS, MIN_WORDS};
pub use scan::scan;

use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The length of an embedding.
pub const DIM: usize = 384;
/// What stored passages were made with: the model, the quantisation and
/// the passage rule. Passages of another tag are not compared with new
/// ones (a change here makes every version pending again).
pub const MODEL: &str = "all-MiniLM-L6-v2/int8/passages-40-80";
/// Passages embedded in one batch: sorted by length, 8 at a time was the
/// fastest on two cores (`examples/speed.rs`).
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
    /// The model failed (bad weights, wrong shape).
    #[error("model: {0}")]
    Model(#[from] candle_core::Error),
    /// The model is not the one expected (its output is not 384 wide).
    #[error("the model gives {0} dimensions, not {DIM}")]
    Dimensions(usize),
}

/// A loaded model: embeds texts. Cheap to share (`Arc`); embedding takes
/// the CPU for a while, so async callers run it on a blocking thread.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
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
    /// Loads the model from `dir`. The weights are read into memory (about
    /// 87 MiB): mapping them would need `unsafe`, which the workspace
    /// forbids.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let device = Device::Cpu;
        let config: Config = serde_json::from_slice(&read(dir, "config.json")?)?;
        let weights = read(dir, "model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DTYPE, &device)?;
        let model = BertModel::load(vb, &config)?;
        let tokenizer_json = read(dir, "tokenizer.json")?;
        let mut tokenizer =
            Tokenizer::from_bytes(&tokenizer_json).map_err(|e| Error::Tokenizer(e.to_string()))?;
        // The file pads and cuts every input to 128 tokens: pad a batch to
        // its longest text instead, and cut at MAX_TOKENS.
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let embedder = Embedder {
            model,
            tokenizer,
            device,
        };
        let probe = embedder.embed(&["probe"])?;
        match probe.first().map(Vec::len) {
            Some(DIM) => Ok(embedder),
            other => Err(Error::Dimensions(other.unwrap_or(0))),
        }
    }

    /// The unit-length embeddings of `texts`, in order. Texts of similar
    /// length batch best (padding is work).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, Error> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let stack = |field: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Result<Tensor, Error> {
            let rows = encodings
                .iter()
                .map(|e| Tensor::new(field(e), &self.device))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Tensor::stack(&rows, 0)?)
        };
        let ids = stack(&|e| e.get_ids())?;
        let type_ids = stack(&|e| e.get_type_ids())?;
        let mask = stack(&|e| e.get_attention_mask())?;
        let hidden = self.model.forward(&ids, &type_ids, Some(&mask))?;
        // Mean over the real tokens (not the padding), then unit length:
        // the sentence-transformers pooling this model was trained with.
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let pooled = summed.broadcast_div(&mask.sum(1)?)?;
        let norm = pooled.sqr()?.sum_keepdim(D::Minus1)?.sqrt()?;
        Ok(pooled.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}

/// Sets how candle runs the model's element-wise steps; call it first in
/// `main`, before any other thread exists (it sets an environment
/// variable). candle 0.11 hands those steps to helper threads of its own
/// and spins until they are done. Rampart runs the model beside other work
/// on every core (triage's extraction workers and several searches at
/// once; serve's requests), where a helper is often not scheduled and the
/// spinning is pure loss: on the triage benchmark it was a fifth of the
/// CPU time (perf), and keeping those steps on the calling thread cut the
/// run's CPU time from 501 s to 394 s. The matrix products still use every
/// core. A `CANDLE_NUM_THREADS` already set is kept.
pub fn configure_threads() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}

/// The quantised embeddings of `passages`, in order, batched by length.
pub fn embed_passages(embedder: &Embedder, passages: &[Passage]) -> Result<Vec<Vec<i8>>, Error> {
    let mut order: Vec<usize> = (0..passages.len()).collect();
    order.sort_by_key(|&i| passages[i].text.len());
    let mut out = vec![Vec::new(); passages.len()];
    for chunk in order.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|&i| passages[i].text.as_str()).collect();
        for (&i, e) in chunk.iter().zip(embedder.embed(&texts)?) {
            out[i] = quantise(&e);
        }
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
    let mut ps = passages(text);
    ps.truncate(MAX_STORED_PASSAGES);
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
