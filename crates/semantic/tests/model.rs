//! The model itself, loaded from the folder `scripts/fetch-model.sh`
//! fills (`RAMPART_MODEL_DIR`, which `scripts/test` sets). These tests
//! fail rather than skip without it: a matcher that was never run is not
//! tested.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_semantic::{cosine, cosine_quantised, passages, quantise, Embedder, DIM};
use std::path::PathBuf;
use std::sync::OnceLock;

fn model() -> &'static Embedder {
    static MODEL: OnceLock<Embedder> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::env::var_os("RAMPART_MODEL_DIR").map(PathBuf::from).expect(
            "RAMPART_MODEL_DIR names the model folder: run `scripts/fetch-model.sh` and export what it prints",
        );
        Embedder::load(&dir).unwrap()
    })
}

#[test]
fn embeddings_match_the_published_reference_values() {
    // The sentence-transformers quickstart for all-MiniLM-L6-v2 publishes
    // these three similarities (0.6660, 0.1046, 0.1411): the same model,
    // tokenizer and pooling give the same numbers, to the 8-bit products'
    // error (the f32 forward pass gave them to 0.002; `tests/reference.rs`
    // measures the difference on more text).
    let e = model()
        .embed(&[
            "The weather is lovely today.",
            "It's so sunny outside!",
            "He drove to the stadium.",
        ])
        .unwrap();
    assert_eq!(e[0].len(), DIM);
    let close = |x: f32, want: f32| {
        println!("{x:.4} (published {want})");
        assert!((x - want).abs() < 0.015, "{x} is not {want}")
    };
    close(cosine(&e[0], &e[1]), 0.6660);
    close(cosine(&e[0], &e[2]), 0.1046);
    close(cosine(&e[1], &e[2]), 0.1411);
    assert!((cosine(&e[0], &e[0]) - 1.0).abs() < 1e-5);
}

#[test]
fn a_paraphrase_is_near_and_another_topic_far_even_in_a_padded_batch() {
    let original = "The convoy left the depot at dawn and reached the border crossing \
                    before noon, where fuel and spare parts were handed over to the partner units.";
    let paraphrase = "Setting out from the depot at first light, the column of vehicles got to \
                      the frontier crossing by midday and delivered fuel and spares to the allied units.";
    let other = "The committee approved the budget for the new training centre and asked for \
                 a report on staffing by the end of the year.";
    let e = model()
        .embed(&[original, paraphrase, other, "short"])
        .unwrap();
    let near = cosine(&e[0], &e[1]);
    let far = cosine(&e[0], &e[2]);
    assert!(near > 0.6, "paraphrase {near}");
    assert!(far < 0.3, "other topic {far}");
    // Padding to the batch's longest text changes nothing.
    let alone = model().embed(&[other]).unwrap();
    assert!((cosine(&alone[0], &e[2]) - 1.0).abs() < 1e-4);
    // Quantised, the order and the values hold.
    let q: Vec<Vec<i8>> = e.iter().map(|v| quantise(v)).collect();
    assert!((cosine_quantised(&q[0], &q[1]) - near).abs() < 0.01);
    assert!((cosine_quantised(&q[0], &q[2]) - far).abs() < 0.01);
}

#[test]
fn passages_of_a_long_text_embed_within_the_token_limit() {
    // A report of a few hundred words, as sentences of varied length.
    let text: String = (1..=40)
        .map(|i| {
            format!(
                "Exercise day {i} tested the movement of fuel, spare parts and medical supplies \
                 across {} border crossings. The lessons recorded on day {i} concern timing, \
                 radio discipline and the hand-over of loads between partner units.\n\n",
                i % 7 + 1
            )
        })
        .collect();
    let parts = passages(&text);
    assert!(parts.len() > 20, "{}", parts.len());
    let refs: Vec<&str> = parts.iter().take(8).map(|p| p.text.as_str()).collect();
    let e = model().embed(&refs).unwrap();
    assert_eq!(e.len(), 8);
    for v in &e {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4);
    }
}
