//! Word-by-word comparison of a leaked text with the version it matched:
//! what was added and what removed, once what text extraction changes is
//! set aside.
//!
//! Shingle fingerprints tell how much two texts share, not why they differ:
//! another extractor (`pdftotext`, a re-save by Ghostscript, a paste into a
//! word processor) changes a whole document's shingles in a way a short
//! fabricated passage does not, and a fabrication in a long document moves
//! the similarity less than extraction does. So a near-whole match is
//! compared word by word ([`compare`]): a diff of the two word sequences
//! (words cut where letters meet digits), where what extraction does is
//! set aside —
//!
//! * **splits and joins**: words cut or run together (`manip ulation` for
//!   `manipulation`, `asn1parserreads`, a hyphenated line end, an accent
//!   read as a glyph of its own: `gwenol e` for `gwenolé`), found where the
//!   letters on both sides of a difference are the same, accents aside, or
//!   far apart (a word hyphenated at a column's foot), with overprinted
//!   bold (`saammppllee`) and TeX's ⟨⟩ as pdftotext reads them (`hargsi`);
//! * **moves**: the same run of words in another place (running heads,
//!   page numbers, table-of-contents columns read in another order), and
//!   any word one text holds no more often than the other (a table read
//!   by rows here, by columns there);
//! * **scattered losses and debris**: short runs (at most [`SHORT_RUN`]
//!   words) one extractor reads and the other does not, and runs of
//!   mostly one- and two-letter tokens (formulas, letter-spaced headings,
//!   symbols) that extractors read each their own way;
//! * **layout**: runs that do not read as prose (table cells, figure
//!   labels, listings), longer ones or ones with no shared running text
//!   around them, up to [`LAYOUT_SHARE`] of the version.
//!
//! What remains is *added* (in the leak, not in ours) and *removed* (in
//! ours, not in the leak): the evidence an investigator reads, and what
//! decides between `genuine` and `altered` (see [`Differences::genuine`]).

use std::collections::HashMap;
use std::time::Duration;

/// The comparison of a leaked text with a version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Differences {
    /// Words of the version.
    pub ours: usize,
    /// Words of the leaked text.
    pub theirs: usize,
    /// Words split or joined differently, set aside.
    pub rejoined: usize,
    /// Words in runs found elsewhere on the other side, set aside.
    pub moved: usize,
    /// Words of formula and symbol debris (runs of mostly one- and
    /// two-character tokens), set aside.
    pub debris: usize,
    /// Words in the leak that are not in the version.
    pub added: usize,
    /// Words of the version missing from the leak.
    pub removed: usize,
    /// Figures changed for other figures, one for one (the classic
    /// forgery: extraction does not turn one number into another).
    pub changed_figures: usize,
    /// Runs of words (not debris) longer than extraction's scattered
    /// losses that read as prose, added or removed: a sentence written or
    /// deleted.
    pub long_runs: usize,
    /// Of the added and removed words, those in longer runs that do not
    /// read as prose: table cells, a figure's labels, a code listing,
    /// which extractors read each their own way (counted in `added` and
    /// `removed` too; set aside up to [`LAYOUT_SHARE`] of the version).
    pub added_layout: usize,
    /// See `added_layout`.
    pub removed_layout: usize,
    /// Negations added or removed (`not`, `never`, `nicht`, `pas`, …): one
    /// word that turns a sentence around is never extraction's.
    pub negations: usize,
    /// A few added passages, for the report.
    pub added_examples: Vec<String>,
    /// A few removed passages, for the report.
    pub removed_examples: Vec<String>,
    /// False when the diff gave up at its deadline (then nothing is set
    /// aside and the texts count as different).
    pub complete: bool,
}

/// Added or removed runs of at most this many words may be extraction's
/// scattered losses; a longer run of words that reads as prose is an edit.
const SHORT_RUN: usize = 4;

/// The share of a version's words that may differ in runs that do not
/// read as prose (tables, figures, listings) in a genuine copy. Measured
/// on Debian manuals through pdftotext, MuPDF and Ghostscript: up to
/// 1.5 % (groff's sample documents, 46 of 3,116 words).
const LAYOUT_SHARE: f64 = 0.02;

/// Words the diff found equal on each side of a difference for it to sit
/// in running text both share, where a lone changed word is an edit
/// rather than a table or a figure read otherwise.
const CONTEXT: usize = 4;

