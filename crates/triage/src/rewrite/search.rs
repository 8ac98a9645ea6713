//! The search of a batch of files, step by step (the module's docs say
//! why each step), with the model behind one function so that tests can
//! stand in for it.

use super::{
    aligned_needed,
    index::{rank, Near},
    sample, spread, Aligned, Found, PassageIndex, Thresholds, CANDIDATES, MAX_PASSAGES, VERIFY,
    VERIFY_SHARE,
};
use rampart_semantic::{embed_passages, first_passages, Embedder, Error, Passage};
use std::collections::HashMap;

/// The semantic matcher of a triage run: the model and the stored passages.
#[derive(Debug)]
pub struct Semantic {
    /// The loaded model.
    pub embedder: std::sync::Arc<Embedder>,
    /// Every stored passage.
    pub index: PassageIndex,
    /// Where it draws its lines.
    pub thresholds: Thresholds,
}

impl Semantic {
    /// Whether `text` is a rewrite of one item, and of which (CPU work: call
    /// from a blocking thread). `None` when it is not, or has no passages.
    pub fn find(&self, text: &str) -> Result<Option<Found>, Error> {
        Ok(self.find_many(&[text])?.pop().flatten())
    }

    /// [`Semantic::find`] for several files at once, in order: their
    /// first samples are compared with every stored passage in one scan.
    pub fn find_many(&self, texts: &[&str]) -> Result<Vec<Option<Found>>, Error> {
        Ok(self
            .alignments_many(texts)?
            .into_iter()
            .map(|aligned| {
                let Aligned {
                    passages,
                    alignments,
                } = aligned?;
                let best = alignments
                    .into_iter()
                    .filter(|a| a.is_rewrite(&self.thresholds))
                    .max_by(|a, b| {
                        (a.share, a.similarity)
                            .partial_cmp(&(b.share, b.similarity))
                            .unwrap_or(std::cmp::Ordering::Equal)
                    });
                best.map(|alignment| Found {
                    passages,
                    alignment,
                })
            })
            .collect())
    }

    /// The file's passages and their alignment with each candidate item
    /// (none when no sampled passage comes near any stored one): what
    /// [`Semantic::find`] judges, and what calibration measures.
    pub fn alignments(&self, text: &str) -> Result<Option<Aligned>, Error> {
        Ok(self.alignments_many(&[text])?.pop().flatten())
    }

    fn alignments_many(&self, texts: &[&str]) -> Result<Vec<Option<Aligned>>, Error> {
        let mut embed = |ps: &[Passage]| embed_passages(&self.embedder, ps);
        search(&self.index, texts, &self.thresholds, &mut embed)
    }
}

/// Passages' quantised embeddings, in order: the model's, or a test's.
type Embed<'a> = dyn FnMut(&[Passage]) -> Result<Vec<Vec<i8>>, Error> + 'a;

/// A file's passages and sampled passages before its first scan.
struct Start {
    passages: Vec<Passage>,
    picks: Vec<usize>,
    /// Samples that must align with one item (see `aligned_needed`).
    needed: usize,
    /// Samples embedded before the first scan.
    first: usize,
}

