//! A long rewrite with the real model: the calibration set's 36 sources
//! stored as one document, and their 36 paraphrases, in the same order, as
//! one leaked file of some 180 passages. Calibration files are 3–8
//! passages, embedded whole at once; this one goes through every step of
//! the search of a long file (samples, then passages spread over it, then
//! the whole), and must come out a rewrite. Other texts on each topic,
//! quoting the source word for word (the hard negatives), put together
//! the same way, must not.
//!
//! Needs the model: `RAMPART_MODEL_DIR=$(bash scripts/fetch-model.sh)`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rampart_semantic::{embed_text, Embedder, MAX_STORED_PASSAGES};
use rampart_store::{embedding_bytes, EmbeddedItems, MatchSource};
use rampart_triage::rewrite::{PassageIndex, Semantic, Thresholds, MAX_PASSAGES, VERIFY};
use std::{path::Path, sync::Arc};

/// The texts of a calibration folder, by file name, joined as one text.
fn joined(folder: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../calibration/rewrites")
        .join(folder);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn a_long_paraphrase_is_a_rewrite_and_long_quoting_texts_are_not() {
    let model = std::env::var_os("RAMPART_MODEL_DIR").expect(
        "RAMPART_MODEL_DIR names the model folder: run `scripts/fetch-model.sh` and export what it prints",
    );
    let embedder = Arc::new(Embedder::load(Path::new(&model)).unwrap());
    let source = MatchSource::Version {
        document: "sources".into(),
        version: 1,
    };
    let mut items = EmbeddedItems::default();
    let stored = embed_text(&embedder, &joined("sources")).unwrap();
    assert!(stored.len() > 2 * VERIFY && stored.len() < MAX_STORED_PASSAGES);
    for (_, e) in &stored {
        items.push(source.clone(), &embedding_bytes(e));
    }
    let semantic = Semantic {
        embedder,
        index: PassageIndex::new(items),
        thresholds: Thresholds::default(),
    };

    let found = semantic
        .find(&joined("positives/paraphrase"))
        .unwrap()
        .expect("the paraphrases, joined, rewrite the sources, joined");
    let a = &found.alignment;
    eprintln!(
        "long paraphrase: {} passages, share {:.3}, mean {:.3}",
        found.passages.len(),
        a.share,
        a.similarity
    );
    // (200 passages, share 0.88, mean 0.85 here.)
    let t = Thresholds::default();
    assert!(found.passages.len() > 2 * VERIFY && found.passages.len() <= MAX_PASSAGES);
    assert_eq!(a.source, source);
    assert!(a.is_rewrite(&t));

    let quoting = semantic
        .alignments(&joined("negatives/same-event"))
        .unwrap();
    assert!(quoting
        .iter()
        .flat_map(|q| &q.alignments)
        .all(|a| !a.is_rewrite(&t)));
}
