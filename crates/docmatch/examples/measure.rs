//! Heavy measurements behind the parameters in the crate README (run
//! manually, not part of `cargo test`):
//!
//! ```text
//! cargo run --release -p rampart-docmatch --example measure -- revisions OLD_DIR NEW_DIR
//! cargo run --release -p rampart-docmatch --example measure -- pdf PDF_FILE_OR_DIR...
//! cargo run --release -p rampart-docmatch --example measure -- diff ORIGINAL LEAKED
//! cargo run --release -p rampart-docmatch --example measure -- text FILE
//! ```
//!
//! `revisions` compares two releases of a document tree (Debian's
//! `linux-doc-6.1` and `linux-doc-6.12`, decompressed): unchanged files must
//! classify `genuine`, revised files `altered`, files new in NEW `unknown`,
//! random 25% excerpts of OLD files `excerpt`. `pdf` compares this crate's
//! PDF extraction with poppler's `pdftotext` (word-set agreement, speed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test and example code: a failed assumption fails the run

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rampart_docmatch::minhash::{band_keys, minhash, shingle_hashes};
use rampart_docmatch::{
    classify, extract_as, normalize, words, Fingerprint, Format, Limits, Params, Verdict,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("revisions") if args.len() == 3 => revisions(Path::new(&args[1]), Path::new(&args[2])),
        Some("pdf") if args.len() >= 2 => pdf(&args[1..]),
        Some("stages") if args.len() >= 2 => stages(&args[1..]),
        Some("diff") if args.len() == 3 => diff(Path::new(&args[1]), Path::new(&args[2])),
        Some("text") if args.len() == 2 => {
            let bytes = std::fs::read(&args[1]).unwrap();
            let e = rampart_docmatch::extract_text(&bytes, Some(&args[1]), &Limits::default());
            print!("{}", e.unwrap().text);
        }
        _ => eprintln!(
            "usage: measure revisions OLD NEW | measure pdf FILES_OR_DIRS... | measure stages FILES_OR_DIRS... | measure diff ORIGINAL LEAKED | measure text FILE"
        ),
    }
}

/// Time of each step of [`Fingerprint::new`] (and extraction before it)
/// over the files given, single-threaded, in MB/s of input: where triage
/// The files named by `args`, directories walked.
fn input_files(args: &[String]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for a in args {
        let p = PathBuf::from(a);
        if p.is_dir() {
            walk(&p, &mut files);
        } else {
            files.push(p);
        }
    }
    files
}

/// spends its time per byte.
fn stages(args: &[String]) {
    let mut files = input_files(args);
    files.sort();
    let params = Params::default();
    let limits = Limits::default();
    let names = [
        "read",
        "extract",
        "sha256",
        "normalize",
        "shingles",
        "minhash",
        "fingerprint",
    ];
    let mut secs = [0f64; 7];
    let mut bytes = 0usize;
    for f in &files {
        let t = Instant::now();
        let Ok(data) = std::fs::read(f) else { continue };
        secs[0] += t.elapsed().as_secs_f64();
        bytes += data.len();
        let t = Instant::now();
        let Ok(ex) = rampart_docmatch::extract_text(&data, f.to_str(), &limits) else {
            continue;
        };
        secs[1] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(<sha2::Sha256 as sha2::Digest>::digest(&data));
        secs[2] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let n = normalize(&ex.text);
        secs[3] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let sh = shingle_hashes(&n, params.shingle_words);
        secs[4] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(minhash(&sh, params.num_hashes()));
        secs[5] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(Fingerprint::new(&data, &ex.text, &params));
        secs[6] += t.elapsed().as_secs_f64();
    }
    let mb = bytes as f64 / 1e6;
    println!("{} files, {mb:.1} MB", files.len());
    for (name, s) in names.iter().zip(secs) {
        println!("{name:<12} {s:>8.3} s {:>9.1} MB/s", mb / s.max(1e-9));
    }
}

/// Deterministic splitmix64 generator (no `rand` dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

