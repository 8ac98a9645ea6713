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
//! has it: 3.3 × the f32 products' rate, `examples/speed.rs`): weights
//! quantised per output, activations per token row, both symmetric in
//! range. Attention stays in f32. The embeddings stay within ~0.01 cosine
//! of the f32 model's (tested against candle), below the 0.05–0.1 margins
//! of the matcher's thresholds, which were calibrated again on this
//! runtime.

use crate::{math, Error};
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, GemmOptions, PackedBMatrix};
use rten_tensor::NdTensorView;
use safetensors::{Dtype, SafeTensors};

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

/// A linear layer with 8-bit weights: `y = x Wᵀ + b`.
struct Linear {
    /// `Wᵀ` (inputs × outputs), each output's column times its scale.
    weights: PackedBMatrix<i8>,
    scales: Vec<f32>,
    /// Each output's quantised weights summed (for the zero points).
    sums: Vec<i32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
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

/// The products of one call. rten-gemm's executors are not `Sync` (their
/// kernel is a plain trait object), so each call makes its own: a CPU
/// feature check, cached, and one allocation. The packed weights fit every
/// executor of the machine.
struct Gemms {
    int8: GemmExecutor<u8, i8, i32>,
    float: GemmExecutor<f32>,
}

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
}

fn model_error(what: impl std::fmt::Display) -> Error {
    Error::Model(what.to_string())
}

