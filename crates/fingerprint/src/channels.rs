//! The embedding channels: how a bit is written at a site and read back, and
//! how every channel is removed again ([`strip`]).
//!
//! | channel | bit 0 | bit 1 | plain form (no bit) |
//! |---|---|---|---|
//! | space between two words | U+00A0 NO-BREAK SPACE | U+2005 FOUR-PER-EM SPACE | U+0020 |
//! | zero-width before a word | U+2063 INVISIBLE SEPARATOR (U+200B ZERO WIDTH SPACE in a PDF's invisible layer) | U+200C ZERO WIDTH NON-JOINER | nothing |
//! | apostrophe / single quote | `'` | `’` or `‘` | — |
//! | double quote | `"` | `“` or `”` | — |
//! | ellipsis | `...` | `…` | — |
//! | spaced dash between words | ` - ` | ` – ` | — |
//! | PDF word gap spacing (`TJ` number `g`, thousandths of an em) | `g ≡ 12 (mod 16)` | `g ≡ 4 (mod 16)` | anything else |
//!
//! The last row is not a text channel: it lives in the page's own content
//! streams of a PDF and is read from the file ([`read_pdf_spacing`](crate::read_pdf_spacing)), not
//! from extracted text; [`strip`] does not concern it.
//!
//! Both space variants have the width of an ordinary space in common fonts
//! (a quarter em) and survive NFC; NFKC and Unicode-aware whitespace
//! collapsing turn them into U+0020, and then the channel is simply lost.
//! Only a share of the gaps (a keyed choice) carries the space channel, so
//! that runs of no-break spaces stay short and line breaking is unaffected.
//! The zero-width characters survive NFC, NFKC and whitespace collapsing but
//! are dropped by many sanitisers, which is why they are the weak extra layer.
//!
//! Punctuation has no "absent" form: a straight quote is both the original and
//! bit 0. A class is therefore marked only when the original uses no
//! typographic form of it at all, and it is read only when the text shows both
//! forms (a *gate*): an unmarked text, uniformly straight or uniformly curly,
//! yields no punctuation observations.

use crate::code::{Code, Layer};
use crate::keys::{self, Mark};
use crate::model::{Edit, TextModel};
use crate::text::{
    self, Carrier, Channel, Punct, Reading, ELLIPSIS, EN_DASH, NBSP, SPACE1, ZW0, ZW0_PDF, ZW1,
};

/// Removes every channel: maps our space variants to U+0020, deletes our
/// zero-width characters, and maps typographic apostrophes, quotes, ellipses
/// and spaced en dashes to their ASCII forms.
///
/// `strip(embed(x)) == strip(x)` for every text, and `strip(embed(x)) == x`
/// whenever `x` contains none of the variant characters listed in the module
/// docs (typical for plain text, Markdown and HTML sources, which use ASCII
/// punctuation or entities). Triage calls it on both sides before comparing a
/// leaked text with a stored version.
pub fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_ws = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            NBSP | SPACE1 => out.push(' '),
            ZW0 | ZW0_PDF | ZW1 => {}
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            ELLIPSIS => out.push_str("..."),
            EN_DASH if prev_ws && chars.peek().is_none_or(|n| n.is_whitespace()) => out.push('-'),
            _ => out.push(c),
        }
        prev_ws = c.is_whitespace();
    }
    out
}

/// Every character a channel may write.
pub(crate) const VARIANTS: [char; 10] = [
    NBSP, SPACE1, ZW0, ZW1, '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', ELLIPSIS, EN_DASH,
];

/// The code words of one mark: derived once per copy, not once per site.
struct Words {
    account: [u8; 32],
    download: [u8; 32],
}

impl Words {
    fn new(code: &Code, mark: &Mark) -> Self {
        Self {
            account: code.keys.account_key(mark.account),
            download: code.keys.download_key(mark.account, mark.download),
        }
    }

    /// Whether the code bit at `pos` (of secret bias `bias`) is 1, on the
    /// account or the download layer.
    fn bit(&self, code: &Code, pos: u64, bias: f64) -> bool {
        let key = match code.layer(pos) {
            Layer::Account => &self.account,
            Layer::Download => &self.download,
        };
        keys::word_uniform(key, pos) < bias
    }
}