/// How many of a text's most frequent words are looked at for its
/// function words, and how long those may be.
const FUNCTION_WORDS: usize = 40;
const FUNCTION_WORD_CHARS: usize = 3;

/// Words of a difference, and whether it sits in shared running text.
type Run<'a> = (Vec<&'a str>, bool);

/// Examples kept per side.
const EXAMPLES: usize = 5;

/// Words of an example kept.
const EXAMPLE_WORDS: usize = 24;

impl Differences {
    /// Whether the leak is the version's text, extraction aside: no run of
    /// more than [`SHORT_RUN`] words that reads as prose added or removed,
    /// no figure changed for another, no negation added or removed in
    /// prose, at most one word in 200 of the version's added and removed
    /// each outside tables, figures and listings, and at most
    /// [`LAYOUT_SHARE`] of it in those. A fabricated sentence, a deleted
    /// paragraph, a rewritten clause, a turned negation or a changed
    /// number is an edit; a short phrase changed for another of no digits
    /// can pass while it is one of very few, and so can table cells and
    /// labels within the layout share. The report lists every difference
    /// either way.
    pub fn genuine(&self) -> bool {
        let allowance = (self.ours / 200).max(2);
        let layout = self.added_layout + self.removed_layout;
        self.complete
            && self.changed_figures == 0
            && self.long_runs == 0
            && self.negations == 0
            && self.added.saturating_sub(self.added_layout) <= allowance
            && self.removed.saturating_sub(self.removed_layout) <= allowance
            && layout as f64 <= LAYOUT_SHARE * self.ours as f64
    }
}

/// Letters and digits of a word, accents and other marks aside (NFKD, then
/// only alphanumerics): `gwenolé` and `gwenol` + `e` compare equal.
fn skeleton(words: &[&str]) -> String {
    use unicode_normalization::UnicodeNormalization;
    words
        .iter()
        .flat_map(|w| w.nfkd())
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Formula and symbol debris: mostly tokens of one or two characters.
fn debris(run: &[&str]) -> bool {
    let short = run.iter().filter(|w| w.chars().count() <= 2).count();
    !run.is_empty() && short * 10 >= run.len() * 7
}

/// Words that negate, in the languages the portal's members write most
/// (English, French, German).
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "nor", "without", "cannot", "nothing", "ne", "pas", "jamais",
    "aucun", "aucune", "sans", "rien", "nicht", "kein", "keine", "keinen", "keinem", "keiner",
    "nie", "niemals", "ohne", "nichts",
];

/// A word cut where letters meet digits: extractors glue page numbers,
/// footnote marks and figure labels to the word beside them
/// (`undefined173`, `right30`, `σp4`), each in other places.
fn letters_and_digits(word: &str) -> impl Iterator<Item = &str> {
    let mut rest = word;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digit)
            .map_or(rest.len(), |(i, _)| i);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

fn is_figure(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
}