/// A tensor of the file, as f32, checked against the shape expected.
fn tensor(st: &SafeTensors, prefix: &str, name: &str, shape: &[usize]) -> Result<Vec<f32>, Error> {
    let name = format!("{prefix}{name}");
    let t = st
        .tensor(&name)
        .map_err(|e| model_error(format!("{name}: {e}")))?;
    if t.dtype() != Dtype::F32 || t.shape() != shape {
        return Err(model_error(format!(
            "{name} is {:?} {:?}, not F32 {shape:?}",
            t.dtype(),
            t.shape()
        )));
    }
    Ok(t.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

impl Linear {
    /// From PyTorch's layout (`outputs × inputs`, row by row).
    fn new(gemm: &GemmExecutor<u8, i8, i32>, w: &[f32], bias: Vec<f32>, inputs: usize) -> Self {
        let outputs = bias.len();
        let mut transposed = vec![0i8; inputs * outputs];
        let mut scales = vec![1.0; outputs];
        let mut sums = vec![0; outputs];
        for (j, row) in w.chunks_exact(inputs).enumerate() {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            scales[j] = scale;
            for (i, v) in row.iter().enumerate() {
                let q = (v / scale).round().clamp(-127.0, 127.0) as i8;
                transposed[i * outputs + j] = q;
                sums[j] += i32::from(q);
            }
        }
        let weights = gemm.prepack_b(NdTensorView::from_data(
            [inputs, outputs],
            transposed.as_slice(),
        ));
        Linear {
            weights,
            scales,
            sums,
            bias,
            inputs,
            outputs,
        }
    }

    fn load(
        gemm: &GemmExecutor<u8, i8, i32>,
        st: &SafeTensors,
        prefix: &str,
        names: &[&str],
        inputs: usize,
        outputs: usize,
    ) -> Result<Self, Error> {
        let (mut w, mut b) = (Vec::new(), Vec::new());
        for name in names {
            w.extend(tensor(
                st,
                prefix,
                &format!("{name}.weight"),
                &[outputs, inputs],
            )?);
            b.extend(tensor(st, prefix, &format!("{name}.bias"), &[outputs])?);
        }
        Ok(Linear::new(gemm, &w, b, inputs))
    }

    /// `x Wᵀ + b` for `x` of `rows` rows, into `out`: each row quantised
    /// to 8 bits over its own range (a zero point and a scale a row).
    fn forward(
        &self,
        levels: f32,
        gemms: &Gemms,
        scratch: &mut Scratch,
        x: &[f32],
        rows: usize,
        out: &mut Vec<f32>,
    ) -> Result<(), Error> {
        let (k, n) = (self.inputs, self.outputs);
        let Scratch {
            q,
            zero,
            scale,
            acc,
        } = scratch;
        resize(q, rows * k);
        resize(zero, rows);
        resize(scale, rows);
        math::quantise_rows(x, k, levels, q, zero, scale);
        resize(acc, rows * n);
        // Without zero points: rten-gemm 0.27 applies a row's zero point
        // to the rows 8 and 16 further on as well (the test below caught
        // it); `dequantise_rows` takes them off.
        gemms
            .int8
            .gemm(
                acc,
                GemmInputA::Unpacked(NdTensorView::from_data([rows, k], q.as_slice())),
                GemmInputB::Packed(&self.weights),
                GemmOptions::default(),
            )
            .map_err(model_error)?;
        resize(out, rows * n);
        math::dequantise_rows(acc, zero, scale, &self.sums, &self.scales, &self.bias, out);
        Ok(())
    }
}

/// `v` at length `n`. Its contents are written over before they are read
/// (the products too: they do not add to the output), so only a longer
/// buffer is filled, and only past its old end; what matters is that the
/// memory is not allocated (and faulted in by the kernel), nor zeroed,
/// again for every layer of every call.
fn resize<T: Copy + Default>(v: &mut Vec<T>, n: usize) {
    v.resize(n, T::default());
}

/// The buffers of a linear layer's quantised product.
#[derive(Default)]
struct Scratch {
    q: Vec<u8>,
    zero: Vec<u8>,
    scale: Vec<f32>,
    acc: Vec<i32>,
}

/// What one thread's forward passes reuse: the buffers (a few MiB for a
/// batch of passages, allocated afresh per layer they were a tenth of the
/// time in page faults and zeroing), and a rayon pool of the thread
/// alone. rten-gemm splits a product over rayon's threads; for one
/// passage's small matrices the hand-offs cost more than they gain (on
/// two cores, 78 passages/s against 101 on one), and callers that embed
/// at once (triage's lookups) already keep the cores busy.
struct Workspace {
    pool: Option<rayon::ThreadPool>,
    scratch: Scratch,
    x: Vec<f32>,
    qkv: Vec<f32>,
    context: Vec<f32>,
    y: Vec<f32>,
    up: Vec<f32>,
}

thread_local! {
    static WORKSPACE: std::cell::RefCell<Workspace> = std::cell::RefCell::new(Workspace {
        // Without a pool of its own (it could not be built), the thread
        // uses rayon's global one: slower, not wrong.
        pool: rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
            .ok(),
        scratch: Scratch::default(),
        x: Vec::new(),
        qkv: Vec::new(),
        context: Vec::new(),
        y: Vec::new(),
        up: Vec::new(),
    });
}

impl Bert {
    fn levels_for(int8: &GemmExecutor<u8, i8, i32>) -> f32 {
        if int8.may_saturate() {
            127.0
        } else {
            255.0
        }
    }

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
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
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
        let levels = Bert::levels_for(&int8);
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
        })
    }

    /// The mean-pooled, unit-length embedding of each token sequence
    /// (`(ids, type ids)`), all of whose tokens are real (no padding).
    pub(crate) fn embed(&self, sequences: &[(&[u32], &[u32])]) -> Result<Vec<Vec<f32>>, Error> {
        WORKSPACE.with_borrow_mut(|ws| match ws.pool.take() {
            Some(pool) => {
                let out = pool.install(|| self.embed_in(ws, sequences));
                ws.pool = Some(pool);
                out
            }
            None => self.embed_in(ws, sequences),
        })
    }

    fn embed_in(
        &self,
        ws: &mut Workspace,
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
        let Workspace {
            scratch,
            x,
            qkv,
            context,
            y,
            up,
            ..
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
        Ok(spans
            .iter()
            .map(|&(first, n)| {
                let mut pooled = vec![0f32; h];
                for row in x[first * h..(first + n) * h].chunks_exact(h) {
                    pooled.iter_mut().zip(row).for_each(|(p, v)| *p += v);
                }
                let len = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                pooled.iter_mut().for_each(|p| *p /= len);
                pooled
            })
            .collect())
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

    fn gemms() -> Gemms {
        Gemms {
            int8: GemmExecutor::default(),
            float: GemmExecutor::default(),
        }
    }

    /// Values spread over ±1, reproducible.
    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0) - 1.0)
            .collect()
    }

    #[test]
    fn an_8_bit_linear_layer_is_close_to_the_f32_product() {
        let (inputs, outputs, rows) = (384, 96, 40);
        let w = values(inputs * outputs, 1);
        let bias = values(outputs, 2);
        // Rows of different ranges and centres: a zero point and a scale
        // each.
        let x: Vec<f32> = values(rows * inputs, 3)
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let r = (i / inputs) as f32;
                v * (1.0 + r) + (r - 20.0) * 0.3
            })
            .collect();
        let gemms = gemms();
        let layer = Linear::new(&gemms.int8, &w, bias.clone(), inputs);
        let mut got = Vec::new();
        let levels = Bert::levels_for(&gemms.int8);
        let mut scratch = Scratch::default();
        layer
            .forward(levels, &gemms, &mut scratch, &x, rows, &mut got)
            .unwrap();
        // The error of 8-bit products, as a share of the values: a few
        // percent at most; a wrong zero point or layout is far more.
        let (mut err, mut norm) = (0f32, 0f32);
        for r in 0..rows {
            for j in 0..outputs {
                let want: f32 = (0..inputs)
                    .map(|i| x[r * inputs + i] * w[j * inputs + i])
                    .sum::<f32>()
                    + bias[j];
                err += (got[r * outputs + j] - want).powi(2);
                norm += want * want;
            }
        }
        let share = (err / norm).sqrt();
        assert!(share < 0.02, "off by {share} of the values");
    }

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