/// How many sites of each channel were marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelCounts {
    /// Space-channel sites written.
    pub space: usize,
    /// Punctuation-channel sites (bit 0 sites included).
    pub punctuation: usize,
    /// Zero-width sites written.
    pub zero_width: usize,
    /// PDF word gaps whose spacing carries a bit.
    pub word_spacing: usize,
}

impl ChannelCounts {
    /// Total number of code positions carried.
    pub fn total(&self) -> usize {
        self.space + self.punctuation + self.zero_width + self.word_spacing
    }
}

/// One site every copy of a version carries a bit at: where in the
/// source, which code position, and what the bit-1 (and bit-0) forms are.
#[derive(Debug, Clone)]
pub(crate) struct PlannedSite {
    /// Source byte range the variant replaces (empty: an insertion).
    start: u32,
    end: u32,
    pos: u64,
    /// The position's secret bias (a keyed hash and a sine: worth keeping).
    bias: f64,
    /// The character for bit 0 and for bit 1 (`None`: leave as is).
    zero: Option<char>,
    one: Option<char>,
}

/// The mark-independent part of marking one version's text: every site
/// with its code position, computed once per version (hashing each site's
/// context is most of the cost) and reused for every download.
#[derive(Debug, Clone)]
pub struct Plan {
    pub(crate) version: crate::keys::VersionId,
    /// BLAKE3 of the text the plan was made for.
    pub(crate) source: [u8; 32],
    pub(crate) sites: Vec<PlannedSite>,
    /// Position and bias of each word gap of a PDF template, in template
    /// order (empty for other formats).
    pub(crate) gaps: Vec<(u64, f64)>,
    pub(crate) counts: ChannelCounts,
    /// DOCX or ODT: the sites are in the main XML part of the package
    /// (`source` is that part's digest); `None`: in the input itself.
    pub(crate) office: Option<crate::Format>,
}

impl Plan {
    /// How many code positions each channel carries in every copy.
    pub fn counts(&self) -> ChannelCounts {
        self.counts
    }

    /// Approximate heap size, for caches.
    pub fn heap_bytes(&self) -> usize {
        self.sites.capacity() * std::mem::size_of::<PlannedSite>()
            + self.gaps.capacity() * std::mem::size_of::<(u64, f64)>()
    }
}

/// Finds every site of `model` that carries a bit for `version`.
pub(crate) fn prepare(code: &Code, model: &TextModel, version: crate::keys::VersionId) -> Plan {
    let vis = &model.visible;
    let vk = code.keys.version_key(&version);
    let sites = text::sites(vis, text::Wanted::All);
    // A punctuation class is usable only if the original has no typographic form.
    let mut typographic = [false; 4];
    for s in &sites {
        if let (Carrier::Punct(p), Reading::Bit(_)) = (s.carrier, s.reading) {
            typographic[p.index()] = true;
        }
    }
    if vis.contains(['\u{2018}', '\u{2019}']) {
        typographic[Punct::Single.index()] = true;
    }
    if vis.contains(['\u{201C}', '\u{201D}']) {
        typographic[Punct::Double.index()] = true;
    }
    if vis.contains(ELLIPSIS) {
        typographic[Punct::Ellipsis.index()] = true;
    }
    let mut planned = Vec::new();
    let mut counts = ChannelCounts::default();
    // Sites sharing a name (a repeated phrase) share the position and hence
    // the bit, so a repeated phrase reads consistently.
    for s in sites {
        if s.reading != Reading::Plain {
            continue;
        }
        let Some(src) = model.source_range(&s.range) else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u32::try_from(src.start), u32::try_from(src.end)) else {
            continue;
        };
        let pos = keys::position(&vk, &s.name);
        let (zero, one) = match s.carrier {
            Carrier::Space => {
                if code.keys.select_uniform(pos) >= code.params.space_share {
                    continue;
                }
                counts.space += 1;
                (Some(NBSP), Some(SPACE1))
            }
            Carrier::ZeroWidth => {
                counts.zero_width += 1;
                (Some(ZW0), Some(ZW1))
            }
            Carrier::Punct(p) => {
                if typographic[p.index()] {
                    continue;
                }
                counts.punctuation += 1;
                (None, Some(typographic_form(p, vis, &s.range)))
            }
        };
        planned.push(PlannedSite {
            start,
            end,
            pos,
            bias: code.bias(pos),
            zero,
            one,
        });
    }
    Plan {
        version,
        source: [0; 32],
        sites: planned,
        gaps: Vec::new(),
        counts,
        office: None,
    }
}

