//! A linear layer with 8-bit weights, and what its products need: the
//! weights read from the model file, quantised per output at load, and
//! each call's activations quantised per row (see `bert`).

use crate::{math, Error};
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB, GemmOptions, PackedBMatrix};
use rten_tensor::NdTensorView;
use safetensors::{Dtype, SafeTensors};

/// The products of one call. rten-gemm's executors are not `Sync` (their
/// kernel is a plain trait object), so each call makes its own: a CPU
/// feature check, cached, and one allocation. The packed weights fit every
/// executor of the machine.
pub(crate) struct Gemms {
    pub(crate) int8: GemmExecutor<u8, i8, i32>,
    pub(crate) float: GemmExecutor<f32>,
}

/// The largest quantised activation: 255, or 127 where the CPU's integer
/// products would saturate on 255 × 127 pairs (x86 without VNNI).
pub(crate) fn levels(int8: &GemmExecutor<u8, i8, i32>) -> f32 {
    if int8.may_saturate() {
        127.0
    } else {
        255.0
    }
}

pub(crate) fn model_error(what: impl std::fmt::Display) -> Error {
    Error::Model(what.to_string())
}

/// A tensor of the file, as f32, checked against the shape expected.
pub(crate) fn tensor(
    st: &SafeTensors,
    prefix: &str,
    name: &str,
    shape: &[usize],
) -> Result<Vec<f32>, Error> {
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

/// A linear layer with 8-bit weights: `y = x Wᵀ + b`.
pub(crate) struct Linear {
    /// `Wᵀ` (inputs × outputs), each output's column times its scale.
    weights: PackedBMatrix<i8>,
    scales: Vec<f32>,
    /// Each output's quantised weights summed (for the zero points).
    sums: Vec<i32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl Linear {
    /// From PyTorch's layout (`outputs × inputs`, row by row).
    pub(crate) fn new(
        gemm: &GemmExecutor<u8, i8, i32>,
        w: &[f32],
        bias: Vec<f32>,
        inputs: usize,
    ) -> Self {
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

    pub(crate) fn load(
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
    pub(crate) fn forward(
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
pub(crate) fn resize<T: Copy + Default>(v: &mut Vec<T>, n: usize) {
    v.resize(n, T::default());
}

/// The buffers of a linear layer's quantised product.
#[derive(Default)]
pub(crate) struct Scratch {
    q: Vec<u8>,
    zero: Vec<u8>,
    scale: Vec<f32>,
    acc: Vec<i32>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn gemms() -> Gemms {
        Gemms {
            int8: GemmExecutor::default(),
            float: GemmExecutor::default(),
        }
    }

    /// Values spread over ±1, reproducible.
    pub(crate) fn values(n: usize, seed: usize) -> Vec<f32> {
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
        // This machine's levels, and the 7 bits of CPUs whose products
        // would saturate on 8 (any kernel computes them).
        for levels in [levels(&gemms.int8), 127.0] {
            let mut got = Vec::new();
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
            assert!(
                share < 0.02,
                "{levels} levels: off by {share} of the values"
            );
        }
    }
}
