//! all-MiniLM-L6-v2's forward pass, written out, with its matrix products
//! in 8-bit integers.
//!
//! Why not candle, which ran it before: triage embeds four sampled
//! passages of every file that matches nothing, and on the triage
//! benchmark that made the run 3.2 × slower. candle's products ran near
//! this CPU's f32 peak, but they were a third of its time on this model:
//! the rest went to allocation per step, the C library's `erff`/`expf`
//! value by value, and copies between layouts. Here every step is one loop
//! over flat buffers (`math`), and the linear layers, nine tenths of the
//! arithmetic, multiply 8-bit integers with `rten-gemm` (VNNI where the CPU
//! has it: 250–270 GMAC/s on one core of this project's AVX-512 machine,
//! against 65–85 for f32). Weights are quantised per output (symmetric),
//! activations per token row (over the row's range, with a zero point).
//! Attention stays in f32. Each embedding stays within 0.002 cosine of the
//! f32 model's (0.004 with the 7-bit activations of CPUs without VNNI;
//! `tests/reference.rs`, against candle), inside the matcher's margins:
//! the calibration gives the same table with either.

use crate::{
    linear::{self, model_error, resize, tensor, Gemms, Linear, Scratch},
    math, Error,
};
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, GemmOptions};
use rten_tensor::NdTensorView;
use safetensors::SafeTensors;

/// The parts of `config.json` the forward pass reads.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Config {
    hidden_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    intermediate_size: usize,
    layer_norm_eps: f64,
    max_position_embeddings: usize,
    vocab_size: usize,
    type_vocab_size: usize,
    hidden_act: String,
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value in one product (outputs side by side).
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    up: Linear,
    down: Linear,
    out_norm: LayerNorm,
}

/// Tokens whose buffers are kept between calls (~25 MiB).
const MAX_TOKENS_KEPT: usize = 2048;

/// The loaded model.
pub(crate) struct Bert {
    config: Config,
    words: Vec<f32>,
    positions: Vec<f32>,
    types: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    /// The largest quantised activation: 255, or 127 where the CPU's
    /// integer products would saturate on 255 × 127 pairs (x86 without
    /// VNNI).
    levels: f32,
    /// Buffers not in use: a call takes a set (or makes one) and gives it
    /// back, so that concurrent calls never share one and their number
    /// bounds the memory held.
    buffers: std::sync::Mutex<Vec<Buffers>>,
}

/// What a forward pass reuses: the buffers (a few MiB for a batch of
/// passages; allocated afresh per layer they were a tenth of the time, in
/// page faults and zeroing).
#[derive(Default)]
struct Buffers {
    scratch: Scratch,
    x: Vec<f32>,
    qkv: Vec<f32>,
    context: Vec<f32>,
    y: Vec<f32>,
    up: Vec<f32>,
}