struct Doc {
    bytes: Vec<u8>,
    text: String,
}

fn load(dir: &Path) -> HashMap<String, Doc> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut out = HashMap::new();
    for p in files {
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let rel = p
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = rampart_docmatch::decode_text(&bytes);
        out.insert(rel, Doc { bytes, text });
    }
    out
}

fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let sa: HashSet<_> = a.iter().collect();
    let inter = b.iter().filter(|x| sa.contains(x)).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

fn quantiles(v: &mut [f64]) -> String {
    if v.is_empty() {
        return "n=0".into();
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
    format!(
        "n={} min={:.3} p5={:.3} p25={:.3} median={:.3} p75={:.3} max={:.3}",
        v.len(),
        q(0.0),
        q(0.05),
        q(0.25),
        q(0.5),
        q(0.75),
        q(1.0)
    )
}

/// A random contiguous 1/div (by words) of a text, as a new text.
fn excerpt(text: &str, div: usize, rng: &mut Rng) -> String {
    let ws: Vec<&str> = text.split_whitespace().collect();
    let len = ws.len() / div;
    let start = rng.below(ws.len() - len + 1);
    ws[start..start + len].join(" ")
}

const MIN_WORDS: usize = 50;

fn revisions(old_dir: &Path, new_dir: &Path) {
    let t0 = Instant::now();
    let old = load(old_dir);
    let new = load(new_dir);
    let wc = |d: &Doc| words(&normalize(&d.text)).count();
    let old: HashMap<_, _> = old
        .into_iter()
        .filter(|(_, d)| wc(d) >= MIN_WORDS)
        .collect();
    let new: HashMap<_, _> = new
        .into_iter()
        .filter(|(_, d)| wc(d) >= MIN_WORDS)
        .collect();
    let mut old_names: Vec<&String> = old.keys().collect();
    old_names.sort();
    println!(
        "loaded {} old, {} new files (>= {MIN_WORDS} words) in {:.1?}",
        old.len(),
        new.len(),
        t0.elapsed()
    );

    // Ground truth.
    let unchanged: Vec<&String> = new
        .keys()
        .filter(|k| old.get(*k).is_some_and(|o| o.bytes == new[*k].bytes))
        .collect();
    let changed: Vec<&String> = new
        .keys()
        .filter(|k| old.get(*k).is_some_and(|o| o.bytes != new[*k].bytes))
        .collect();
    let base_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_owned();
    let old_bases: HashMap<String, usize> = old.keys().fold(HashMap::new(), |mut m, k| {
        *m.entry(base_name(k)).or_default() += 1;
        m
    });
    // Files new in NEW whose file name exists exactly once in OLD were moved
    // (6.12 moved arch docs under arch/): expected genuine or altered.
    let moved: Vec<(&String, &String)> = new
        .keys()
        .filter(|k| !old.contains_key(*k) && old_bases.get(&base_name(k)) == Some(&1))
        .filter_map(|k| {
            old.keys()
                .find(|o| base_name(o) == base_name(k))
                .map(|o| (k, o))
        })
        .collect();
    let added: Vec<&String> = new
        .keys()
        .filter(|k| !old.contains_key(*k) && !old_bases.contains_key(&base_name(k)))
        .collect();
    println!(
        "ground truth: {} unchanged, {} revised, {} moved (same file name, new dir), {} new (file name not in OLD)",
        unchanged.len(), changed.len(), moved.len(), added.len()
    );
    let mut rng = Rng(42);
    let excerpts: Vec<(&String, String)> = old_names
        .iter()
        .filter(|n| wc(&old[**n]) >= 400)
        .map(|n| (*n, excerpt(&old[*n].text, 4, &mut rng)))
        .collect();
    let small_excerpts: Vec<(&String, String)> = old_names
        .iter()
        .filter(|n| wc(&old[**n]) >= 2000)
        .map(|n| (*n, excerpt(&old[*n].text, 20, &mut rng)))
        .collect();
    println!(
        "small excerpts: {} (random 5% word ranges of old files with >= 2000 words)",
        small_excerpts.len()
    );
    println!(
        "excerpts: {} (random 25% word ranges of old files with >= 400 words)",
        excerpts.len()
    );

    // 1. Shingle size: exact Jaccard of revised pairs vs best unrelated match.
    println!("\n## shingle size k: exact Jaccard of revised pairs / of the most similar *other* old file");
    for k in [3usize, 4, 5, 7, 9] {
        let sh = |d: &Doc| shingle_hashes(&normalize(&d.text), k);
        let old_sh: HashMap<&String, Vec<u64>> = old.iter().map(|(n, d)| (n, sh(d))).collect();
        let mut rev: Vec<f64> = changed
            .iter()
            .map(|n| exact_jaccard(&sh(&new[*n]), &old_sh[n]))
            .collect();
        // Best other-path old file, found through a permissive LSH (b=64, r=2).
        let mut index: HashMap<(u16, u64), Vec<&String>> = HashMap::new();
        for (n, s) in &old_sh {
            for key in band_keys(&minhash(s, 128), 64, 2) {
                index.entry(key).or_default().push(n);
            }
        }
        let mut unrel = Vec::new();
        for n in changed.iter().chain(unchanged.iter()).chain(added.iter()) {
            let s = sh(&new[*n]);
            let mut cands: HashSet<&String> = HashSet::new();
            for key in band_keys(&minhash(&s, 128), 64, 2) {
                if let Some(v) = index.get(&key) {
                    cands.extend(v.iter().copied());
                }
            }
            let best = cands
                .iter()
                .filter(|c| **c != *n && old[**c].bytes != new[*n].bytes)
                .map(|c| exact_jaccard(&s, &old_sh[c]))
                .fold(0.0, f64::max);
            unrel.push(best);
        }
        let sep = |t: f64| {
            let r = rev.iter().filter(|&&j| j >= t).count() as f64 / rev.len() as f64;
            let f = unrel.iter().filter(|&&j| j >= t).count() as f64 / unrel.len() as f64;
            format!(
                "t={t}: revised>=t {:.1}%, other>=t {:.1}%",
                100.0 * r,
                100.0 * f
            )
        };
        let seps = format!("{} | {} | {} | {}", sep(0.2), sep(0.3), sep(0.4), sep(0.5));
        println!("k={k} revised: {}", quantiles(&mut rev));
        println!("k={k} best other: {}", quantiles(&mut unrel));
        println!("k={k} {seps}");
    }

    // 2. Banding: candidate recall and cost for the default k.
    let base = Params::default();
    let k = base.shingle_words;
    println!("\n## LSH banding (k={k}): P(candidate) for revised pairs and excerpts, avg candidates per query");
    let old_sh: HashMap<&String, Vec<u64>> = old
        .iter()
        .map(|(n, d)| (n, shingle_hashes(&normalize(&d.text), k)))
        .collect();
    let rev_sh: Vec<(&String, Vec<u64>)> = changed
        .iter()
        .map(|n| (*n, shingle_hashes(&normalize(&new[*n].text), k)))
        .collect();
    let exc_sh: Vec<(&String, Vec<u64>)> = excerpts
        .iter()
        .map(|(n, t)| (*n, shingle_hashes(&normalize(t), k)))
        .collect();
    let added_sh: Vec<Vec<u64>> = added
        .iter()
        .map(|n| shingle_hashes(&normalize(&new[*n].text), k))
        .collect();
    for (b, r) in [(16usize, 8usize), (32, 4), (64, 2), (42, 3), (128, 1)] {
        let n = b * r;
        let old_keys: HashMap<&String, HashSet<(u16, u64)>> = old_sh
            .iter()
            .map(|(name, s)| (*name, band_keys(&minhash(s, n), b, r).into_iter().collect()))
            .collect();
        let mut index: HashMap<(u16, u64), usize> = HashMap::new();
        for keys in old_keys.values() {
            for key in keys {
                *index.entry(*key).or_default() += 1;
            }
        }
        let hit = |name: &String, s: &[u64]| {
            band_keys(&minhash(s, n), b, r)
                .iter()
                .any(|k| old_keys[name].contains(k))
        };
        let rec_rev =
            rev_sh.iter().filter(|(nm, s)| hit(nm, s)).count() as f64 / rev_sh.len() as f64;
        let rec_exc =
            exc_sh.iter().filter(|(nm, s)| hit(nm, s)).count() as f64 / exc_sh.len() as f64;
        // Upper bound on candidates per query: sum of bucket sizes hit.
        let cost: usize = added_sh
            .iter()
            .map(|s| {
                band_keys(&minhash(s, n), b, r)
                    .iter()
                    .map(|k| index.get(k).copied().unwrap_or(0))
                    .sum::<usize>()
            })
            .sum();
        println!(
            "b={b:3} r={r}: threshold~{:.2} revised recall {:.1}% excerpt recall {:.1}% bucket hits/new-file {:.1}",
            (1.0 / b as f64).powf(1.0 / r as f64),
            100.0 * rec_rev,
            100.0 * rec_exc,
            cost as f64 / added_sh.len().max(1) as f64
        );
    }

    // 3. The full pipeline with the default parameters.
    let sets = Sets {
        unchanged: &unchanged,
        changed: &changed,
        moved: &moved,
        added: &added,
        excerpts: &excerpts,
        small_excerpts: &small_excerpts,
    };
    pipeline(&old, &new, &sets, &base, true);
    pipeline(&old, &new, &sets, &base, false);
    for t in [0.2, 0.4] {
        let p = Params {
            altered_min_jaccard: t,
            ..base.clone()
        };
        pipeline(&old, &new, &sets, &p, true);
    }
    println!("\ntotal {:.1?}", t0.elapsed());
}

struct Sets<'a> {
    unchanged: &'a [&'a String],
    changed: &'a [&'a String],
    moved: &'a [(&'a String, &'a String)],
    added: &'a [&'a String],
    excerpts: &'a [(&'a String, String)],
    small_excerpts: &'a [(&'a String, String)],
}