/// Compares normalised texts (see [`crate::normalize`]) word by word,
/// within `deadline`.
pub fn compare(ours: &str, theirs: &str, deadline: Duration) -> Differences {
    let a: Vec<&str> = crate::words(ours).flat_map(letters_and_digits).collect();
    let b: Vec<&str> = crate::words(theirs).flat_map(letters_and_digits).collect();
    let mut out = Differences {
        ours: a.len(),
        theirs: b.len(),
        ..Differences::default()
    };
    let started = std::time::Instant::now();
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Patience,
        &a,
        &b,
        Some(started + deadline),
    );
    out.complete = started.elapsed() < deadline;
    // Differing hunks: the removed and the added words of each, and
    // whether the hunk sits in running text both texts share (see
    // [`CONTEXT`]).
    let mut removed: Vec<Run> = Vec::new();
    let mut added: Vec<Run> = Vec::new();
    // One figure in place of another: an edit unless either is found moved
    // (a page number read beside another heading), decided after the moves.
    let mut figure_swaps: Vec<(&str, &str)> = Vec::new();
    let shared = |op: Option<&similar::DiffOp>| {
        op.is_none_or(|op| {
            let (tag, old, _) = op.as_tag_tuple();
            tag == similar::DiffTag::Equal && old.len() >= CONTEXT
        })
    };
    for (i, op) in ops.iter().enumerate() {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let clean = shared(i.checked_sub(1).and_then(|p| ops.get(p))) && shared(ops.get(i + 1));
        let (o, n) = (&a[old], &b[new]);
        if !o.is_empty() && !n.is_empty() && skeleton(o) == skeleton(n) {
            out.rejoined += o.len().max(n.len());
            continue;
        }
        if let ([x], [y]) = (o, n) {
            if is_figure(x) && is_figure(y) {
                figure_swaps.push((x, y));
            }
        }
        if !o.is_empty() {
            removed.push((o.to_vec(), clean));
        }
        if !n.is_empty() {
            added.push((n.to_vec(), clean));
        }
    }
    // Moves: a removed run found whole as an added run, by its letters (so
    // a moved run also split differently still counts).
    let mut by_letters: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, (run, _)) in added.iter().enumerate() {
        by_letters.entry(skeleton(run)).or_default().push(i);
    }
    let mut added_moved = vec![false; added.len()];
    let mut removed_left: Vec<Run> = Vec::new();
    for run in removed {
        match by_letters.get_mut(&skeleton(&run.0)).and_then(Vec::pop) {
            Some(i) => {
                added_moved[i] = true;
                out.moved += run.0.len();
            }
            None => removed_left.push(run),
        }
    }
    let added_left: Vec<Run> = added
        .into_iter()
        .zip(added_moved)
        .filter(|(_, moved)| !moved)
        .map(|(run, _)| run)
        .collect();
    // What is left is reordered rather than changed when the other text
    // holds as many of its words overall: a table read by rows on one side
    // and by columns on the other leaves runs the diff pairs with the
    // wrong occurrences. A word is added only as far as the leak holds
    // more of it than the version, and removed only as far as it holds
    // fewer, each occurrence counted once; the rest moved.
    let (mut surplus_added, mut surplus_removed) = surpluses(&a, &b);
    let mut added_left = beyond_balance(&added_left, &mut surplus_added, &mut out.moved);
    let mut removed_left = beyond_balance(&removed_left, &mut surplus_removed, &mut out.moved);
    out.rejoined += rejoin_apart(&mut removed_left, &mut added_left);
    out.rejoined += rejoin_apart(&mut added_left, &mut removed_left);
    out.changed_figures = still_swapped(&figure_swaps, &added_left, &removed_left);
    let (added_left, added_debris): (Vec<_>, Vec<_>) =
        added_left.into_iter().partition(|r| !debris(&r.0));
    let (removed_left, removed_debris): (Vec<_>, Vec<_>) =
        removed_left.into_iter().partition(|r| !debris(&r.0));
    out.debris = added_debris
        .iter()
        .chain(&removed_debris)
        .map(|r| r.0.len())
        .sum();
    // Edits are told from extraction by what they touch: a sentence
    // written or deleted reads as prose; a table, a figure's labels or a
    // code listing another extractor reads otherwise does not. A
    // negation counts in prose, or alone amid shared running text.
    let function_words = function_words(&a);
    let prose = |run: &[&str]| reads_as_prose(run, &function_words);
    out.negations = added_left
        .iter()
        .chain(&removed_left)
        .filter(|(run, clean)| prose(run) || (*clean && run.len() <= SHORT_RUN))
        .flat_map(|(run, _)| run)
        .filter(|w| NEGATIONS.contains(w))
        .count();
    out.long_runs = added_left
        .iter()
        .chain(&removed_left)
        .filter(|(run, _)| run.len() > SHORT_RUN && prose(run))
        .count();
    let layout = |runs: &[Run]| -> usize {
        runs.iter()
            .filter(|(run, clean)| (run.len() > SHORT_RUN || !clean) && !prose(run))
            .map(|(run, _)| run.len())
            .sum()
    };
    out.added_layout = layout(&added_left);
    out.removed_layout = layout(&removed_left);
    let added_left: Vec<Vec<&str>> = added_left.into_iter().map(|r| r.0).collect();
    let removed_left: Vec<Vec<&str>> = removed_left.into_iter().map(|r| r.0).collect();
    tally(&added_left, &mut out.added, &mut out.added_examples);
    tally(&removed_left, &mut out.removed, &mut out.removed_examples);
    out
}

