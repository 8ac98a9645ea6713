//! Decoding for triage: reading observations out of leaked text, merging the
//! observations of every file of a dump, scoring candidate accounts against
//! the accusation threshold, and naming the download an accused account's
//! copy came from.

use std::collections::HashMap;

use crate::channels;
use crate::code::{chernoff_threshold, score_terms, Layer};
use crate::keys::{self, AccountId, DownloadId, VersionId};
use crate::text::Channel;
use crate::Fingerprinter;

/// One bit read at one code position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The code position.
    pub position: u64,
    /// The bit read there.
    pub bit: bool,
    /// The channel it was read from.
    pub channel: Channel,
    /// The document version the position was derived for.
    pub version: VersionId,
    /// The layer of the position.
    pub layer: Layer,
}

/// Observations of one or many files; merge the files of a dump with
/// [`Observations::extend`] so their scores add up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    items: Vec<Observation>,
}

impl Observations {
    /// No observations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of reads (a position read twice counts twice here).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds the observations of another file.
    pub fn extend(&mut self, other: Observations) {
        self.items.extend(other.items);
    }

    /// The individual reads.
    pub fn iter(&self) -> impl Iterator<Item = &Observation> {
        self.items.iter()
    }

    /// Keeps at most `max` reads, bounding the memory a large dump needs.
    /// The reads kept are those at positions whose `k` lowest bits are zero,
    /// for the smallest `k` that fits (the layer is chosen by the high bits,
    /// so both layers are thinned alike): a rule on the position alone, so two files
    /// of one document thinned at the same rate keep the same positions
    /// and still merge. The false-accusation bound holds on any subset of
    /// positions; only the evidence shrinks (a few thousand positions
    /// convict a single leaker with a wide margin).
    pub fn thin(self, max: usize) -> Observations {
        if self.items.len() <= max {
            return self;
        }
        let mut by_zeros = [0usize; 65];
        for o in &self.items {
            by_zeros[o.position.trailing_zeros() as usize] += 1;
        }
        // Reads kept at level k: those with at least k trailing zeros.
        let mut kept = self.items.len();
        let mut k = 0usize;
        while kept > max && k < 64 {
            kept -= by_zeros[k];
            k += 1;
        }
        Observations {
            items: self
                .items
                .into_iter()
                .filter(|o| o.position.trailing_zeros() as usize >= k)
                .collect(),
        }
    }

    /// Number of reads per channel.
    pub fn count(&self, channel: Channel) -> usize {
        self.items.iter().filter(|o| o.channel == channel).count()
    }

    /// Merges repeated reads of a position into soft values
    /// `v = (n1 - n0) / (n1 + n0)`, keeping only `layer` (and `version`).
    fn soft(&self, layer: Layer, version: Option<VersionId>) -> Vec<(u64, f64)> {
        let mut acc: HashMap<u64, (u32, u32)> = HashMap::new();
        for o in &self.items {
            if o.layer == layer && version.is_none_or(|v| v == o.version) {
                let e = acc.entry(o.position).or_default();
                if o.bit {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        let mut out: Vec<(u64, f64)> = acc
            .into_iter()
            .map(|(p, (n1, n0))| (p, (f64::from(n1) - f64::from(n0)) / f64::from(n1 + n0)))
            .filter(|&(_, v)| v != 0.0)
            .collect();
        out.sort_unstable_by_key(|&(p, _)| p);
        out
    }
}

/// One candidate account's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountScore {
    /// The account.
    pub account: AccountId,
    /// Its accumulated symmetric Tardos score.
    pub score: f64,
    /// Whether the score reaches the threshold.
    pub accused: bool,
}

/// The result of scoring candidate accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Accusation {
    /// Distinct account-layer positions that were read (with a non-zero
    /// merged value).
    pub positions: usize,
    /// `Σ v_j²`, the variance of an innocent account's score.
    pub variance: f64,
    /// The accusation threshold for these positions.
    pub threshold: f64,
    /// Every candidate, highest score first.
    pub scores: Vec<AccountScore>,
    /// What the threshold was computed from, to join this test with others
    /// ([`Fingerprinter::joint_threshold`]).
    pub evidence: Evidence,
}

/// The read positions of one test as its threshold sees them: the bias and
/// merged read value of each. Tests on disjoint positions join: an
/// account's score on their union is the sum of its scores in each, and
/// [`Fingerprinter::joint_threshold`] is the union's threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    terms: Vec<(f64, f64)>,
}

impl Accusation {
    /// The accused accounts, highest score first.
    pub fn accused(&self) -> impl Iterator<Item = &AccountScore> {
        self.scores.iter().filter(|s| s.accused)
    }
}

/// One candidate download's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownloadScore {
    /// The download.
    pub download: DownloadId,
    /// The version it served.
    pub version: VersionId,
    /// Distinct download-layer positions of that version that were read.
    pub positions: usize,
    /// Its score on those positions.
    pub score: f64,
    /// The threshold for those positions.
    pub threshold: f64,
    /// Whether the score reaches the threshold.
    pub matched: bool,
}

/// Positions, their bias and read value (the evidence) and the score
/// terms for x = 1 / x = 0.
struct Prepared {
    pos: Vec<u64>,
    terms: Vec<(f64, f64)>,
    threshold: f64,
    variance: f64,
    evidence: Evidence,
}