/// Index OLD, then triage NEW and the excerpts. Candidates come from LSH
/// bands and, with `use_anchors`, from shared anchors (anchors found in more
/// than 50 OLD files are ignored as boilerplate).
fn pipeline(
    old: &HashMap<String, Doc>,
    new: &HashMap<String, Doc>,
    sets: &Sets<'_>,
    p: &Params,
    use_anchors: bool,
) {
    println!(
        "\n## pipeline (candidates: bands{}) with {p:?}",
        if use_anchors { " + anchors" } else { " only" }
    );
    let t = Instant::now();
    let mut bytes_in = 0usize;
    let fps: HashMap<&String, Fingerprint> = old
        .iter()
        .map(|(n, d)| {
            bytes_in += d.bytes.len();
            (n, Fingerprint::new(&d.bytes, &d.text, p))
        })
        .collect();
    let idx_time = t.elapsed();
    let mut index: HashMap<(u16, u64), Vec<&String>> = HashMap::new();
    let mut anchor_index: HashMap<u32, Vec<&String>> = HashMap::new();
    let mut sizes: Vec<f64> = Vec::new();
    let mut n_anchors = 0usize;
    for (n, fp) in &fps {
        sizes.push(fp.to_bytes().len() as f64);
        for k in fp.band_keys(p) {
            index.entry(k).or_default().push(n);
        }
        for a in fp.anchors(p) {
            n_anchors += 1;
            anchor_index.entry(a).or_default().push(n);
        }
    }
    println!(
        "index rows: {} band keys, {} anchors",
        fps.len() * p.bands,
        n_anchors
    );
    println!(
        "fingerprinted {} files, {:.1} MB in {:.2?} ({:.1} MB/s); encoded size bytes: {}",
        fps.len(),
        bytes_in as f64 / 1e6,
        idx_time,
        bytes_in as f64 / 1e6 / idx_time.as_secs_f64(),
        quantiles(&mut sizes)
    );
    let mut n_cands = 0usize;
    let mut queries = 0usize;
    let mut query = |bytes: &[u8], text: &str| -> (Verdict, Option<&String>) {
        let fp = Fingerprint::new(bytes, text, p);
        let mut cands: HashSet<&String> = HashSet::new();
        for k in fp.band_keys(p) {
            if let Some(v) = index.get(&k) {
                cands.extend(v.iter().copied());
            }
        }
        if use_anchors {
            for a in fp.anchors(p) {
                if let Some(v) = anchor_index.get(&a).filter(|v| v.len() <= 50) {
                    cands.extend(v.iter().copied());
                }
            }
        }
        n_cands += cands.len();
        queries += 1;
        let mut best: Option<(Verdict, f64, &String)> = None;
        for c in cands {
            let m = classify(&fp, &fps[c], p);
            let key = (m.verdict.strength(), m.similarity);
            if best.is_none_or(|(v, s, _)| key > (v.strength(), s)) {
                best = Some((m.verdict, m.similarity, c));
            }
        }
        match best {
            Some((v, _, c)) if v != Verdict::NoMatch => (v, Some(c)),
            _ => (Verdict::NoMatch, None),
        }
    };
    let mut report = |label: &str, expect: Verdict, items: Vec<(Option<&String>, &[u8], &str)>| {
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        let mut right = 0;
        let mut shown = 0;
        println!("  {label}:");
        let total = items.len();
        for (source, bytes, text) in items {
            let (v, c) = query(bytes, text);
            if v != expect && shown < 6 && std::env::var_os("SHOW").is_some() {
                shown += 1;
                println!("    e.g. {:?} got {} via {:?}", source, v.as_str(), c);
            }
            *counts.entry(v.as_str()).or_default() += 1;
            if v == expect && (expect == Verdict::NoMatch || c == source) {
                right += 1;
            }
        }
        let mut cs: Vec<_> = counts.into_iter().collect();
        cs.sort();
        println!(
            "{label:>10} -> expected {:8} {right:5}/{total:5} = {:5.1}%   got {cs:?}",
            expect.as_str(),
            100.0 * right as f64 / total.max(1) as f64
        );
    };
    let t = Instant::now();
    let Sets {
        unchanged,
        changed,
        moved,
        added,
        excerpts,
        small_excerpts,
    } = sets;
    report(
        "unchanged",
        Verdict::Genuine,
        unchanged
            .iter()
            .map(|n| (Some(*n), new[*n].bytes.as_slice(), new[*n].text.as_str()))
            .collect(),
    );
    report(
        "revised",
        Verdict::Altered,
        changed
            .iter()
            .map(|n| (Some(*n), new[*n].bytes.as_slice(), new[*n].text.as_str()))
            .collect(),
    );
    report(
        "new",
        Verdict::NoMatch,
        added
            .iter()
            .map(|n| (Some(*n), new[*n].bytes.as_slice(), new[*n].text.as_str()))
            .collect(),
    );
    report(
        "excerpt",
        Verdict::Excerpt,
        excerpts
            .iter()
            .map(|(n, t)| (Some(*n), t.as_bytes(), t.as_str()))
            .collect(),
    );
    report(
        "5% excerpt",
        Verdict::Excerpt,
        small_excerpts
            .iter()
            .map(|(n, t)| (Some(*n), t.as_bytes(), t.as_str()))
            .collect(),
    );
    // Moved files: right if genuine or altered via the old file of that name.
    let mut ok = 0;
    let mut counts: HashMap<&'static str, usize> = HashMap::new();
    for (n, o) in moved.iter() {
        let (v, c) = query(&new[*n].bytes, &new[*n].text);
        *counts.entry(v.as_str()).or_default() += 1;
        if matches!(v, Verdict::Genuine | Verdict::Altered) && c == Some(*o) {
            ok += 1;
        }
    }
    let mut cs: Vec<_> = counts.into_iter().collect();
    cs.sort();
    println!(
        "     moved -> expected genuine|altered via old name {ok:5}/{:5} = {:5.1}%   got {cs:?}",
        moved.len(),
        100.0 * ok as f64 / moved.len().max(1) as f64
    );
    println!(
        "queries {queries} in {:.2?}, avg candidates/query {:.1}",
        t.elapsed(),
        n_cands as f64 / queries.max(1) as f64
    );
}