/// [`Semantic::alignments`] of several files, in order.
fn search(
    index: &PassageIndex,
    texts: &[&str],
    t: &Thresholds,
    embed: &mut Embed,
) -> Result<Vec<Option<Aligned>>, Error> {
    let starts: Vec<Option<Start>> = texts
        .iter()
        .map(|text| {
            let ps = first_passages(text, MAX_PASSAGES);
            if ps.is_empty() || index.passages() == 0 {
                return None;
            }
            let picks = sample(ps.len());
            // The samples must pass the test on their own (below), so at
            // least `needed` of them must come near one item. A file of one
            // passage cannot; and when the first `k - needed + 1` samples
            // come near no stored passage at all, no item can be near
            // `needed` of the `k`, so the rest need not be embedded: the
            // answer is the same, for two passages instead of four on a
            // file unlike anything we hold.
            let k = picks.len();
            let needed = aligned_needed(k, t);
            (needed <= k).then_some(Start {
                passages: ps,
                picks,
                needed,
                first: k + 1 - needed,
            })
        })
        .collect();
    // Every file's first samples, embedded together and compared with the
    // stored passages in one scan.
    let mut firsts = Vec::new();
    let mut routes = Vec::new();
    for (f, start) in starts.iter().enumerate() {
        let Some(s) = start else { continue };
        for (bit, &i) in s.picks[..s.first].iter().enumerate() {
            firsts.push(s.passages[i].clone());
            routes.push((f, bit));
        }
    }
    let queries = embed(&firsts)?;
    let mut near = vec![HashMap::new(); starts.len()];
    index.near_rows(0, index.passages(), &queries, &routes, t, &mut near);
    let mut embedded = queries.into_iter();
    starts
        .into_iter()
        .zip(near)
        .map(|(start, near)| match start {
            None => Ok(None),
            Some(start) => {
                let sample: Vec<Vec<i8>> = embedded.by_ref().take(start.first).collect();
                align_file(index, start, sample, near, t, embed)
            }
        })
        .collect()
}

/// The rest of [`search`], for one file whose first samples (`sample`)
/// came near the items of `near`.
fn align_file(
    index: &PassageIndex,
    start: Start,
    sample: Vec<Vec<i8>>,
    mut near: HashMap<usize, Near>,
    t: &Thresholds,
    embed: &mut Embed,
) -> Result<Option<Aligned>, Error> {
    let Start {
        passages: ps,
        picks,
        needed,
        first,
    } = start;
    if near.is_empty() {
        return Ok(None);
    }
    let n = ps.len();
    // Each passage's embedding, once it has one.
    let mut embedded: Vec<Option<Vec<i8>>> = vec![None; n];
    for (&i, e) in picks.iter().zip(sample) {
        embedded[i] = Some(e);
    }
    // Only the items the first samples came near can still pass: the other
    // samples are compared with their passages alone, and the others take
    // no candidate's place.
    embed_missing(&ps, &picks, &mut embedded, embed)?;
    let more: Vec<Vec<i8>> = picks[first..]
        .iter()
        .map(|&i| embedded[i].clone().unwrap_or_default())
        .collect();
    let viable: Vec<usize> = near.keys().copied().collect();
    for (item, n) in index.near_among(&viable, &more, first, t) {
        near.entry(item).or_default().merge(n);
    }
    near.retain(|_, n| n.close.count_ones() as usize >= needed);
    let candidates = rank(near, CANDIDATES);
    // The sampled passages must already pass the test on their own before
    // more of the file is embedded: a text in the style of ours (or on its
    // topic) nominates candidates with one close passage, and a long file
    // costs a core ~7 ms a passage, 1.4 s at 200. (With half the samples
    // aligned, the triage benchmark's fresh texts, of the corpus's style,
    // were embedded whole: 16 CPU minutes.) Then, on a long file, passages
    // spread over it must align in good part ([`VERIFY`]).
    let candidates = passing(index, &picks, &embedded, candidates, t, |a| a.is_rewrite(t));
    let candidates = if n > VERIFY && !candidates.is_empty() {
        let verified = spread(n, VERIFY);
        embed_missing(&ps, &verified, &mut embedded, embed)?;
        passing(index, &verified, &embedded, candidates, t, |a| {
            a.distinct >= 2 && a.share >= VERIFY_SHARE
        })
    } else {
        candidates
    };
    if candidates.is_empty() {
        return Ok(Some(Aligned {
            passages: ps,
            alignments: Vec::new(),
        }));
    }
    // The rest of the file, now that it may be a rewrite.
    let every: Vec<usize> = (0..n).collect();
    embed_missing(&ps, &every, &mut embedded, embed)?;
    let all: Vec<Vec<i8>> = embedded
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let alignments = candidates
        .into_iter()
        .map(|item| index.align(item, &all, t))
        .collect();
    Ok(Some(Aligned {
        passages: ps,
        alignments,
    }))
}