impl Fingerprinter {
    /// Reads every marked site of `text` (any extracted text of a leaked file,
    /// after whatever happened to it), deriving code positions for each of
    /// the `versions` the text was matched to.
    pub fn extract(&self, text: &str, versions: &[VersionId]) -> Observations {
        self.extract_at_most(text, versions, usize::MAX)
    }

    /// [`Fingerprinter::extract`] from about `max_sites` of the text's marked
    /// sites at most, chosen by their words, so that two files of the same
    /// text keep the same ones: reading costs a hash of the words around
    /// each site, and a large text has far more sites than a verdict needs
    /// (a few thousand convict).
    pub fn extract_at_most(
        &self,
        text: &str,
        versions: &[VersionId],
        max_sites: usize,
    ) -> Observations {
        let reads = channels::read(text, max_sites);
        let mut items = Vec::with_capacity(reads.len() * versions.len());
        for v in versions {
            let vk = self.code.keys.version_key(v);
            for r in &reads {
                let position = keys::position(&vk, &r.name);
                items.push(Observation {
                    position,
                    bit: r.bit,
                    channel: r.channel,
                    version: *v,
                    layer: self.code.layer(position),
                });
            }
        }
        Observations { items }
    }

    /// Turns the word-spacing reads of a PDF ([`read_pdf_spacing`](crate::read_pdf_spacing))
    /// into observations under each of the `versions` the file was matched
    /// to ([`Channel::WordSpacing`]). Merge them with the file's text
    /// observations ([`Observations::extend`]): the channels carry
    /// independent positions.
    pub fn observe_spacing(
        &self,
        reads: &[crate::SpacingRead],
        versions: &[VersionId],
    ) -> Observations {
        let mut items = Vec::with_capacity(reads.len() * versions.len());
        for v in versions {
            let vk = self.code.keys.version_key(v);
            for r in reads {
                let position = keys::position(&vk, &r.anchor);
                items.push(Observation {
                    position,
                    bit: r.bit,
                    channel: Channel::WordSpacing,
                    version: *v,
                    layer: self.code.layer(position),
                });
            }
        }
        Observations { items }
    }

    fn prepare_scoring(&self, soft: Vec<(u64, f64)>) -> Prepared {
        let pv: Vec<(f64, f64)> = soft.iter().map(|&(p, v)| (self.code.bias(p), v)).collect();
        Prepared {
            threshold: chernoff_threshold(&pv, self.code.params.false_accusation),
            variance: soft.iter().map(|&(_, v)| v * v).sum(),
            terms: pv.iter().map(|&(b, v)| score_terms(b, v)).collect(),
            pos: soft.into_iter().map(|(p, _)| p).collect(),
            evidence: Evidence { terms: pv },
        }
    }

    /// The threshold of the test on the union of the positions of `parts`
    /// (tests on disjoint positions: code positions are keyed per version,
    /// so the tests of different documents never share one), at this
    /// fingerprinter's false-accusation rate. An account's score on the
    /// union is the sum of its scores in those tests.
    pub fn joint_threshold(&self, parts: &[&Evidence]) -> f64 {
        let terms: Vec<(f64, f64)> = parts.iter().flat_map(|e| e.terms.iter().copied()).collect();
        chernoff_threshold(&terms, self.code.params.false_accusation)
    }

    fn score(prep: &Prepared, word_key: &[u8; 32]) -> f64 {
        prep.pos
            .iter()
            .zip(&prep.evidence.terms)
            .zip(&prep.terms)
            .map(|((&j, &(p, _)), &(hi, lo))| {
                if keys::word_uniform(word_key, j) < p {
                    hi
                } else {
                    lo
                }
            })
            .sum()
    }

    /// Scores candidate accounts on the account layer of `obs` (all files of
    /// a dump together) and accuses those at or above the threshold.
    pub fn accuse(&self, obs: &Observations, candidates: &[AccountId]) -> Accusation {
        let prep = self.prepare_scoring(obs.soft(Layer::Account, None));
        let mut scores: Vec<AccountScore> = candidates
            .iter()
            .map(|&account| {
                let score = Self::score(&prep, &self.code.keys.account_key(account));
                AccountScore {
                    account,
                    score,
                    accused: score >= prep.threshold,
                }
            })
            .collect();
        scores.sort_by(|a, b| b.score.total_cmp(&a.score));
        Accusation {
            positions: prep.pos.len(),
            variance: prep.variance,
            threshold: prep.threshold,
            scores,
            evidence: prep.evidence,
        }
    }

    /// Scores the candidate downloads of one (accused) account on the
    /// download layer of the observations of each download's version. The
    /// same false-accusation bound holds per candidate download.
    pub fn score_downloads(
        &self,
        obs: &Observations,
        account: AccountId,
        candidates: &[(DownloadId, VersionId)],
    ) -> Vec<DownloadScore> {
        let mut cache: HashMap<VersionId, Prepared> = HashMap::new();
        let mut out: Vec<DownloadScore> = candidates
            .iter()
            .map(|&(download, version)| {
                let prep = cache.entry(version).or_insert_with(|| {
                    self.prepare_scoring(obs.soft(Layer::Download, Some(version)))
                });
                let score = Self::score(prep, &self.code.keys.download_key(account, download));
                DownloadScore {
                    download,
                    version,
                    positions: prep.pos.len(),
                    score,
                    threshold: prep.threshold,
                    matched: score >= prep.threshold,
                }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out
    }
}
