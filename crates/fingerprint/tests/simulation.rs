//! Collusion simulations on real English text: 1000 innocent accounts, c = 1,
//! 2, 3 colluders mixing their copies, a single ~3000-word document and a dump
//! of shorter files whose scores add up, and a robustness matrix over leak
//! transformations. Run with `--nocapture` to see the figures.
//!
//! Scoring 1000 innocents costs ~0.3 s per decode in a debug build, so each
//! cell scores the innocents in its first `WITH_INNOCENTS` trials and only the
//! colluders in the others. The threshold does not depend on the candidate
//! list, so the detection figure is computed identically in every trial.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

mod common;

use common::*;
use rampart_fingerprint::{AccountId, Fingerprinter, Format, Observations, VersionId};
use std::time::Instant;

const INNOCENTS: usize = 1000;
/// Trials per cell.
const TRIALS: usize = 20;
/// Trials per cell in which the 1000 innocents are scored too.
const WITH_INNOCENTS: usize = 3;
/// The same for the (larger) robustness matrix.
const MATRIX_WITH_INNOCENTS: usize = 1;

#[derive(Default)]
struct Cell {
    trials: usize,
    detected: usize,
    innocents_accused: usize,
    positions: usize,
    /// Smallest (best colluder score / threshold) over the trials.
    margin: f64,
}

impl Cell {
    fn rate(&self) -> f64 {
        self.detected as f64 / self.trials.max(1) as f64
    }
    fn show(&self) -> String {
        format!(
            "{:>5.1}% {:>2}/{:<2} m={:<5} min={:.1}x fp={}",
            100.0 * self.rate(),
            self.detected,
            self.trials,
            self.positions / self.trials.max(1),
            self.margin,
            self.innocents_accused
        )
    }
}

fn colluders(trial: usize, c: usize) -> Vec<AccountId> {
    (0..c)
        .map(|k| AccountId((trial * 10 + k + 1) as i64))
        .collect()
}

/// Scores colluders and innocents; records the trial in `cell`.
fn judge(
    fp: &Fingerprinter,
    obs: &Observations,
    guilty: &[AccountId],
    innocents: &[AccountId],
    cell: &mut Cell,
) {
    let mut cands = guilty.to_vec();
    cands.extend_from_slice(innocents);
    let acc = fp.accuse(obs, &cands);
    if cell.trials == 0 {
        cell.margin = f64::INFINITY;
    }
    cell.trials += 1;
    let best = acc
        .scores
        .iter()
        .filter(|s| guilty.contains(&s.account))
        .map(|s| s.score)
        .fold(f64::NEG_INFINITY, f64::max);
    cell.margin = cell.margin.min(best / acc.threshold);
    cell.positions += acc.positions;
    let (caught, innocents) = outcome(&acc, guilty);
    cell.detected += usize::from(caught);
    cell.innocents_accused += innocents;
}

fn copies(
    fp: &Fingerprinter,
    format: Format,
    text: &str,
    v: VersionId,
    who: &[AccountId],
) -> Vec<String> {
    who.iter()
        .map(|a| {
            let e = fp.embed(format, text.as_bytes(), &mark(a.0, v, 0)).unwrap();
            String::from_utf8(e.bytes).unwrap()
        })
        .collect()
}

#[test]
fn collusion_on_one_document() {
    let t0 = Instant::now();
    let fp = fingerprinter();
    let doc = document();
    let inn = innocents(INNOCENTS);
    let v = version(10);
    let mut rng = Rng(0x5EED_0001);
    let trials = TRIALS;
    println!(
        "\none document ({} words), {INNOCENTS} innocents, {trials} trials per cell",
        doc.split_whitespace().count()
    );
    let mut total_fp = 0;
    for c in 1..=3 {
        for attack in ATTACKS {
            if c == 1 && attack != Attack::Interleave {
                continue;
            }
            let mut cell = Cell::default();
            for trial in 0..trials {
                let guilty = colluders(trial + 100 * c, c);
                let pirate = collude(
                    &copies(&fp, Format::PlainText, &doc, v, &guilty),
                    attack,
                    &mut rng,
                );
                let inn = if trial < WITH_INNOCENTS {
                    &inn[..]
                } else {
                    &[]
                };
                judge(&fp, &fp.extract(&pirate, &[v]), &guilty, inn, &mut cell);
            }
            println!("  c={c} {:<10} {}", format!("{attack:?}"), cell.show());
            assert!(cell.rate() >= 0.95, "c={c} {attack:?}: {}", cell.show());
            total_fp += cell.innocents_accused;
        }
    }
    assert_eq!(total_fp, 0, "innocents accused");
    println!("  ({:.1}s)", t0.elapsed().as_secs_f64());
}