/// The candidates whose alignment with the file's passages `at` (embedded)
/// passes `test`.
fn passing(
    index: &PassageIndex,
    at: &[usize],
    embedded: &[Option<Vec<i8>>],
    candidates: Vec<usize>,
    t: &Thresholds,
    test: impl Fn(&super::Alignment) -> bool,
) -> Vec<usize> {
    let passages: Vec<Vec<i8>> = at
        .iter()
        .map(|&i| embedded[i].clone().unwrap_or_default())
        .collect();
    candidates
        .into_iter()
        .filter(|&item| test(&index.align(item, &passages, t)))
        .collect()
}

/// Embeds, in one call, the passages of `ps` at `at` that have no
/// embedding yet.
fn embed_missing(
    ps: &[Passage],
    at: &[usize],
    embedded: &mut [Option<Vec<i8>>],
    embed: &mut Embed,
) -> Result<(), Error> {
    let missing: Vec<usize> = at
        .iter()
        .copied()
        .filter(|&i| embedded[i].is_none())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let passages: Vec<Passage> = missing.iter().map(|&i| ps[i].clone()).collect();
    for (i, e) in missing.into_iter().zip(embed(&passages)?) {
        embedded[i] = Some(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::index::tests::{axis, index};

    /// A text of one 40-word sentence (one passage) per axis, and an
    /// embedding that reads the axis back from the passage's first word.
    fn text(axes: &[usize]) -> String {
        axes.iter()
            .map(|a| format!("{}.", vec![format!("a{a}"); 40].join(" ")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// [`search`] of one file, with the passages embedded counted.
    fn search_one(ours: &PassageIndex, axes: &[usize]) -> (Option<Aligned>, usize) {
        let mut count = 0;
        let mut embed = |ps: &[Passage]| -> Result<Vec<Vec<i8>>, Error> {
            count += ps.len();
            Ok(ps
                .iter()
                .map(|p| {
                    let word = p.text.split(' ').next().unwrap_or_default();
                    axis(word.trim_start_matches('a').parse().unwrap())
                })
                .collect())
        };
        let found = search(ours, &[&text(axes)], &Thresholds::default(), &mut embed)
            .unwrap()
            .pop()
            .flatten();
        (found, count)
    }

    #[test]
    fn a_long_rewrite_is_verified_then_embedded_whole() {
        let t = Thresholds::default();
        let ours = index(150);
        // 100 passages following ours, one for one.
        let (found, embedded) = search_one(&ours, &(0..100).collect::<Vec<_>>());
        let found = found.unwrap();
        assert_eq!(found.passages.len(), 100);
        assert_eq!(embedded, 100, "each passage embedded once");
        let [a] = found.alignments.as_slice() else {
            panic!("{:?}", found.alignments)
        };
        assert_eq!((a.distinct, a.share), (100, 1.0));
        assert!(a.is_rewrite(&t));
    }

    #[test]
    fn a_long_file_whose_samples_alone_align_is_not_embedded_whole() {
        let ours = index(150);
        // Passages of ours where the four samples fall (0, 33, 66, 99), in
        // order; elsewhere passages near nothing we hold.
        let mut axes: Vec<usize> = (200..300).collect();
        for (pick, ours) in sample(100).into_iter().zip([0, 40, 80, 120]) {
            axes[pick] = ours;
        }
        let (found, embedded) = search_one(&ours, &axes);
        let found = found.unwrap();
        assert!(found.alignments.is_empty(), "{:?}", found.alignments);
        assert_eq!(embedded, VERIFY, "the samples and the passages verified");
    }

    #[test]
    fn a_short_file_is_embedded_whole_once_its_samples_pass() {
        let ours = index(150);
        let (found, embedded) = search_one(&ours, &(10..30).collect::<Vec<_>>());
        assert_eq!(embedded, 20);
        assert!(found.unwrap().alignments[0].is_rewrite(&Thresholds::default()));
        // A file unlike anything we hold: two passages embedded, no more.
        let (found, embedded) = search_one(&ours, &(200..220).collect::<Vec<_>>());
        assert!(found.is_none());
        assert_eq!(embedded, 2);
    }
}