/// The bits of `mark` at the given (position, bias) pairs.
pub(crate) fn bits(code: &Code, mark: &Mark, sites: &[(u64, f64)]) -> Vec<bool> {
    let words = Words::new(code, mark);
    sites
        .iter()
        .map(|&(pos, bias)| words.bit(code, pos, bias))
        .collect()
}

/// The edits that write `mark` at the sites of `plan`.
pub(crate) fn edits(code: &Code, plan: &Plan, mark: &Mark) -> Vec<Edit> {
    let words = Words::new(code, mark);
    plan.sites
        .iter()
        .filter_map(|s| {
            let with = if words.bit(code, s.pos, s.bias) {
                s.one
            } else {
                s.zero
            }?;
            Some(Edit {
                range: s.start as usize..s.end as usize,
                with,
            })
        })
        .collect()
}

/// The typographic form of the straight punctuation at `r` in `vis`.
fn typographic_form(p: Punct, vis: &str, r: &std::ops::Range<usize>) -> char {
    let prev = vis[..r.start].chars().next_back();
    let next = vis[r.end..].chars().next();
    let opening = prev.is_none_or(|c| c.is_whitespace() || "([{<\u{2014}\u{2013}-/".contains(c));
    match p {
        Punct::Single => {
            if opening && next.is_some_and(char::is_alphabetic) {
                '\u{2018}'
            } else {
                '\u{2019}'
            }
        }
        Punct::Double => {
            if opening && next.is_some_and(|c| !c.is_whitespace()) {
                '\u{201C}'
            } else {
                '\u{201D}'
            }
        }
        Punct::Ellipsis => ELLIPSIS,
        Punct::Dash => EN_DASH,
    }
}

/// One read of one site: the code position (under one version) and the bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Read {
    pub(crate) name: [u8; 32],
    pub(crate) bit: bool,
    pub(crate) channel: Channel,
}

/// Reads the sites of `text` that carry a bit: every one, or about `max`
/// of them chosen by their words ([`text::Found::sample`]).
pub(crate) fn read(text: &str, max: usize) -> Vec<Read> {
    // Naming sites hashes the words around every gap; a text without a
    // single variant character carries no bit, so skip it (most files of a
    // dump: originals, fabrications, public material).
    if !text.contains(|c: char| VARIANTS.contains(&c) || c == ZW0_PDF) {
        return Vec::new();
    }
    let mut found = text::find_in_lines(text, text::Wanted::Reads, max);
    // A punctuation class carries bits only where both of its forms occur
    // in the text (else the text was typeset that way): decided on every
    // site, before sampling.
    let mut seen = [[false; 2]; 4];
    for s in &found.pending {
        if let Carrier::Punct(p) = s.carrier {
            let form = usize::from(s.reading != Reading::Plain);
            seen[p.index()][form] = true;
        }
    }
    found.retain(|s| match (s.carrier, s.reading) {
        (Carrier::Punct(p), _) => seen[p.index()] == [true, true],
        (_, Reading::Bit(_)) => true,
        _ => false,
    });
    found.sample(max);
    found
        .named()
        .into_iter()
        .map(|s| Read {
            name: s.name,
            bit: s.reading == Reading::Bit(true),
            channel: s.carrier.channel(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_maps_variants_back() {
        let s =
            "a\u{00A0}b\u{2005}\u{200B}c \u{2019}d\u{201C} e \u{2013} f\u{2026} 1990\u{2013}2000";
        assert_eq!(strip(s), "a b c 'd\" e - f... 1990\u{2013}2000");
    }
}