#[test]
fn collusion_on_a_dump_of_short_files() {
    let t0 = Instant::now();
    let fp = fingerprinter();
    let files = files(8);
    let inn = innocents(INNOCENTS);
    let versions: Vec<VersionId> = (0..files.len()).map(|i| version(20 + i as u8)).collect();
    let mut rng = Rng(0x5EED_0002);
    let trials = TRIALS;
    println!(
        "\ndump of {} files ({} words each on average), {INNOCENTS} innocents, {trials} trials per cell",
        files.len(),
        files.iter().map(|f| f.split_whitespace().count()).sum::<usize>() / files.len()
    );
    let mut total_fp = 0;
    for c in 1..=3 {
        for attack in ATTACKS {
            if c == 1 && attack != Attack::Interleave {
                continue;
            }
            let mut dump = Cell::default();
            let mut single = Cell::default();
            for trial in 0..trials {
                let guilty = colluders(trial + 1000 * c, c);
                let mut all = Observations::new();
                for (f, v) in files.iter().zip(&versions) {
                    let pirate = collude(
                        &copies(&fp, Format::PlainText, f, *v, &guilty),
                        attack,
                        &mut rng,
                    );
                    let obs = fp.extract(&pirate, &[*v]);
                    // One file alone, scored against the colluders only.
                    judge(&fp, &obs, &guilty, &[], &mut single);
                    all.extend(obs);
                }
                let inn = if trial < WITH_INNOCENTS {
                    &inn[..]
                } else {
                    &[]
                };
                judge(&fp, &all, &guilty, inn, &mut dump);
            }
            println!(
                "  c={c} {:<10} dump {}   single file {:>5.1}%",
                format!("{attack:?}"),
                dump.show(),
                100.0 * single.rate()
            );
            assert!(dump.rate() >= 0.95, "c={c} {attack:?}: {}", dump.show());
            assert!(dump.rate() >= single.rate());
            total_fp += dump.innocents_accused;
        }
    }
    assert_eq!(total_fp, 0, "innocents accused");
    println!("  ({:.1}s)", t0.elapsed().as_secs_f64());
}

#[test]
fn robustness_matrix() {
    let t0 = Instant::now();
    let fp = fingerprinter();
    let doc = document();
    let html = to_html(&doc);
    let inn = innocents(INNOCENTS);
    let v = version(40);
    let mut rng = Rng(0x5EED_0003);
    let trials = TRIALS;
    let mut rows: Vec<(String, [Cell; 3])> = LEAKS
        .iter()
        .map(|l| (format!("{l:?}"), Default::default()))
        .collect();
    rows.push(("HtmlStripTags".into(), Default::default()));
    rows.push(("HtmlNfkcExcerpt".into(), Default::default()));
    for c in 1..=3usize {
        for trial in 0..trials {
            let guilty = colluders(trial + 10_000 * c, c);
            let attack = if trial % 2 == 0 {
                Attack::Random
            } else {
                Attack::Majority
            };
            let pirate = collude(
                &copies(&fp, Format::PlainText, &doc, v, &guilty),
                attack,
                &mut rng,
            );
            let pirate_html = collude(
                &copies(&fp, Format::Html, &html, v, &guilty),
                attack,
                &mut rng,
            );
            let inn = if trial < MATRIX_WITH_INNOCENTS {
                &inn[..]
            } else {
                &[]
            };
            for (i, l) in LEAKS.iter().enumerate() {
                let leaked = leak(&pirate, *l, &mut rng);
                judge(
                    &fp,
                    &fp.extract(&leaked, &[v]),
                    &guilty,
                    inn,
                    &mut rows[i].1[c - 1],
                );
            }
            let n = LEAKS.len();
            let text = html_to_text(&pirate_html);
            judge(
                &fp,
                &fp.extract(&text, &[v]),
                &guilty,
                inn,
                &mut rows[n].1[c - 1],
            );
            let worst = leak(
                &leak(&text, Leak::Nfkc, &mut rng),
                Leak::Excerpt25,
                &mut rng,
            );
            judge(
                &fp,
                &fp.extract(&worst, &[v]),
                &guilty,
                inn,
                &mut rows[n + 1].1[c - 1],
            );
        }
    }
    println!("\nrobustness matrix: one document, colluders mix (majority / random per unit), then the leak path");
    println!("  share of trials with a colluder accused, trials, mean positions read, innocents accused ({INNOCENTS} innocents in {MATRIX_WITH_INNOCENTS} trials per cell)");
    println!(
        "  {:<18} {:<38} {:<38} {:<38}",
        "leak path", "c=1", "c=2", "c=3"
    );
    for (name, cells) in &rows {
        println!(
            "  {:<18} {:<38} {:<38} {:<38}",
            name,
            cells[0].show(),
            cells[1].show(),
            cells[2].show()
        );
    }
    println!("  ({:.1}s)", t0.elapsed().as_secs_f64());
    for (name, cells) in &rows {
        for (k, cell) in cells.iter().enumerate() {
            assert_eq!(cell.innocents_accused, 0, "{name} c={}", k + 1);
            if name != "HtmlNfkcExcerpt" {
                assert!(cell.rate() >= 0.95, "{name} c={}: {}", k + 1, cell.show());
            }
        }
    }
}