fn pdf(args: &[String]) {
    let mut files = input_files(args);
    files.retain(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")));
    files.sort();
    let limits = Limits::default();
    let (mut ours_t, mut pop_t, mut mb) = (0.0f64, 0.0f64, 0.0f64);
    let (mut fail_ours, mut fail_pop) = (Vec::new(), 0usize);
    let mut agree: Vec<f64> = Vec::new();
    let mut cov: Vec<f64> = Vec::new();
    let mut shingle_agree: Vec<f64> = Vec::new();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let t = Instant::now();
        let ours = extract_as(Format::Pdf, &bytes, &limits);
        let dt_ours = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let pop = Command::new("pdftotext").arg("-q").arg(f).arg("-").output();
        let dt_pop = t.elapsed().as_secs_f64();
        let pop = match pop {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            _ => {
                fail_pop += 1;
                continue;
            }
        };
        mb += bytes.len() as f64 / 1e6;
        ours_t += dt_ours;
        pop_t += dt_pop;
        let ours = match ours {
            Ok(t) => t,
            Err(e) => {
                fail_ours.push(format!("{}: {e}", f.display()));
                agree.push(0.0);
                cov.push(0.0);
                shingle_agree.push(0.0);
                continue;
            }
        };
        let (no, np) = (normalize(&ours), normalize(&pop));
        let wo: HashSet<&str> = words(&no).collect();
        let wp: HashSet<&str> = words(&np).collect();
        let inter = wo.intersection(&wp).count() as f64;
        let union = wo.union(&wp).count() as f64;
        agree.push(if union == 0.0 { 1.0 } else { inter / union });
        cov.push(if wp.is_empty() {
            1.0
        } else {
            inter / wp.len() as f64
        });
        let k = Params::default().shingle_words;
        shingle_agree.push(exact_jaccard(
            &shingle_hashes(&no, k),
            &shingle_hashes(&np, k),
        ));
    }
    println!("{} PDFs, {:.1} MB", files.len(), mb);
    println!(
        "pdf-extract: {:.2} s total, {:.3} s/MB, {} errors",
        ours_t,
        ours_t / mb,
        fail_ours.len()
    );
    println!(
        "pdftotext:   {:.2} s total, {:.3} s/MB, {} errors",
        pop_t,
        pop_t / mb,
        fail_pop
    );
    println!("word-set Jaccard vs pdftotext: {}", quantiles(&mut agree));
    println!(
        "pdftotext words found by pdf-extract: {}",
        quantiles(&mut cov)
    );
    println!(
        "5-word-shingle Jaccard vs pdftotext: {}",
        quantiles(&mut shingle_agree)
    );
    for e in fail_ours {
        println!("  error: {e}");
    }
}

/// The word-by-word comparison triage makes of a near-whole match
/// ([`rampart_docmatch::compare`]), with every figure behind its verdict:
/// why a leaked file is `altered` rather than `genuine`.
fn diff(original: &Path, leaked: &Path) {
    let limits = Limits::default();
    let text = |p: &Path| {
        let bytes = std::fs::read(p).unwrap();
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        normalize(
            &rampart_docmatch::extract_text(&bytes, name.as_deref(), &limits)
                .unwrap()
                .text,
        )
    };
    let (ours, theirs) = (text(original), text(leaked));
    let t = Instant::now();
    let d = rampart_docmatch::compare(&ours, &theirs, std::time::Duration::from_secs(600));
    println!("compared in {:.2?}; genuine: {}", t.elapsed(), d.genuine());
    println!("{d:#?}");
}