impl Bert {
    /// The model of `config` from the bytes of its `model.safetensors`.
    pub(crate) fn load(config: Config, weights: &[u8]) -> Result<Self, Error> {
        if config.hidden_act != "gelu"
            || config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err(model_error(format!(
                "unsupported configuration: activation {}, {} dimensions in {} heads",
                config.hidden_act, config.hidden_size, config.num_attention_heads
            )));
        }
        let st = SafeTensors::deserialize(weights).map_err(model_error)?;
        // Exports of the model name its tensors with or without "bert.".
        let prefix = if st.tensor("embeddings.word_embeddings.weight").is_ok() {
            ""
        } else {
            "bert."
        };
        let h = config.hidden_size;
        let norm = |name: &str| -> Result<LayerNorm, Error> {
            Ok(LayerNorm {
                gamma: tensor(&st, prefix, &format!("{name}.weight"), &[h])?,
                beta: tensor(&st, prefix, &format!("{name}.bias"), &[h])?,
            })
        };
        let int8 = GemmExecutor::<u8, i8, i32>::default();
        let mut layers = Vec::new();
        for l in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let attention = |part: &str| format!("{p}.attention.self.{part}");
            let i = config.intermediate_size;
            layers.push(Layer {
                qkv: Linear::load(
                    &int8,
                    &st,
                    prefix,
                    &[&attention("query"), &attention("key"), &attention("value")],
                    h,
                    h,
                )?,
                attention_out: Linear::load(
                    &int8,
                    &st,
                    prefix,
                    &[&format!("{p}.attention.output.dense")],
                    h,
                    h,
                )?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                up: Linear::load(
                    &int8,
                    &st,
                    prefix,
                    &[&format!("{p}.intermediate.dense")],
                    h,
                    i,
                )?,
                down: Linear::load(&int8, &st, prefix, &[&format!("{p}.output.dense")], i, h)?,
                out_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        let levels = linear::levels(&int8);
        Ok(Bert {
            words: tensor(
                &st,
                prefix,
                "embeddings.word_embeddings.weight",
                &[config.vocab_size, h],
            )?,
            positions: tensor(
                &st,
                prefix,
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, h],
            )?,
            types: tensor(
                &st,
                prefix,
                "embeddings.token_type_embeddings.weight",
                &[config.type_vocab_size, h],
            )?,
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            levels,
            config,
            buffers: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The mean-pooled, unit-length embedding of each token sequence
    /// (`(ids, type ids)`), all of whose tokens are real (no padding).
    pub(crate) fn embed(&self, sequences: &[(&[u32], &[u32])]) -> Result<Vec<Vec<f32>>, Error> {
        let taken = match self.buffers.lock() {
            Ok(mut free) => free.pop(),
            Err(_) => None,
        };
        let mut buffers = taken.unwrap_or_default();
        let out = self.embed_in(&mut buffers, sequences);
        // Kept for the next call unless a batch of long texts made them
        // large (beyond what ~2,000 tokens need).
        if buffers.up.capacity() <= MAX_TOKENS_KEPT * self.config.intermediate_size {
            if let Ok(mut free) = self.buffers.lock() {
                free.push(buffers);
            }
        }
        out
    }

    fn embed_in(
        &self,
        ws: &mut Buffers,
        sequences: &[(&[u32], &[u32])],
    ) -> Result<Vec<Vec<f32>>, Error> {
        let c = &self.config;
        let h = c.hidden_size;
        let mut spans = Vec::with_capacity(sequences.len());
        let x = &mut ws.x;
        x.clear();
        for (ids, types) in sequences {
            if ids.is_empty() || ids.len() > c.max_position_embeddings {
                return Err(model_error(format!("a sequence of {} tokens", ids.len())));
            }
            spans.push((x.len() / h, ids.len()));
            for (p, (&id, &ty)) in ids.iter().zip(types.iter()).enumerate() {
                let (id, ty) = (id as usize, ty as usize);
                if id >= c.vocab_size || ty >= c.type_vocab_size {
                    return Err(model_error(format!("token {id} of type {ty}")));
                }
                let word = &self.words[id * h..(id + 1) * h];
                let position = &self.positions[p * h..(p + 1) * h];
                let kind = &self.types[ty * h..(ty + 1) * h];
                x.extend(
                    word.iter()
                        .zip(position)
                        .zip(kind)
                        .map(|((w, p), t)| w + p + t),
                );
            }
        }
        let rows = x.len() / h;
        let eps = c.layer_norm_eps as f32;
        let norm = |x: &mut [f32], residual: Option<&[f32]>, n: &LayerNorm| {
            math::add_and_norm(x, residual, &n.gamma, &n.beta, eps)
        };
        norm(x, None, &self.embedding_norm);
        let gemms = Gemms {
            int8: GemmExecutor::default(),
            float: GemmExecutor::default(),
        };
        let levels = self.levels;
        let Buffers {
            scratch,
            x,
            qkv,
            context,
            y,
            up,
        } = ws;
        for layer in &self.layers {
            layer.qkv.forward(levels, &gemms, scratch, x, rows, qkv)?;
            attention(&gemms, qkv, &spans, h, c.num_attention_heads, context)?;
            layer
                .attention_out
                .forward(levels, &gemms, scratch, context, rows, y)?;
            norm(y, Some(x), &layer.attention_norm);
            layer.up.forward(levels, &gemms, scratch, y, rows, up)?;
            math::gelu(up);
            layer.down.forward(levels, &gemms, scratch, up, rows, x)?;
            norm(x, Some(y), &layer.out_norm);
        }
        spans
            .iter()
            .map(|&(first, n)| {
                let mut pooled = vec![0f32; h];
                for row in x[first * h..(first + n) * h].chunks_exact(h) {
                    pooled.iter_mut().zip(row).for_each(|(p, v)| *p += v);
                }
                let len = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                pooled.iter_mut().for_each(|p| *p /= len);
                // Bad weights could make it infinite or NaN, and the
                // quantised embedding would then be garbage, silently.
                match pooled.iter().all(|v| v.is_finite()) {
                    true => Ok(pooled),
                    false => Err(model_error("the model gave a non-finite embedding")),
                }
            })
            .collect()
    }
}

/// Self-attention of each sequence (`(first row, rows)` of `qkv`, whose
/// rows hold query, key and value side by side), head by head, in f32.
fn attention(
    gemms: &Gemms,
    qkv: &[f32],
    spans: &[(usize, usize)],
    h: usize,
    heads: usize,
    context: &mut Vec<f32>,
) -> Result<(), Error> {
    let d = h / heads;
    let stride = 3 * h;
    let scale = 1.0 / (d as f32).sqrt();
    let rows = qkv.len() / stride;
    resize(context, rows * h);
    for &(first, n) in spans {
        let block = &qkv[first * stride..(first + n) * stride];
        let mut scores = vec![0f32; n * n];
        let mut out = vec![0f32; n * d];
        let view = |offset: usize, shape: [usize; 2], strides: [usize; 2]| {
            NdTensorView::from_slice_with_strides(shape, &block[offset..], strides)
                .map_err(model_error)
        };
        for head in 0..heads {
            let q = view(head * d, [n, d], [stride, 1])?;
            let k_t = view(h + head * d, [d, n], [1, stride])?;
            gemms
                .float
                .gemm(
                    &mut scores,
                    GemmInputA::Unpacked(q),
                    GemmInputB::Unpacked(k_t),
                    GemmOptions::default(),
                )
                .map_err(model_error)?;
            math::softmax(&mut scores, n, scale);
            let v = view(2 * h + head * d, [n, d], [stride, 1])?;
            gemms
                .float
                .gemm(
                    &mut out,
                    GemmInputA::Unpacked(NdTensorView::from_data([n, n], scores.as_slice())),
                    GemmInputB::Unpacked(v),
                    GemmOptions::default(),
                )
                .map_err(model_error)?;
            for (i, row) in out.chunks_exact(d).enumerate() {
                let at = (first + i) * h + head * d;
                context[at..at + d].copy_from_slice(row);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::tests::{gemms, values};

    #[test]
    fn attention_is_softmax_of_scaled_dot_products_head_by_head() {
        let (h, heads) = (8, 2);
        let d = h / heads;
        // Two sequences of 3 and 4 tokens, each attending to itself alone.
        let spans = [(0, 3), (3, 4)];
        let qkv = values(7 * 3 * h, 4);
        let mut got = Vec::new();
        attention(&gemms(), &qkv, &spans, h, heads, &mut got).unwrap();
        let at = |row: usize, part: usize, head: usize, i: usize| {
            qkv[row * 3 * h + part * h + head * d + i]
        };
        for &(first, n) in &spans {
            for head in 0..heads {
                for r in first..first + n {
                    let scores: Vec<f32> = (first..first + n)
                        .map(|c| {
                            (0..d)
                                .map(|i| at(r, 0, head, i) * at(c, 1, head, i))
                                .sum::<f32>()
                                / (d as f32).sqrt()
                        })
                        .collect();
                    let total: f32 = scores.iter().map(|s| s.exp()).sum();
                    for i in 0..d {
                        let want: f32 = (first..first + n)
                            .zip(&scores)
                            .map(|(c, s)| s.exp() / total * at(c, 2, head, i))
                            .sum();
                        let g = got[r * h + head * d + i];
                        assert!(
                            (g - want).abs() < 1e-5,
                            "row {r} head {head} [{i}]: {g} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
