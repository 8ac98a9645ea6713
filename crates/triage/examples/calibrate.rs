//! Calibration of the rewrite search (`rampart_triage::rewrite`) on the
//! set in `calibration/rewrites` (its README says what each class is and
//! where its texts come from): the sources and the extra documents are
//! embedded as the store would hold them, then every positive and
//! negative is searched as triage searches a file that matched nothing by
//! words. Prints, per class, how many files were linked to the right
//! document, to a wrong one, or to none, and the precision and recall of
//! the `rewritten` verdict.
//!
//!     RAMPART_MODEL_DIR=$(bash scripts/fetch-model.sh) \
//!       cargo run --release -p rampart-triage --example calibrate [-- --verbose]
//!
//! `-- --dump FILE` writes instead, per file, the cosines of its passages
//! with those of its candidates at low floors (JSON lines), to study other
//! thresholds without embedding again.

use rampart_semantic::{embed_text, Embedder};
use rampart_store::{embedding_bytes, EmbeddedItems, MatchSource};
use rampart_triage::rewrite::{sample, PassageIndex, Semantic, Thresholds};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

type Error = Box<dyn std::error::Error>;

/// The classes: folder, whether its files rewrite a source, and a name.
const CLASSES: [(&str, bool, &str); 5] = [
    ("positives/paraphrase", true, "paraphrases"),
    ("positives/summary", true, "summaries (30 %)"),
    (
        "negatives/same-event",
        false,
        "hard: same topic, quoting the source",
    ),
    (
        "negatives/same-topic",
        false,
        "hard: other SQLite texts, same topics",
    ),
    ("negatives/unrelated", false, "unrelated (Python docs)"),
];

fn texts(dir: &Path) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, std::fs::read_to_string(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

fn main() -> Result<(), Error> {
    rampart_semantic::configure_threads(); // as `rampart` does
    let args: Vec<String> = std::env::args().collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let model = std::env::var_os("RAMPART_MODEL_DIR")
        .map(PathBuf::from)
        .ok_or("set RAMPART_MODEL_DIR (bash scripts/fetch-model.sh prints it)")?;
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../calibration/rewrites");
    let embedder = Arc::new(Embedder::load(&model)?);

    let started = Instant::now();
    let mut items = EmbeddedItems::default();
    for folder in ["sources", "index-extra"] {
        for (name, text) in texts(&set.join(folder))? {
            let source = MatchSource::Version {
                document: name,
                version: 1,
            };
            for (_, e) in embed_text(&embedder, &text)? {
                items.push(source.clone(), &embedding_bytes(&e));
            }
        }
    }
    let documents = items.items.len();
    let semantic = Semantic {
        embedder,
        index: PassageIndex::new(items),
        thresholds: Thresholds::default(),
    };
    println!(
        "index: {documents} documents, {} passages, embedded in {:.1} s",
        semantic.index.passages(),
        started.elapsed().as_secs_f64()
    );

    if let Some(dump) = dump {
        return write_dump(&semantic, &set, &dump);
    }
    let started = Instant::now();
    let (mut true_pos, mut false_pos, mut positives) = (0usize, 0usize, 0usize);
    let mut table = Vec::new();
    let mut files = 0usize;
    for (folder, positive, label) in CLASSES {
        let (mut right, mut wrong, mut none) = (0usize, 0usize, 0usize);
        for (name, text) in texts(&set.join(folder))? {
            files += 1;
            let found = semantic.find(&text)?;
            let linked = found.as_ref().map(|f| match &f.alignment.source {
                MatchSource::Version { document, .. } => document.clone(),
                MatchSource::Public(id) => id.to_string(),
            });
            // A positive rewrites the source of its own name.
            let is_right = positive && linked.as_deref() == Some(name.as_str());
            match (&linked, is_right) {
                (None, _) => none += 1,
                (Some(_), true) => right += 1,
                (Some(_), false) => wrong += 1,
            }
            if verbose {
                // Embeds the file again: verbose runs are for reading.
                let best = semantic.alignments(&text)?.and_then(|a| {
                    let n = a.passages.len();
                    a.alignments
                        .into_iter()
                        .max_by(|a, b| a.share.total_cmp(&b.share))
                        .map(|a| (n, a))
                });
                let shown = best.map_or("no candidate".to_owned(), |(n, a)| {
                    format!(
                        "best {:?}: {} of ours for {} passages, share {:.2}, mean {:.3}",
                        a.source, a.distinct, n, a.share, a.similarity
                    )
                });
                println!(
                    "{folder}/{name}: {} ({shown})",
                    linked.as_deref().unwrap_or("-")
                );
            }
        }
        if positive {
            positives += right + wrong + none;
            true_pos += right;
        }
        false_pos += wrong;
        table.push((label, positive, right + wrong + none, right, wrong, none));
    }
    let secs = started.elapsed().as_secs_f64();
    println!();
    println!(
        "| class | files | linked to the right document | linked to a wrong one | not linked |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (label, positive, n, right, wrong, none) in &table {
        let pct = |k: usize| format!("{k} ({:.0} %)", 100.0 * k as f64 / (*n).max(1) as f64);
        println!(
            "| {label} | {n} | {} | {} | {} |",
            if *positive { pct(*right) } else { "—".into() },
            pct(*wrong),
            pct(*none)
        );
    }
    println!();
    println!(
        "rewritten verdict: precision {:.3} ({true_pos} right of {} linked), recall {:.3} ({true_pos} of {positives} positives)",
        true_pos as f64 / (true_pos + false_pos).max(1) as f64,
        true_pos + false_pos,
        true_pos as f64 / positives.max(1) as f64
    );
    println!(
        "searched {files} files in {secs:.1} s ({:.0} ms a file)",
        1000.0 * secs / files.max(1) as f64
    );
    Ok(())
}

/// Every file's passages against its candidates at low floors: the
/// cosines the thresholds are chosen from.
fn write_dump(semantic: &Semantic, set: &Path, out: &Path) -> Result<(), Error> {
    use std::io::Write;
    let low = Thresholds {
        candidate_floor: 0.45,
        ..Thresholds::default()
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for (folder, positive, _) in CLASSES {
        for (name, text) in texts(&set.join(folder))? {
            let all: Vec<Vec<i8>> = embed_text(&semantic.embedder, &text)?
                .into_iter()
                .map(|(_, e)| e)
                .collect();
            let picks: Vec<Vec<i8>> = sample(all.len())
                .into_iter()
                .map(|i| all[i].clone())
                .collect();
            let candidates: Vec<serde_json::Value> = semantic
                .index
                .candidates(&picks, &low, 6)
                .into_iter()
                .map(|item| {
                    let (source, cos) = semantic.index.cosines(item, &all);
                    let doc = match source {
                        MatchSource::Version { document, .. } => document,
                        MatchSource::Public(id) => id.to_string(),
                    };
                    serde_json::json!({ "doc": doc, "cos": cos })
                })
                .collect();
            let line = serde_json::json!({
                "class": folder, "name": name, "positive": positive,
                "passages": all.len(), "candidates": candidates,
            });
            writeln!(file, "{line}")?;
        }
    }
    file.flush()?;
    Ok(())
}