/// The words of `runs` as far as `surplus` still holds them (each use
/// spends one); the others are counted `moved`.
fn beyond_balance<'a>(
    runs: &[Run<'a>],
    surplus: &mut HashMap<&'a str, usize>,
    moved: &mut usize,
) -> Vec<Run<'a>> {
    runs.iter()
        .map(|(run, clean)| {
            let kept = run
                .iter()
                .copied()
                .filter(|w| match surplus.get_mut(w) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        true
                    }
                    _ => {
                        *moved += 1;
                        false
                    }
                })
                .collect();
            (kept, *clean)
        })
        .collect()
}

/// The short words a text uses most: its articles, prepositions and
/// conjunctions, whatever its language (the, of, and; le, de, et; der,
/// und, zu; w, na, się). Short (at most [`FUNCTION_WORD_CHARS`] letters)
/// and among its [`FUNCTION_WORDS`] most frequent words of letters.
fn function_words<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for w in words {
        *counts.entry(w).or_default() += 1;
    }
    let mut frequent: Vec<(&str, usize)> = counts
        .into_iter()
        .filter(|(w, _)| w.chars().all(char::is_alphabetic))
        .collect();
    frequent.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    frequent
        .into_iter()
        .take(FUNCTION_WORDS)
        .map(|(w, _)| w)
        .filter(|w| w.chars().count() <= FUNCTION_WORD_CHARS)
        .collect()
}

/// Whether a run of words reads as a sentence of the text's language: two
/// or more of its function words, making up a sixth of the run or more
/// (running prose has about a third; labels, table cells and code almost
/// none).
fn reads_as_prose(run: &[&str], function_words: &[&str]) -> bool {
    let mut distinct: Vec<&str> = Vec::new();
    let mut tokens = 0;
    for w in run {
        if function_words.contains(w) {
            tokens += 1;
            if !distinct.contains(w) {
                distinct.push(w);
            }
        }
    }
    distinct.len() >= 2 && tokens * 6 >= run.len()
}

/// How many more times each word occurs in `b` than in `a` (added), and
/// in `a` than in `b` (removed).
fn surpluses<'a>(
    a: &[&'a str],
    b: &[&'a str],
) -> (HashMap<&'a str, usize>, HashMap<&'a str, usize>) {
    let mut balance: HashMap<&str, isize> = HashMap::new();
    for w in a {
        *balance.entry(w).or_default() -= 1;
    }
    for w in b {
        *balance.entry(w).or_default() += 1;
    }
    let (mut added, mut removed) = (HashMap::new(), HashMap::new());
    for (w, n) in balance {
        match n {
            n if n > 0 => {
                added.insert(w, n.unsigned_abs());
            }
            n if n < 0 => {
                removed.insert(w, n.unsigned_abs());
            }
            _ => {}
        }
    }
    (added, removed)
}

/// The figure swaps whose removed figure is still removed and whose added
/// figure is still added once moves are set aside, each word used once.
fn still_swapped<'a>(swaps: &[(&str, &str)], added: &[Run<'a>], removed: &[Run<'a>]) -> usize {
    fn count<'a>(runs: &[Run<'a>]) -> HashMap<&'a str, usize> {
        let mut n = HashMap::new();
        for w in runs.iter().flat_map(|r| &r.0) {
            *n.entry(*w).or_default() += 1;
        }
        n
    }
    let (mut added, mut removed) = (count(added), count(removed));
    swaps
        .iter()
        .filter(|(x, y)| match (removed.get_mut(x), added.get_mut(y)) {
            (Some(r), Some(a)) if *r > 0 && *a > 0 => {
                *r -= 1;
                *a -= 1;
                true
            }
            _ => false,
        })
        .count()
}

/// Counts the words of `runs` and keeps the longest few as examples. A
/// run emptied by the word-for-word moves is no run.
fn tally(runs: &[Vec<&str>], count: &mut usize, examples: &mut Vec<String>) {
    let runs: Vec<&Vec<&str>> = runs.iter().filter(|r| !r.is_empty()).collect();
    for run in &runs {
        *count += run.len();
    }
    let mut by_length = runs;
    by_length.sort_by_key(|r| std::cmp::Reverse(r.len()));
    for run in by_length.into_iter().take(EXAMPLES) {
        let mut text = run[..run.len().min(EXAMPLE_WORDS)].join(" ");
        if run.len() > EXAMPLE_WORDS {
            text.push_str(" …");
        }
        examples.push(text);
    }
}

#[path = "compare_rejoin.rs"]
mod rejoin;
use rejoin::rejoin_apart;

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
