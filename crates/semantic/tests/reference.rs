//! The 8-bit forward pass (`Embedder`) against candle's f32 BERT on the same
//! weights, tokenizer and pooling, over passages of real prose (the
//! licence texts every Debian machine has). Needs the model
//! (`RAMPART_MODEL_DIR`, as `tests/model.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use candle_core::{DType, Device, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config, DTYPE};
use rampart_semantic::{cosine, passages, Embedder};
use std::path::PathBuf;
use tokenizers::Tokenizer;

/// candle's BERT, mean-pooled and unit length, one text at a time.
fn reference(dir: &std::path::Path, texts: &[&str]) -> Vec<Vec<f32>> {
    let device = Device::Cpu;
    let config: Config =
        serde_json::from_slice(&std::fs::read(dir.join("config.json")).unwrap()).unwrap();
    let weights = std::fs::read(dir.join("model.safetensors")).unwrap();
    let vb = VarBuilder::from_buffered_safetensors(weights, DTYPE, &device).unwrap();
    let model = BertModel::load(vb, &config).unwrap();
    let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(tokenizers::TruncationParams {
            max_length: rampart_semantic::MAX_TOKENS,
            ..Default::default()
        }))
        .unwrap();
    texts
        .iter()
        .map(|text| {
            let e = tokenizer.encode(*text, true).unwrap();
            let ids = Tensor::new(e.get_ids(), &device)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            let types = Tensor::new(e.get_type_ids(), &device)
                .unwrap()
                .unsqueeze(0)
                .unwrap();
            let hidden = model.forward(&ids, &types, None).unwrap();
            let pooled = hidden.mean(1).unwrap();
            let norm = pooled
                .sqr()
                .unwrap()
                .sum_keepdim(D::Minus1)
                .unwrap()
                .sqrt()
                .unwrap();
            let unit = pooled
                .broadcast_div(&norm)
                .unwrap()
                .to_dtype(DType::F32)
                .unwrap();
            unit.squeeze(0).unwrap().to_vec1::<f32>().unwrap()
        })
        .collect()
}

#[test]
fn the_8_bit_model_embeds_as_the_f32_model_does() {
    let dir = std::env::var_os("RAMPART_MODEL_DIR").map(PathBuf::from).expect(
        "RAMPART_MODEL_DIR names the model folder: run `scripts/fetch-model.sh` and export what it prints",
    );
    let mut text = String::new();
    for name in ["GPL-3", "Apache-2.0"] {
        text.push_str(
            &std::fs::read_to_string(format!("/usr/share/common-licenses/{name}")).unwrap(),
        );
        text.push_str("\n\n");
    }
    let all = passages(&text);
    let texts: Vec<&str> = all.iter().take(48).map(|p| p.text.as_str()).collect();
    assert_eq!(texts.len(), 48);
    let want = reference(&dir, &texts);
    let embedder = Embedder::load(&dir).unwrap();
    // Batched as the matcher batches them: 8 texts' tokens in one matrix.
    let got: Vec<Vec<f32>> = texts
        .chunks(rampart_semantic::BATCH)
        .flat_map(|chunk| embedder.embed(chunk).unwrap())
        .collect();
    // Each embedding close to the f32 model's …
    let agreement: Vec<f32> = got.iter().zip(&want).map(|(g, w)| cosine(g, w)).collect();
    let worst = agreement.iter().fold(1f32, |m, c| m.min(*c));
    let mean = agreement.iter().sum::<f32>() / agreement.len() as f32;
    println!("agreement with f32: mean cosine {mean:.4}, worst {worst:.4}");
    // Measured: worst 0.9985 with VNNI, 0.9964 without.
    assert!(worst > 0.995, "worst {worst}");
    // … and every similarity between two passages, what the matcher's
    // thresholds are drawn on, within a few hundredths.
    let mut off = 0f32;
    for i in 0..texts.len() {
        for j in i + 1..texts.len() {
            off = off.max((cosine(&got[i], &got[j]) - cosine(&want[i], &want[j])).abs());
        }
    }
    println!("largest change of a similarity: {off:.4}");
    // Measured: 0.016 with VNNI (8-bit activations), 0.033 with the 7 bits
    // of CPUs without it (the calibration table is the same with both).
    assert!(off < 0.04, "a similarity moved by {off}");
}
